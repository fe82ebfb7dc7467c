/**
 * What exceljs's streaming writer keeps in memory while it writes, replaced by parts that keep
 * less (issue 7: a province's workbook, 50,000 officials, under 300 MB of RSS). Measured on that
 * workbook (bench/README.md, "report"):
 *
 * - Each sheet's XML went through a StreamBuf that takes a fresh 64 KB buffer for every 64 KB
 *   (and a Buffer.from copy of every row before that): about 200 MB of buffers over the
 *   workbook, which the zip holds long enough for them to reach the old generation, so up to
 *   64 MB of them waited for V8's next full collection (V8 starts one when 64 MB of external
 *   memory has piled up). An `EntrySink` encodes the rows straight into a few 64 KB buffers of
 *   the workbook's `BufferPool` and takes one back once the deflate stream has read it.
 * - The shared strings were kept as JS strings in an object used as a hash (a dictionary of
 *   100,000 keys) and written at the end as one string built from an array of five pieces per
 *   string (30 MB of heap at the very end, the workbook's peak). `StreamedSharedStrings` keeps
 *   each string's XML as UTF-8 bytes from the moment it is first added and hands those bytes to
 *   the zip as a stream; a Map of the strings gives the same indexes exceljs's hash gave.
 *
 * The XML is the same, byte for byte: rows are exceljs's own, each shared string is rendered by
 * exceljs's SharedStringXform, and the table's header is the one SharedStringsXform writes.
 */
import { Readable, Stream, type Writable } from 'node:stream';
import type { stream } from 'exceljs';

/** The size of the buffers a sheet's XML is written into (exceljs's StreamBuf used the same). */
const CHUNK = 64 * 1024;
/** Free buffers a workbook keeps for reuse; more than this go to the garbage collector. */
const POOL_KEEP = 32;

/** 64 KB buffers that the workbook's sheets take and give back, so that they are reused rather than left to the collector. */
export class BufferPool {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(CHUNK);
  }

  give(b: Buffer): void {
    if (this.free.length < POOL_KEEP) this.free.push(b);
  }
}

/** exceljs's StringBuf: what WorksheetWriter writes its sheet header and footer through. */
interface StringBufLike { _buf: Buffer; length: number }

/**
 * A sheet's (or any zip entry's) XML on its way to the zip. exceljs writes strings, its StringBuf
 * and Buffers into it synchronously; the bytes are encoded into pooled buffers and written to the
 * entry's deflate stream once the zip starts the entry (`pipe`), each buffer given back to the
 * pool when the deflate stream has read it. `pendingBytes` is what the zip has not read yet;
 * 'drain' says it fell to half a megabyte or less.
 */
export class EntrySink extends Stream {
  /** Marks a readable stream for archiver, which would otherwise pipe this through a PassThrough of its own. */
  readonly _readableState = { objectMode: false };
  private current: Buffer | null = null;
  private used = 0;
  private readonly queue: Buffer[] = [];
  private dest: Writable | null = null;
  private inFlight = 0;
  private ended = false;
  pendingBytes = 0;

  constructor(private readonly pool: BufferPool) {
    super();
  }

  write(data: string | Buffer | StringBufLike): boolean {
    if (typeof data === 'string') this.writeString(data);
    else if (Buffer.isBuffer(data)) this.writeBytes(data, data.length);
    else this.writeBytes(data._buf, data.length);
    return true;
  }

  private writeString(s: string): void {
    if (s.length === 0) return;
    // A UTF-16 unit is at most 3 bytes of UTF-8: most rows fit without measuring them first.
    let room = this.current ? CHUNK - this.used : 0;
    if (s.length * 3 > room) {
      const bytes = Buffer.byteLength(s, 'utf8');
      if (bytes > CHUNK) return this.writeBytes(Buffer.from(s, 'utf8'), bytes);
      if (bytes > room) {
        this.ship();
        room = CHUNK;
      }
    }
    this.current ??= this.pool.take();
    this.used += this.current.write(s, this.used, 'utf8');
  }

  private writeBytes(src: Buffer, length: number): void {
    let at = 0;
    while (at < length) {
      this.current ??= this.pool.take();
      const n = src.copy(this.current, this.used, at, Math.min(length, at + CHUNK - this.used));
      this.used += n;
      at += n;
      if (this.used === CHUNK) this.ship();
    }
  }

  /** Hands the current buffer on (to the zip, or to the queue until the zip starts the entry). */
  private ship(): void {
    if (!this.current || this.used === 0) return;
    const b = this.used === CHUNK ? this.current : this.current.subarray(0, this.used);
    this.current = null;
    this.used = 0;
    this.pendingBytes += b.length;
    this.queue.push(b);
    this.flush();
  }

  private flush(): void {
    const dest = this.dest;
    if (!dest) return;
    while (this.queue.length > 0) {
      const b = this.queue.shift()!;
      this.inFlight++;
      dest.write(b, () => {
        this.inFlight--;
        this.pendingBytes -= b.length;
        // The deflate stream has read it: the whole buffer (a view of the last, partial one) goes back.
        this.pool.give(b.length === CHUNK ? b : Buffer.from(b.buffer, b.byteOffset, CHUNK));
        if (this.pendingBytes <= CHUNK * 8) this.emit('drain');
        this.finishIfDone();
      });
    }
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.ended && this.dest && this.queue.length === 0 && this.inFlight === 0) {
      const dest = this.dest;
      this.dest = null;
      dest.end();
      // The zip listens for errors of the entry with a closure over its deflate stream (and that
      // stream's 16 KB output buffer); exceljs keeps every sheet's sink to the end, so 502 of them
      // stayed reachable. A sink never fails once its data is handed on: the listeners can go.
      this.removeAllListeners('error');
    }
  }

  end(data?: string | Buffer | StringBufLike): this {
    if (data !== undefined) this.write(data);
    this.ship();
    this.ended = true;
    this.finishIfDone();
    // exceljs waits for 'finish' (as 'zipped') on sheets it commits itself.
    this.emit('finish');
    return this;
  }

  override pipe<T extends NodeJS.WritableStream>(dest: T): T {
    this.dest = dest as unknown as Writable;
    this.flush();
    return dest;
  }

  pause(): this {
    return this;
  }

  resume(): this {
    return this;
  }
}

/** exceljs's SharedStringXform, for the XML of one shared string (plain or rich text) exactly as exceljs writes it. */
interface Xform { toXml(model: unknown): string }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sharedStringXform = (): Xform => new (require('exceljs/lib/xlsx/xform/strings/shared-string-xform') as new () => Xform)();

/**
 * The workbook's shared strings: what exceljs's SharedStrings offers the cell writer (`add` gives
 * a string's index, the first index for a string seen before), with each string's `<si>` kept as
 * UTF-8 bytes in 64 KB blocks, written to the zip as a stream when the workbook is committed.
 */
export class StreamedSharedStrings {
  private readonly index = new Map<string, number>();
  private readonly blocks: Buffer[] = [];
  private block = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private unique = 0;
  private refs = 0;
  private readonly xform = sharedStringXform();

  get count(): number {
    return this.unique;
  }

  get totalRefs(): number {
    return this.refs;
  }

  add(value: unknown): number {
    this.refs++;
    const xml = typeof value === 'string' ? null : this.xform.toXml(value);
    const key = xml ?? (value as string);
    // Rich text is told apart from plain text by its XML, as exceljs's SharedStringsXform does.
    const mapKey = xml === null ? key : `\u0000${key}`;
    const known = this.index.get(mapKey);
    if (known !== undefined) return known;
    const id = this.unique++;
    this.index.set(mapKey, id);
    this.append(xml ?? this.xform.toXml(value));
    return id;
  }

  private append(xml: string): void {
    const bytes = Buffer.byteLength(xml, 'utf8');
    if (bytes > CHUNK - this.used) {
      this.blocks.push(this.block.subarray(0, this.used));
      this.block = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
      this.used = 0;
    }
    this.used += this.block.write(xml, this.used, 'utf8');
  }

  /** sharedStrings.xml as a stream; the table lets go of its strings (the workbook is being closed). */
  toStream(): Readable {
    this.index.clear();
    const blocks = [...this.blocks, this.block.subarray(0, this.used)];
    this.blocks.length = 0;
    const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${this.unique}" uniqueCount="${this.unique}">`;
    function* parts(): Generator<Buffer> {
      yield Buffer.from(head, 'utf8');
      while (blocks.length > 0) yield blocks.shift()!;
      yield Buffer.from('</sst>', 'utf8');
    }
    return Readable.from(parts(), { objectMode: false });
  }
}

interface WorkbookInternals {
  zip: { append(source: unknown, o: { name: string }): void };
  sharedStrings: unknown;
  _openStream(path: string): unknown;
  addSharedStrings(): Promise<void>;
}

/**
 * Puts the parts above into a streaming workbook just made: its entries are written through
 * EntrySinks sharing one BufferPool, its shared strings kept as StreamedSharedStrings.
 */
export function streamParts(wb: stream.xlsx.WorkbookWriter): void {
  const w = wb as unknown as WorkbookInternals;
  const pool = new BufferPool();
  const strings = new StreamedSharedStrings();
  w.sharedStrings = strings;
  w._openStream = (path: string) => {
    const sink = new EntrySink(pool);
    w.zip.append(sink, { name: path });
    // exceljs's own streams say 'zipped' on 'finish'; the workbook waits for it on sheets it commits itself.
    sink.on('finish', () => sink.emit('zipped'));
    return sink;
  };
  w.addSharedStrings = async () => {
    if (strings.count > 0) w.zip.append(strings.toStream(), { name: '/xl/sharedStrings.xml' });
  };
}
