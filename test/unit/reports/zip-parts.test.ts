import { expect } from 'chai';
import { PassThrough, Writable } from 'node:stream';
import { stream } from 'exceljs';
import { openWorkbook } from '../../../src/reports/layout';
import { BufferPool, EntrySink, StreamedSharedStrings } from '../../../src/reports/zip-parts';
import { toBuffer, unzip } from '../../integration/report-fixture';

/** The parts that replace exceljs's sheet streams and shared strings (src/reports/zip-parts.ts) write what exceljs wrote. */
describe('reports/zip-parts', () => {
  /** Everything a sink hands on, once it has ended; and the buffers it handed on. */
  const drain = (sink: EntrySink): { done: Promise<Buffer>; seen: Buffer[] } => {
    const seen: Buffer[] = [];
    const got: Buffer[] = [];
    const done = new Promise<Buffer>((resolve) => {
      const dest = new Writable({
        write: (c: Buffer, _e, cb) => { seen.push(c); got.push(Buffer.from(c)); setImmediate(cb); },
        final: (cb) => { resolve(Buffer.concat(got)); cb(); },
      });
      sink.pipe(dest);
    });
    return { done, seen };
  };

  it('when rows of multi-byte text cross the 64 KB buffers, with exceljs StringBufs, Buffers and texts larger than a buffer between them, then the zip gets the same bytes in the same order', async () => {
    const sink = new EntrySink(new BufferPool());
    const parts: Array<string | Buffer> = [];
    for (let i = 0; i < 3000; i++) parts.push(`<row r="${i}"><c t="s"><v>Nguyễn Thị Hương ${i} 𝒳</v></c></row>`);
    parts.splice(700, 0, 'ấ'.repeat(40_000), Buffer.from('<sheetData>'), Buffer.alloc(150_000, 0x62));
    const { done } = drain(sink);
    for (const p of parts) sink.write(p);
    // exceljs's StringBuf: a buffer longer than what it holds, and its length.
    const stringBuf = { _buf: Buffer.concat([Buffer.from('</sheetData>'), Buffer.alloc(100, 0x7a)]), length: 12 };
    sink.write(stringBuf);
    sink.end();
    const want = Buffer.concat([...parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)), Buffer.from('</sheetData>')]);
    expect((await done).equals(want)).to.equal(true);
    expect(sink.pendingBytes).to.equal(0);
  });

  it('when data is written before the zip starts the entry, then it is kept and handed on once piped, and the entry is ended after it', async () => {
    const sink = new EntrySink(new BufferPool());
    sink.write('<a>');
    sink.write('x'.repeat(200_000));
    sink.end('</a>');
    expect(sink.pendingBytes).to.equal(200_007);
    const dest = new PassThrough();
    const chunks: Buffer[] = [];
    dest.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve) => dest.on('end', resolve));
    sink.pipe(dest);
    await ended;
    expect(Buffer.concat(chunks).toString()).to.equal(`<a>${'x'.repeat(200_000)}</a>`);
  });

  it('when the zip has read a buffer, then the next sheet writes into that same buffer rather than a new one', async () => {
    const pool = new BufferPool();
    const first = new EntrySink(pool);
    const a = drain(first);
    first.end('x'.repeat(100));
    await a.done;
    const second = new EntrySink(pool);
    const b = drain(second);
    second.end('y'.repeat(100));
    await b.done;
    expect(a.seen[0]!.buffer).to.equal(b.seen[0]!.buffer);
  });

  it('when strings repeat, then each keeps the index it was first given, as exceljs numbers them, and the table is exceljs\'s XML', async () => {
    const ours = new StreamedSharedStrings();
    const values = ['Nguyễn Văn A', ' lead space', 'a & <b> "c"', 'Nguyễn Văn A', 'line\nbreak', 'a & <b> "c"', "'=1+1", 'x'.repeat(70_000), 'tail '];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Theirs = require('exceljs/lib/utils/shared-strings') as new () => { add(v: string): number; count: number };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Xform = require('exceljs/lib/xlsx/xform/strings/shared-strings-xform') as new () => { toXml(m: unknown): string };
    const theirs = new Theirs();
    expect(values.map((v) => ours.add(v))).to.deep.equal(values.map((v) => theirs.add(v)));
    expect(ours.count).to.equal(theirs.count);
    const chunks: Buffer[] = [];
    for await (const c of ours.toStream()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).to.equal(new Xform().toXml(theirs));
  });

  it('when a workbook is written through them, then every part of the file is what exceljs\'s own streams write', async () => {
    const fill = async (wb: stream.xlsx.WorkbookWriter): Promise<void> => {
      for (const name of ['Tổng hợp', 'Chi tiết']) {
        const ws = wb.addWorksheet(name);
        for (let i = 0; i < 3000; i++) ws.addRow([i, `Cán bộ ${i % 700}`, 'Phòng Tổ chức cán bộ', i / 7, i % 3 === 0 ? null : 'Hoàn thành tốt nhiệm vụ']).commit();
        ws.commit();
      }
      await wb.commit();
    };
    const props = { title: 't', agencyName: 'Sở Nội vụ', created: new Date('2026-04-01T00:00:00Z') };
    const mine = await toBuffer(async (out) => fill(openWorkbook(out, props)));
    const plain = await toBuffer(async (out) => {
      const wb = new stream.xlsx.WorkbookWriter({ stream: out as unknown as import('stream').Stream, useStyles: true, useSharedStrings: true });
      Object.assign(wb, { title: 't', creator: 'Sở Nội vụ', lastModifiedBy: 'Sở Nội vụ', created: props.created, modified: props.created });
      await fill(wb);
    });
    const a = unzip(mine.buf);
    const b = unzip(plain.buf);
    expect([...a.keys()].sort()).to.deep.equal([...b.keys()].sort());
    // docProps/app.xml differs on purpose: openWorkbook writes the agency as the company.
    for (const [name, xml] of a) if (name !== 'docProps/app.xml') expect(xml, name).to.equal(b.get(name));
    expect(a.get('xl/sharedStrings.xml')).to.contain('uniqueCount="702"');
  });
});
