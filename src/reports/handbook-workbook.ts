/**
 * The KPI handbook (Sổ tay KPI) as a printable workbook (docs/catalogue.md): A4 in the
 * administrative layout of layout.ts — the catalogue's items in use by sector and group, with
 * standard minutes, kinds and limits, then the mapping rules in words. Every text goes
 * through cells.ts (the layout's writers).
 */
import { PassThrough } from 'node:stream';
import type { AgencySettings } from '../contract/events';
import { today } from '../domain/time';
import { buildHandbook } from '../i18n/handbook-text';
import type { WorkItem } from '../rules/catalogue';
import type { MappingRule } from '../rules/mapping';
import type { SectorTemplate } from '../rules/sector-templates';
import { addSheet, openWorkbook, STYLES, t, writeHeading, writeSignatures, type Column, type Text } from './layout';

export interface HandbookInput {
  agencyName: string;
  settings: AgencySettings;
  items: readonly WorkItem[];
  rules: readonly MappingRule[];
  templates: readonly SectorTemplate[];
  created: Date;
}

/** The handbook workbook, Vietnamese (`text` is the vi locale: the handbook is printed as issued). */
export async function writeHandbookWorkbook(input: HandbookInput, text: Text): Promise<Buffer> {
  const book = buildHandbook('vi', input);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    out.on('end', resolve);
    out.on('error', reject);
  });
  const wb = openWorkbook(out, { title: t(text, 'handbook.title'), agencyName: input.agencyName, created: input.created });
  const letterhead = {
    agencyName: input.agencyName, report: input.settings.report, day: today(input.settings.timeZone, input.created), timeZone: input.settings.timeZone,
    computedAt: input.created, provisional: false,
  };
  const taken = new Set<string>();
  const columns: Column[] = [
    { header: t(text, 'handbook.col.no'), width: 6, kind: 'center' },
    { header: t(text, 'catalogue.col.code'), width: 10, kind: 'center' },
    { header: t(text, 'catalogue.col.name'), width: 56, kind: 'text' },
    { header: t(text, 'catalogue.col.unit'), width: 13, kind: 'text' },
    { header: t(text, 'catalogue.col.standardMinutes'), width: 13, kind: 'minutes' },
    { header: t(text, 'catalogue.col.kind'), width: 17, kind: 'text' },
    { header: t(text, 'catalogue.col.maxQuantity'), width: 12, kind: 'minutes' },
  ];
  const s = addSheet(wb, t(text, 'handbook.sheetItems'), taken, columns, { portrait: true });
  writeHeading(s, text, letterhead, t(text, 'handbook.title'), t(text, 'handbook.subtitle', { n: book.itemCount }));
  s.header();
  for (const section of book.sections) {
    s.merged(section.label.toLocaleUpperCase('vi'), STYLES.group);
    for (const group of section.groups) {
      s.merged(group.label, STYLES.noteBold);
      for (const i of group.items) s.tableRow([i.no, i.code, i.name, i.unit, i.minutes, i.kind, i.max]);
    }
  }
  s.blank();
  s.merged(t(text, 'handbook.formula'), STYLES.note, 1, columns.length, { height: 45 });
  writeSignatures(s, text, input.settings.report);
  await s.ws.commit();

  const ruleColumns: Column[] = [
    { header: t(text, 'handbook.col.no'), width: 6, kind: 'center' },
    { header: t(text, 'handbook.col.rule'), width: 22, kind: 'text' },
    { header: t(text, 'handbook.col.sentence'), width: 100, kind: 'text' },
  ];
  const r = addSheet(wb, t(text, 'handbook.sheetRules'), taken, ruleColumns, { portrait: true });
  writeHeading(r, text, letterhead, t(text, 'handbook.rulesTitle'), t(text, 'handbook.rulesSubtitle', { n: book.rules.length }));
  r.header();
  for (const rule of book.rules) r.tableRow([rule.no, rule.id, rule.sentence]);
  await r.ws.commit();
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}
