import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { catalogueProblems, problemLines } from '../i18n/catalogue-text';
import { catalogueFile, handbookFile, importCatalogueFile, type CatalogueFileServices } from '../reports/catalogue-files';
import type { CatalogueChange } from '../services/catalogue-service';
import { existingFile, parseDay, parseText } from './args';
import type { CliContext } from './context';
import { EXIT_FAILURE } from './errors';

interface ChangeOptions { agency: string; dryRun?: boolean; validFrom?: string; json?: boolean }

/** Writes `data` to `target` through a temporary file beside it, so that a reader never sees half a file. */
function writeFileWhole(target: string, data: Buffer): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, target);
}

/**
 * `catalogue export | import | templates | adopt | handbook` (docs/catalogue.md): the agency's
 * catalogue as an Excel file and back, the sector templates, and the KPI handbook.
 */
export function registerCatalogue(program: Command, ctx: CliContext): void {
  const catalogue = program.command('catalogue').description('Danh mục đầu công việc: xuất, nhập Excel, mẫu ngành dọc, Sổ tay KPI (the work item catalogue)');
  const services = async (agency: string): Promise<CatalogueFileServices> => {
    const s = (await ctx.plugin()).services;
    await s.agencies.requireAgency(agency);
    return { catalogue: s.catalogue, agencies: s.agencies };
  };
  /** Writes one of the agency's files (`make`) to `file`, relative to the working folder, and says where. */
  const writeOut = async (rawAgency: string, file: string, make: (s: CatalogueFileServices, agency: string, at: Date) => Promise<Buffer>, said: string): Promise<void> => {
    const agency = parseText(rawAgency, '--agency', 64);
    const out = path.resolve(ctx.io.cwd ?? process.cwd(), file);
    writeFileWhole(out, await make(await services(agency), agency, new Date()));
    ctx.out(`${said}: ${out}`);
  };

  /** Prints a change (or its dry run); a refused input prints each problem and exits 1. */
  const report = async (opts: ChangeOptions, run: () => Promise<CatalogueChange>): Promise<void> => {
    let change: CatalogueChange;
    try {
      change = await run();
    } catch (e) {
      const problems = catalogueProblems(e);
      if (!problems) throw e;
      if (opts.json) ctx.json({ problems: problems.map((p, i) => ({ ...p, message: problemLines('vi', problems)[i] })) });
      else {
        ctx.err(`Không thay đổi gì: ${problems.length} lỗi (nothing changed: ${problems.length} problems)`);
        for (const line of problemLines('vi', problems)) ctx.err(`  ${line}`);
      }
      ctx.exitCode = EXIT_FAILURE;
      return;
    }
    if (opts.json) {
      ctx.json(change);
      return;
    }
    ctx.out(change.applied ? `Đã cập nhật danh mục, hiệu lực từ ${change.validFrom} (catalogue updated)` : `Chạy thử, chưa thay đổi gì; hiệu lực sẽ từ ${change.validFrom} (dry run, nothing changed)`);
    ctx.out(`  Thêm (added): ${change.added.length ? change.added.join(', ') : '—'}`);
    ctx.out(`  Sửa (changed): ${change.changed.length ? change.changed.join(', ') : '—'}`);
    ctx.out(`  Ngừng dùng (deactivated): ${change.deactivated.length ? change.deactivated.join(', ') : '—'}`);
    ctx.out(`  Không đổi (unchanged): ${change.unchanged}`);
  };

  /** A change of the catalogue from the options `--agency`, `--valid-from`, `--dry-run`, reported as `report` says. */
  const changeBy = async (opts: ChangeOptions, run: (s: CatalogueFileServices, agency: string, o: { validFrom?: string; dryRun: boolean }) => Promise<CatalogueChange>): Promise<void> => {
    const agency = parseText(opts.agency, '--agency', 64);
    const validFrom = opts.validFrom === undefined ? undefined : parseDay(opts.validFrom, '--valid-from');
    const s = await services(agency);
    await report(opts, () => run(s, agency, { ...(validFrom === undefined ? {} : { validFrom }), dryRun: opts.dryRun === true }));
  };

  const changeOptions = (c: Command): Command => c
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .option('--dry-run', 'chỉ liệt kê những gì sẽ thêm, sửa, ngừng dùng; không thay đổi gì (list the changes, change nothing)')
    .option('--valid-from <YYYY-MM-DD>', 'ngày bắt đầu hiệu lực của các phiên bản mới; mặc định hôm nay (first day of the new versions; default today)')
    .option('--json', 'in kết quả dạng JSON (print JSON)');

  catalogue
    .command('export')
    .description('Xuất danh mục của cơ quan ra tệp Excel theo mẫu nhập (export the catalogue as the import template)')
    .argument('<file.xlsx>', 'tệp ghi ra (output file)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .action((file: string, opts: { agency: string }) => writeOut(opts.agency, file, catalogueFile, 'Đã ghi danh mục (catalogue written)'));

  changeOptions(catalogue
    .command('import')
    .description('Nhập toàn bộ danh mục từ tệp Excel: mọi ô được kiểm tra, có ô sai thì không thay đổi gì (import the whole catalogue; any bad cell changes nothing)')
    .argument('<file.xlsx>', 'tệp Excel theo mẫu (the Excel file)'))
    .action((file: string, opts: ChangeOptions) => {
      const data = fs.readFileSync(existingFile(file, '<file.xlsx>', ctx.io.cwd));
      return changeBy(opts, (s, agency, o) => importCatalogueFile(s, agency, 'cli', data, o));
    });

  catalogue
    .command('templates')
    .description('Liệt kê các mẫu danh mục ngành dọc (list the sector templates)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (opts: { json?: boolean }) => {
      const list = (await ctx.plugin()).services.catalogue.templates();
      if (opts.json) {
        ctx.json(list.map((x) => ({ id: x.id, name: x.name, description: x.description, items: x.items.length })));
        return;
      }
      for (const x of list) ctx.out(`${x.id.padEnd(20)} ${String(x.items.length).padStart(3)} đầu công việc  ${x.name.vi} — ${x.description.vi}`);
    });

  changeOptions(catalogue
    .command('adopt')
    .description('Áp dụng một mẫu ngành dọc: các đầu công việc của mẫu được chép vào danh mục của cơ quan để cơ quan tự sửa (adopt a sector template as the agency\'s own copy)')
    .argument('<template>', 'mã mẫu, xem: eoffice-kpi catalogue templates (template id)'))
    .action((template: string, opts: ChangeOptions) => changeBy(opts, (s, agency, o) => s.catalogue.adopt(agency, 'cli', template, o)));

  catalogue
    .command('handbook')
    .description('Xuất Sổ tay KPI: danh mục theo ngành, nhóm và quy tắc quy đổi, khổ A4 (write the KPI handbook workbook)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .requiredOption('--out <file.xlsx>', 'tệp ghi ra (output file)')
    .action((opts: { agency: string; out: string }) => writeOut(opts.agency, opts.out, handbookFile, 'Đã ghi Sổ tay KPI (handbook written)'));
}
