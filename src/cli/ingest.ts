import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { IngestResult } from '../intake/intake-service';
import { existingFile, parseText } from './args';
import type { CliContext } from './context';
import { EXIT_FAILURE, EXIT_OK } from './errors';
import { createProgress, formatCount } from './progress';

/** Events per call to IntakeService.ingest (and per transaction). */
export const INGEST_BATCH_SIZE = 500;
/** A line longer than this is rejected without being parsed (the webhook takes at most 5 MB per call). */
export const MAX_LINE_BYTES = 5 * 1024 * 1024;
/** Rejections printed one by one; beyond this only their number. */
export const MAX_PRINTED_REJECTIONS = 1000;

export interface LineRejection { line: number; id: string | null; error: string }

export interface NdjsonTotals {
  /** Non-blank lines read. */
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface NdjsonIngestOptions {
  /** Takes one batch (the intake, with source 'ingest'). */
  ingest(events: unknown[]): Promise<IngestResult>;
  batchSize?: number;
  /** Each rejected line, in line order within a batch, as soon as its batch is done. */
  onRejection?(r: LineRejection): void;
  /** After each batch: lines read so far, bytes read so far. */
  onProgress?(p: { lines: number; bytes: number }): void;
}

/**
 * Streams an NDJSON file line by line and feeds the events to the intake in batches,
 * never holding more than one batch in memory. Blank lines are skipped; a line that is
 * not JSON is a rejection naming the line; every rejection the intake reports is mapped
 * back to its line.
 */
export async function ingestNdjson(input: Readable, opts: NdjsonIngestOptions): Promise<NdjsonTotals> {
  const batchSize = opts.batchSize ?? INGEST_BATCH_SIZE;
  const totals: NdjsonTotals = { lines: 0, accepted: 0, duplicates: 0, rejected: 0 };
  let events: unknown[] = [];
  let lineOf: number[] = [];
  let bad: LineRejection[] = [];
  let lineNo = 0;
  let bytes = 0;

  const flush = async (): Promise<void> => {
    const rejections = bad;
    if (events.length > 0) {
      const result = await opts.ingest(events);
      totals.accepted += result.accepted;
      totals.duplicates += result.duplicates;
      for (const r of result.rejected) rejections.push({ line: lineOf[r.index] ?? -1, id: r.id, error: r.error });
    }
    rejections.sort((a, b) => a.line - b.line);
    totals.rejected += rejections.length;
    for (const r of rejections) opts.onRejection?.(r);
    events = [];
    lineOf = [];
    bad = [];
    opts.onProgress?.({ lines: totals.lines, bytes });
  };

  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const raw of rl) {
      lineNo++;
      const size = Buffer.byteLength(raw, 'utf8') + 1;
      bytes += size;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      totals.lines++;
      if (size > MAX_LINE_BYTES) {
        bad.push({ line: lineNo, id: null, error: `dòng quá dài, tối đa ${MAX_LINE_BYTES} byte (line too long)` });
        continue;
      }
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch (e) {
        bad.push({ line: lineNo, id: null, error: `không phải JSON hợp lệ (not valid JSON): ${(e as Error).message}` });
        continue;
      }
      events.push(event);
      lineOf.push(lineNo);
      if (events.length >= batchSize) await flush();
    }
  } finally {
    rl.close();
  }
  if (events.length > 0 || bad.length > 0) await flush();
  return totals;
}

/** `ingest <file.ndjson> [--agency <code>]`. */
export function registerIngest(program: Command, ctx: CliContext): void {
  program
    .command('ingest')
    .description('Nạp sự kiện từ tệp NDJSON, mỗi dòng một sự kiện (ingest events from an NDJSON file, one per line)')
    .argument('<file.ndjson>', 'tệp NDJSON (the NDJSON file)')
    .option('--agency <code>', 'chỉ nhận sự kiện của cơ quan này (only accept events of this agency)')
    .action(async (file: string, opts: { agency?: string }) => {
      const full = existingFile(file, '<file.ndjson>', ctx.io.cwd);
      const agency = opts.agency === undefined ? undefined : parseText(opts.agency, '--agency', 64);
      const plugin = await ctx.plugin();
      if (agency !== undefined) await plugin.services.agencies.requireAgency(agency);
      const totalBytes = fs.statSync(full).size;
      const progress = createProgress(ctx.io.stderr);
      let printed = 0;
      let totals: NdjsonTotals;
      try {
        totals = await ingestNdjson(fs.createReadStream(full), {
          ingest: async (events) => {
            const result = await plugin.services.intake.ingest(events, { source: 'ingest', ...(agency !== undefined ? { agency } : {}) });
            // The intake speaks of "the token" for a webhook; here the agency was given by --agency.
            for (const r of result.rejected) {
              if (r.code === 'agency_mismatch') r.error = `agency: sự kiện của cơ quan "${String((events[r.index] as { agency?: unknown }).agency)}", không phải --agency ${agency} (event belongs to another agency than --agency)`;
            }
            return result;
          },
          onRejection: (r) => {
            if (printed++ < MAX_PRINTED_REJECTIONS) {
              progress.done();
              ctx.err(`line ${r.line}: ${r.error}`);
            }
          },
          onProgress: ({ lines, bytes }) => {
            const pct = totalBytes > 0 ? Math.min(100, Math.floor((bytes / totalBytes) * 100)) : 100;
            progress.update(`Đang nạp (ingesting): ${formatCount(lines)} dòng, ${pct}%`);
          },
        });
      } catch (e) {
        progress.done();
        ctx.err('Việc nạp bị dừng giữa chừng; nạp lại cả tệp là an toàn: sự kiện đã lưu sẽ được tính là trùng lặp (ingest stopped; running it again is safe, stored events count as duplicates).');
        throw e;
      }
      progress.done();
      if (totals.rejected > MAX_PRINTED_REJECTIONS) ctx.err(`... và ${formatCount(totals.rejected - MAX_PRINTED_REJECTIONS)} dòng bị từ chối khác (more rejected lines)`);
      ctx.out(`Tổng cộng (totals): ${formatCount(totals.lines)} dòng sự kiện (event lines)`);
      ctx.out(`  Đã lưu (accepted):       ${formatCount(totals.accepted)}`);
      ctx.out(`  Trùng lặp (duplicates):  ${formatCount(totals.duplicates)}`);
      ctx.out(`  Bị từ chối (rejected):   ${formatCount(totals.rejected)}`);
      if (totals.rejected > 0) ctx.out('Các dòng bị từ chối không được lưu; sửa rồi nạp lại tệp, các dòng đã lưu sẽ là trùng lặp (rejected lines were not stored; fix and ingest again, stored lines count as duplicates).');
      ctx.exitCode = totals.rejected > 0 ? EXIT_FAILURE : EXIT_OK;
    });
}
