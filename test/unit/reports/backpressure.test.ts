import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { stream, type Worksheet } from 'exceljs';
import { breathe, sheetDone } from '../../../src/reports/layout';

/** The workbook waits for the zip (src/reports/layout.ts): what a sheet has written is not left to pile up in memory. */
describe('reports/backpressure', () => {
  const out = new Writable({ write: (_c, _e, cb) => cb() });
  const settled = async (p: Promise<void>, ms: number): Promise<boolean> => {
    let done = false;
    void p.then(() => { done = true; });
    await new Promise((r) => setTimeout(r, ms));
    return done;
  };

  it('when a sheet has handed the zip more than a megabyte it has not taken, then breathe waits until the zip takes it', async () => {
    const entry = new PassThrough({ highWaterMark: 16 * 1024 });
    for (let i = 0; i < 40; i++) entry.write(Buffer.alloc(64 * 1024, 0x61));
    const ws = { stream: { pipes: [entry] } } as unknown as Worksheet;
    const waiting = breathe(out, ws);
    expect(await settled(waiting, 100)).to.equal(false);
    entry.resume();
    expect(await settled(waiting, 200)).to.equal(true);
    expect(entry.writableLength).to.be.at.most(1 << 20);
  });

  it('when a sheet is within a megabyte of the zip, then breathe only yields', async () => {
    const entry = new PassThrough();
    entry.write(Buffer.alloc(100 * 1024));
    const ws = { stream: { pipes: [entry] } } as unknown as Worksheet;
    expect(await settled(breathe(out, ws), 30)).to.equal(true);
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

  it('when exceljs writes a sheet, then it has the shapes these waits read (a sheet\'s stream piped to the zip, the zip\'s queue): an upgrade that drops them fails here', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const wb = new stream.xlsx.WorkbookWriter({ stream: sink as unknown as import('stream').Stream, useStyles: true, useSharedStrings: true });
    const ws = wb.addWorksheet('a');
    for (let i = 0; i < 200; i++) ws.addRow([i, 'dòng ' + String(i)]).commit();
    await breathe(sink, ws);
    const sheet = (ws as unknown as { stream: { pipes: unknown[] } }).stream;
    expect(sheet.pipes).to.be.an('array');
    expect(typeof (wb as unknown as { zip: { _queue: { length: unknown } } }).zip._queue.length).to.equal('function');
    ws.commit();
    await sheetDone(wb, sink);
    await wb.commit();
  });
});
