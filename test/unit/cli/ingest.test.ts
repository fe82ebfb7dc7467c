import { Readable } from 'node:stream';
import { expect } from 'chai';
import { ingestNdjson, MAX_LINE_BYTES, type LineRejection } from '../../../src/cli/ingest';
import { createProgress, formatCount } from '../../../src/cli/progress';
import type { IngestResult } from '../../../src/intake/intake-service';

interface FakeEvent { id: string; bad?: string; dup?: boolean }

/** A stand-in for the intake: rejects events with `bad`, counts `dup` as duplicates, records each batch. */
function fakeIntake() {
  const batches: FakeEvent[][] = [];
  return {
    batches,
    async ingest(events: unknown[]): Promise<IngestResult> {
      const batch = events as FakeEvent[];
      batches.push(batch);
      const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
      batch.forEach((e, index) => {
        if (e.bad) result.rejected.push({ index, id: e.id, error: `${e.bad}: sai (wrong)`, field: e.bad, code: 'invalid_event' });
        else if (e.dup) result.duplicates++;
        else result.accepted++;
      });
      return result;
    },
  };
}

const lines = (...l: string[]): Readable => Readable.from([l.join('\n')]);

describe('cli/ingest: ingestNdjson', () => {
  it('when the file has 1201 events, then they go to the intake in batches of 500, 500 and 201, in order', async () => {
    const intake = fakeIntake();
    const text = Array.from({ length: 1201 }, (_, i) => JSON.stringify({ id: `e${i + 1}` })).join('\n') + '\n';
    const progress: number[] = [];
    const totals = await ingestNdjson(Readable.from([text]), { ingest: intake.ingest, onProgress: (p) => progress.push(p.lines) });
    expect(intake.batches.map((b) => b.length)).to.deep.equal([500, 500, 201]);
    expect(intake.batches.flat().map((e) => e.id)).to.deep.equal(Array.from({ length: 1201 }, (_, i) => `e${i + 1}`));
    expect(totals).to.deep.equal({ lines: 1201, accepted: 1201, duplicates: 0, rejected: 0 });
    expect(progress).to.deep.equal([500, 1000, 1201]);
  });

  it('when lines are blank, not JSON or rejected by the intake, then each rejection names its own line number, in order', async () => {
    const intake = fakeIntake();
    const rejections: LineRejection[] = [];
    const totals = await ingestNdjson(lines(
      '\uFEFF{"id":"a"}', // 1: a byte-order mark is not an error
      '', // 2: blank
      '{"id":"b","bad":"subject.id"}', // 3
      '   ', // 4: blank
      '{not json', // 5
      '{"id":"c","dup":true}', // 6
      '{"id":"d"}', // 7
      '[1,2', // 8
    ), { ingest: intake.ingest, onRejection: (r) => rejections.push(r) });
    expect(totals).to.deep.equal({ lines: 6, accepted: 2, duplicates: 1, rejected: 3 });
    expect(rejections.map((r) => r.line)).to.deep.equal([3, 5, 8]);
    expect(rejections[0]).to.deep.equal({ line: 3, id: 'b', error: 'subject.id: sai (wrong)' });
    expect(rejections[1]!.error).to.match(/^không phải JSON hợp lệ \(not valid JSON\): /);
    expect(rejections[1]!.id).to.equal(null);
  });

  it('when the intake rejects an event in a later batch, then the line is counted from the top of the file', async () => {
    const intake = fakeIntake();
    const rows = Array.from({ length: 7 }, (_, i) => JSON.stringify(i === 5 ? { id: 'x', bad: 'type' } : { id: `e${i}` }));
    rows.splice(2, 0, ''); // a blank line before the batch boundary shifts the line numbers
    const rejections: LineRejection[] = [];
    await ingestNdjson(lines(...rows), { ingest: intake.ingest, batchSize: 3, onRejection: (r) => rejections.push(r) });
    expect(intake.batches.map((b) => b.length)).to.deep.equal([3, 3, 1]);
    expect(rejections).to.deep.equal([{ line: 7, id: 'x', error: 'type: sai (wrong)' }]);
  });

  it('when lines end with CRLF, then they parse as JSON', async () => {
    const intake = fakeIntake();
    const totals = await ingestNdjson(Readable.from(['{"id":"a"}\r\n{"id":"b"}\r\n']), { ingest: intake.ingest });
    expect(totals).to.deep.equal({ lines: 2, accepted: 2, duplicates: 0, rejected: 0 });
  });

  it('when the file holds only bad lines, then the intake is never called and every line is rejected', async () => {
    const intake = fakeIntake();
    const rejections: LineRejection[] = [];
    const totals = await ingestNdjson(lines('nope', 'null x'), { ingest: intake.ingest, onRejection: (r) => rejections.push(r) });
    expect(intake.batches).to.have.length(0);
    expect(totals.rejected).to.equal(2);
    expect(rejections.map((r) => r.line)).to.deep.equal([1, 2]);
  });

  it('when a line is longer than the limit, then it is rejected without being parsed', async () => {
    const intake = fakeIntake();
    const rejections: LineRejection[] = [];
    const huge = JSON.stringify({ id: 'big', pad: 'x'.repeat(MAX_LINE_BYTES) });
    await ingestNdjson(lines('{"id":"a"}', huge), { ingest: intake.ingest, onRejection: (r) => rejections.push(r) });
    expect(rejections).to.have.length(1);
    expect(rejections[0]!.line).to.equal(2);
    expect(rejections[0]!.error).to.contain('dòng quá dài');
    expect(intake.batches.flat().map((e) => e.id)).to.deep.equal(['a']);
  });

  it('when the file is empty, then the totals are all zero', async () => {
    const intake = fakeIntake();
    expect(await ingestNdjson(Readable.from(['']), { ingest: intake.ingest })).to.deep.equal({ lines: 0, accepted: 0, duplicates: 0, rejected: 0 });
  });
});

describe('cli/progress', () => {
  /** A progress line over a fake stream and a clock moved by hand (from 0): `update(at, text)` moves it, then updates. */
  function progressAt(isTTY: boolean, intervalMs: number) {
    const out: string[] = [];
    let t = 0;
    const p = createProgress({ isTTY, write: (s: string) => out.push(s) }, { intervalMs, now: () => t });
    return { out, done: () => p.done(), update(at: number, text: string) { t = at; p.update(text); } };
  }

  it('when work ends within the first interval, then nothing is shown', () => {
    const s = progressAt(false, 1000);
    s.update(500, 'a');
    s.done();
    expect(s.out).to.deep.equal([]);
  });

  it('when work goes on, then at most one line per interval is written (one line each, not a terminal)', () => {
    const s = progressAt(false, 1000);
    for (const [at, text] of [[1000, 'a'], [1500, 'b'], [2100, 'c'], [2200, 'd']] as const) s.update(at, text);
    s.done();
    expect(s.out).to.deep.equal(['a\n', 'c\n']);
  });

  it('when the stream is a terminal, then the line is rewritten in place and ended once', () => {
    const s = progressAt(true, 10);
    s.update(10, 'long text');
    s.update(20, 'short');
    s.done();
    expect(s.out).to.deep.equal(['\rlong text', '\rshort    ', '\n']);
  });

  it('formatCount uses the Vietnamese thousands separator', () => {
    expect(formatCount(1234567)).to.equal('1.234.567');
  });
});
