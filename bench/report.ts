/**
 * HR's quarterly workbook (issue 7): the evaluation workbook of 2026-Q1 for `--users` officials
 * (default 50,000, a large province) in `--units` units, from `--entries` journal entries, through
 * services.reports.evaluation (scores computed live, rows grouped, names read, every cell through
 * the sanitiser, streamed to a file), against exceljs's streaming writer writing the same cells
 * with the same styles from an in-memory array, in the same run. Sheets: the summary, one per
 * unit, the detail — 3 rows per official.
 *
 * Measured in a fresh child process: our first (cold) workbook gives the peak memory, sampled
 * every 10 ms and read as the kernel's high-water mark; then the raw side's cells are built in
 * memory (untimed) and both sides are timed `--reps` times (default 2), interleaved; the medians
 * are compared.
 * Goals (issue): within 1.5× of the raw time, peak RSS under 300 MB.
 *
 *   node dist/bench/run.js report-sqlite [--users=50000] [--units=500] [--entries=500000] [--reps=2]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stream } from 'exceljs';
import { buildServices } from '../src/index';
import { openDb, parseDbUrl } from '../src/db/connection';
import { t } from '../src/i18n/i18n';
import { textCell } from '../src/reports/cells';
import { classText, detailColumns, noteText, summaryColumns } from '../src/reports/evaluation-workbook';
import { addSheet, HEADER_ROW, STYLES, type Column, type Text } from '../src/reports/layout';
import type { Score } from '../src/scoring';
import { parseDialect, pgDatabase, type BenchDialect } from './lib/databases';
import { BenchOptions } from './lib/options';
import { emit, median, MemoryWatch, now, progress, round, runMain } from './lib/report';
import { ensurePgDataset, ensureRollups, ensureSqliteDataset, SCORING_AGENCY, type DatasetSpec } from './lib/scoring-data';
import ExcelJS from 'exceljs';

const NAME = 'report';
const GOALS = { maxRatio: 1.5, peakRssMb: 300 };
/** After the quarter: every working day of it counts (the quarter is open, so the workbook is provisional). */
const CLOCK = new Date('2026-04-15T02:00:00Z');

async function main(): Promise<void> {
  const o = new BenchOptions();
  const dialect = parseDialect(o.str('dialect', 'sqlite'));
  const spec: DatasetSpec = { users: o.int('users', 50_000), entries: o.int('entries', 500_000), units: o.int('units', 500) };
  const log = (m: string) => progress(`${NAME}-${dialect}`, m);
  if (o.str('phase', 'prepare') === 'measure') return measure(dialect, o.str('url', ''), spec, Math.max(1, o.int('reps', 2)), log);

  let url: string;
  if (dialect === 'sqlite') {
    url = `sqlite:${await ensureSqliteDataset(spec, log)}`;
  } else {
    const db = await pgDatabase('report');
    if ('skipped' in db) return emit({ name: NAME, dialect, skipped: db.skipped, pass: null });
    url = db.url;
    await ensurePgDataset(url, spec, log);
  }
  await ensureRollups(url, log);
  const child = spawn(process.execPath, [__filename, ...process.argv.slice(2).filter((a) => !a.startsWith('--phase') && !a.startsWith('--url')), '--phase=measure', `--url=${url}`, `--dialect=${dialect}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`report measurement exited with ${code}`);
}

/** One sheet of the raw side: its columns and its rows' final cell values, in memory. */
interface RawSheet { name: string; columns: Column[]; rows: unknown[][] }

/**
 * The cells our workbook's tables hold, built untimed from the same scores, names and units
 * (values already as the sanitiser leaves them): the summary, a sheet per unit, the detail.
 */
async function rawSheets(services: ReturnType<typeof buildServices>): Promise<RawSheet[]> {
  const text: Text = (key, vars) => t('vi', key, vars);
  const scores = await services.scoring.scores(SCORING_AGENCY, '2026-Q1');
  const people = new Map((await services.uow.read.directory.users(SCORING_AGENCY)).map((u) => [u.id, u]));
  const units = new Map((await services.uow.read.directory.units(SCORING_AGENCY)).map((u) => [u.id, u.name]));
  const byUnit = new Map<string, Score[]>();
  for (const s of scores) {
    const list = byUnit.get(s.unitId ?? '');
    if (list) list.push(s);
    else byUnit.set(s.unitId ?? '', [s]);
  }
  const summaryRow = (s: Score, no: number): unknown[] => {
    const p = people.get(s.userId);
    const row = { score: s, name: p?.name ?? s.userId, position: p?.position ?? null, disqualifiedGround: null };
    return [no, textCell(row.name), textCell(row.position), textCell(units.get(s.unitId ?? '') ?? ''), s.quantityPct, s.qualityPct, s.progressPct, s.taskScore, s.generalScore, s.total, classText(text, s.classification), noteText(text, row)];
  };
  const detailRow = (s: Score, no: number): unknown[] => [
    no, textCell(s.userId), textCell(people.get(s.userId)?.name ?? s.userId), textCell(units.get(s.unitId ?? '') ?? ''), s.workingDays, s.assignedMinutes, s.completedMinutes, s.qualityMinutes, s.progressMinutes,
    s.quantityPct, s.qualityPct, s.progressPct, s.taskScore, s.generalScore, s.total, classText(text, s.classification),
  ];
  const ordered = [...byUnit.values()].flat();
  const out: RawSheet[] = [{ name: 'summary', columns: summaryColumns(text), rows: ordered.map((s, i) => summaryRow(s, i + 1)) }];
  for (const [unit, list] of byUnit) out.push({ name: units.get(unit) ?? unit, columns: summaryColumns(text), rows: list.map((s, i) => summaryRow(s, i + 1)) });
  out.push({ name: 'detail', columns: detailColumns(text), rows: ordered.map((s, i) => detailRow(s, i + 1)) });
  return out;
}

/** The raw side: exceljs's streaming writer, the same page setup, cells and styles, from memory. */
async function writeRaw(sheets: RawSheet[], file: string): Promise<number> {
  const wb = new stream.xlsx.WorkbookWriter({ filename: file, useStyles: true, useSharedStrings: true });
  const taken = new Set<string>();
  let rows = 0;
  for (const sheet of sheets) {
    const s = addSheet(wb, sheet.name, taken, sheet.columns);
    s.next = HEADER_ROW;
    const header = s.ws.getRow(s.next++);
    sheet.columns.forEach((c, i) => { const cell = header.getCell(i + 1); cell.value = c.header; cell.style = STYLES.header; });
    header.commit();
    const styles = sheet.columns.map((c) => STYLES.cells[c.kind]);
    for (const values of sheet.rows) {
      const row = s.ws.getRow(s.next++);
      for (let i = 0; i < values.length; i++) {
        const c = row.getCell(i + 1);
        c.value = values[i] as ExcelJS.CellValue;
        c.style = styles[i]!;
      }
      row.commit();
      rows++;
    }
    s.ws.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: s.next - 1, column: sheet.columns.length } };
    s.ws.commit();
  }
  await wb.commit();
  return rows;
}

async function measure(dialect: BenchDialect, url: string, spec: DatasetSpec, reps: number, log: (m: string) => void): Promise<void> {
  const knex = openDb(parseDbUrl(url));
  const services = buildServices({ knex, clock: () => CLOCK });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-report-'));
  const oursFile = path.join(dir, 'ours.xlsx');
  const rawFile = path.join(dir, 'raw.xlsx');
  try {
    // 1. Memory: ours, cold, in this fresh process (scores, names, grouping, sanitising, writing).
    const ours = async (): Promise<{ ms: number; rows: number; provisional: boolean }> => {
      const t = now();
      const out = fs.createWriteStream(oursFile);
      const finished = new Promise<void>((resolve, reject) => { out.on('finish', resolve); out.on('error', reject); });
      const r = await services.reports.evaluation(SCORING_AGENCY, '2026-Q1', {}, out);
      out.end();
      await finished;
      return { ms: now() - t, ...r };
    };
    const watch = new MemoryWatch().start(10);
    const cold = await ours();
    const memory = watch.stop();
    log(`ours, cold: ${cold.rows} officials in ${round(cold.ms / 1000)} s, peak RSS ${memory.peakRssMb} MB (+${memory.deltaRssMb}); ${Math.round(fs.statSync(oursFile).size / 1024)} KiB`);

    // 2. The raw side's cells (the same table cells and styles), built in memory untimed.
    const sheets = await rawSheets(services);
    const cells = sheets.reduce((n, s) => n + s.rows.length * s.columns.length, 0);
    // 3. Time, interleaved so that noise from the machine falls on both sides alike.
    const times = { ours: [] as number[], raw: [] as number[] };
    // CPU time of the process (zlib's threads included, on both sides alike): a load on the machine moves it much less than the clock.
    const cpu = { ours: [] as number[], raw: [] as number[] };
    const cpuMs = (from: NodeJS.CpuUsage): number => { const u = process.cpuUsage(from); return (u.user + u.system) / 1000; };
    let rows = 0;
    let result = cold;
    for (let i = 0; i < reps; i++) {
      const t = now();
      let c = process.cpuUsage();
      rows = await writeRaw(sheets, rawFile);
      times.raw.push(now() - t);
      cpu.raw.push(cpuMs(c));
      c = process.cpuUsage();
      result = await ours();
      cpu.ours.push(cpuMs(c));
      times.ours.push(result.ms);
      log(`rep ${i + 1}/${reps}: raw ${rows} rows (${cells} cells, ${sheets.length} sheets) ${round(times.raw[i]! / 1000)} s, ours ${round(result.ms / 1000)} s`);
    }
    const oursMs = median(times.ours);
    const rawMs = median(times.raw);

    const ratio = round(oursMs / rawMs, 2);
    const passes = { time: ratio <= GOALS.maxRatio, memory: memory.peakRssMb < GOALS.peakRssMb };
    emit({
      name: NAME,
      dialect,
      sizes: { officials: spec.users, units: spec.units, entries: spec.entries, period: '2026-Q1', sheets: sheets.length, rows, cells, reps },
      ours: { medianMs: round(oursMs), runsMs: times.ours.map((x) => round(x)), coldMs: round(cold.ms), rowsPerSec: Math.round(rows / (oursMs / 1000)), officials: result.rows, provisional: result.provisional, bytes: fs.statSync(oursFile).size },
      raw: { medianMs: round(rawMs), runsMs: times.raw.map((x) => round(x)), rowsPerSec: Math.round(rows / (rawMs / 1000)), bytes: fs.statSync(rawFile).size },
      ratio,
      cpu: { oursMedianMs: round(median(cpu.ours)), rawMedianMs: round(median(cpu.raw)), ratio: round(median(cpu.ours) / median(cpu.raw), 2) },
      memory,
      goal: GOALS,
      pass: passes.time && passes.memory,
      passes,
    });
  } finally {
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
