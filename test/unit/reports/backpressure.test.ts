import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { stream, Worksheet } from 'exceljs';
import { breathe, openWorkbook, sheetDone } from '../../../src/reports/layout';
import { BufferPool, EntrySink } from '../../../src/reports/zip-parts';

/** The workbook waits for the zip (src/reports/layout.ts): what a sheet has written is not left to pile up in memory. */
describe('reports/backpressure', () => {
  const out = new Writable({ write: (_c, _e, cb) => cb() });
  const settled = async (p: Promise<void>, ms: number): Promise<boolean> => {
    let done = false;
    void p.then(() => { done = true; });
    await new Promise((r) => setTimeout(r, ms));
    return done;
  };

  /** A sink of the workbook's shape holding `n` 64 KB rows the zip has not read (it has not started the entry). */
  const sinkWith = (n: number): EntrySink => {
    const sink = new EntrySink(new BufferPool());
    for (let i = 0; i < n; i++) sink.write('a'.repeat(64 * 1024));
    return sink;
  };

  it('when a sheet has handed the zip more than a megabyte it has not read, then breathe waits until the zip reads it', async () => {
    const sink = sinkWith(40);
    const waiting = breathe(out, { stream: sink } as unknown as Worksheet);
    expect(await settled(waiting, 100)).to.equal(false);
    sink.pipe(new Writable({ write: (_c, _e, cb) => setImmediate(cb) }));
    expect(await settled(waiting, 300)).to.equal(true);
    expect(sink.pendingBytes).to.be.at.most(1 << 20);
  });

  it('when a sheet is within a megabyte of the zip, then breathe only yields', async () => {
    expect(await settled(breathe(out, { stream: sinkWith(2) } as unknown as Worksheet), 30)).to.equal(true);
  });

  it('when sheets committed earlier still wait in the zip\'s queue, then sheetDone waits for them, and not for the sheet being compressed', async () => {
    const zip = Object.assign(new EventEmitter(), { waiting: 2, _queue: { length: (): number => zip.waiting } });
    const wb = { zip } as unknown as stream.xlsx.WorkbookWriter;
    const done = sheetDone(wb, out);
    expect(await settled(done, 30)).to.equal(false);
    zip.waiting = 1;
    zip.emit('entry');
    expect(await settled(done, 30)).to.equal(false);
    zip.waiting = 0;
    zip.emit('entry');
    expect(await settled(done, 30)).to.equal(true);
  });

  it('when a workbook is opened, then its sheets write through the sinks these waits read and the zip has the queue sheetDone reads: an upgrade that drops them fails here', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const wb = openWorkbook(sink, { title: 't', agencyName: 'a', created: new Date('2026-04-01T00:00:00Z') });
    const ws = wb.addWorksheet('a');
    for (let i = 0; i < 200; i++) ws.addRow([i, 'dòng ' + String(i)]).commit();
    await breathe(sink, ws);
    expect((ws as unknown as { stream: unknown }).stream).to.be.instanceOf(EntrySink);
    expect(typeof (wb as unknown as { zip: { _queue: { length: unknown } } }).zip._queue.length).to.equal('function');
    ws.commit();
    await sheetDone(wb, sink);
    await wb.commit();
  });
});
