/**
 * "PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC", shaped like Decree 335's form no. 01 (issue 7, item 2):
 * the official, position, unit and period; part I, the general criteria in the form's three
 * groups of 10 points with the official's self score and the leader's score; part II, the task
 * results the system computed; the total and class; the signature lines. One sheet per official:
 * one official, or every official of a unit as one workbook.
 */
import type { Form01CriterionId, Form01Labels } from '../contract/events';
import type { Period } from '../domain/period';
import { classText, noteText, type OfficialRow } from './evaluation-workbook';
import { addSheet, openWorkbook, periodWords, sheetDone, STYLES, t, writeHeading, type Column, type Letterhead, type Text } from './layout';
import { textCell } from './cells';

export interface GroupScores { I: number | null; II: number | null; III: number | null }

/**
 * The criteria of part I as form no. 01 lists them: a group row (`group` set, its maximum the
 * sum of its items) and its items. Vietnamese defaults; `labels` of the writer may override a
 * label by id (the agency's own wording, settings `report.form01Labels`).
 */
export const FORM01_CRITERIA: ReadonlyArray<{ id: Form01CriterionId; no: string; group: 'I' | 'II' | 'III'; isGroup: boolean; max: number; label: string }> = Object.freeze([
  { id: 'I', no: 'I', group: 'I', isGroup: true, max: 10, label: 'Phẩm chất chính trị, phẩm chất đạo đức, văn hóa thực thi công vụ và ý thức kỷ luật, kỷ cương trong thực thi công vụ' },
  { id: 'I.1', no: '1', group: 'I', isGroup: false, max: 5, label: 'Phẩm chất chính trị, phẩm chất đạo đức, văn hóa thực thi công vụ' },
  { id: 'I.2', no: '2', group: 'I', isGroup: false, max: 5, label: 'Ý thức kỷ luật, kỷ cương trong thực thi công vụ' },
  { id: 'II', no: 'II', group: 'II', isGroup: true, max: 10, label: 'Năng lực chuyên môn, nghiệp vụ theo yêu cầu của vị trí việc làm; khả năng đáp ứng yêu cầu thực thi nhiệm vụ được giao; tinh thần trách nhiệm trong thực thi công vụ; thái độ phục vụ người dân, doanh nghiệp và khả năng phối hợp với đồng nghiệp' },
  { id: 'II.1', no: '1', group: 'II', isGroup: false, max: 2.5, label: 'Năng lực chuyên môn, nghiệp vụ theo yêu cầu của vị trí việc làm' },
  { id: 'II.2', no: '2', group: 'II', isGroup: false, max: 2.5, label: 'Khả năng đáp ứng yêu cầu thực thi nhiệm vụ được giao thường xuyên, đột xuất' },
  { id: 'II.3', no: '3', group: 'II', isGroup: false, max: 2.5, label: 'Tinh thần trách nhiệm trong thực thi công vụ' },
  { id: 'II.4', no: '4', group: 'II', isGroup: false, max: 2.5, label: 'Thái độ phục vụ người dân, doanh nghiệp và khả năng phối hợp với đồng nghiệp' },
  { id: 'III', no: 'III', group: 'III', isGroup: true, max: 10, label: 'Năng lực đổi mới, sáng tạo, dám nghĩ, dám làm, dám chịu trách nhiệm vì lợi ích chung trong thực thi công vụ' },
]);

/** One official's form. */
export interface Form01Official {
  row: OfficialRow;
  unitName: string;
  taskMax: number;
  generalMax: number;
  /** The official's own scores of the three groups (null: not recorded). */
  selfGroups: GroupScores | null;
  /** The leader's scores of the three groups (null: only the 30-point total is recorded). */
  groups: GroupScores | null;
}

export interface Form01Data {
  letterhead: Letterhead;
  period: Pick<Period, 'kind' | 'key' | 'year' | 'month' | 'quarter'>;
  officials: AsyncIterable<Form01Official> | Iterable<Form01Official>;
  labels?: Form01Labels;
}

function columns(text: Text): Column[] {
  return [
    { header: t(text, 'xlsx.form.col.no'), width: 6, kind: 'center' },
    { header: t(text, 'xlsx.form.col.criterion'), width: 50, kind: 'text' },
    { header: t(text, 'xlsx.form.col.max'), width: 11, kind: 'dec' },
    { header: t(text, 'xlsx.form.col.self'), width: 14, kind: 'dec' },
    { header: t(text, 'xlsx.form.col.leader'), width: 16, kind: 'dec' },
  ];
}

const sum = (g: GroupScores | null): number | null => {
  if (!g || g.I === null || g.II === null || g.III === null) return null;
  return Math.round((g.I + g.II + g.III) * 100) / 100;
};

/** Streams the forms to `out`: one sheet per official. Returns how many were written. */
export async function writeForm01Workbook(data: Form01Data, text: Text, out: NodeJS.WritableStream): Promise<{ forms: number }> {
  const h = data.letterhead;
  const words = periodWords(text, data.period);
  const title = t(text, 'xlsx.form.title');
  const wb = openWorkbook(out, { title: `${title} — ${words}`, agencyName: h.agencyName, created: h.computedAt });
  const taken = new Set<string>();
  const cols = columns(text);
  let forms = 0;
  for await (const f of data.officials) {
    forms++;
    const s = addSheet(wb, f.row.name, taken, cols, { portrait: true, headerRow: null });
    const sc = f.row.score;
    writeHeading(s, text, h, title, t(text, 'xlsx.form.period', { period: words }));
    s.merged(t(text, 'xlsx.form.name', { name: f.row.name }), STYLES.noteBold, 1, 5);
    s.merged(t(text, 'xlsx.form.position', { position: f.row.position ?? '' }), STYLES.note, 1, 5);
    s.merged(t(text, 'xlsx.form.unit', { unit: f.unitName }), STYLES.note, 1, 5);
    s.blank();
    // Part I: the general criteria.
    const scale = f.generalMax / 30;
    const max = (m: number): number => Math.round(m * scale * 100) / 100;
    s.merged(t(text, 'xlsx.form.part1', { max: f.generalMax }), STYLES.noteBold, 1, 5);
    s.header();
    for (const c of FORM01_CRITERIA) {
      const self = c.isGroup ? f.selfGroups?.[c.group] ?? null : null;
      const lead = c.isGroup ? f.groups?.[c.group] ?? null : null;
      s.tableRow([c.no, data.labels?.[c.id] ?? c.label, max(c.max), self, lead], c.isGroup);
    }
    s.tableRow([null, t(text, 'xlsx.form.generalTotal'), f.generalMax, sum(f.selfGroups), f.groups ? sum(f.groups) : sc.generalScore], true);
    s.blank();
    // Part II: the task results the system computed.
    s.merged(t(text, 'xlsx.form.part2', { max: f.taskMax }), STYLES.noteBold, 1, 5);
    const part2 = (no: string, label: string, value: number | null, maxV: number | null, bold = false): void => s.tableRow([no, label, maxV, null, value], bold);
    part2('1', t(text, 'xlsx.col.quantityPct'), sc.scored ? sc.quantityPct : null, 100);
    part2('2', t(text, 'xlsx.col.qualityPct'), sc.scored ? sc.qualityPct : null, 100);
    part2('3', t(text, 'xlsx.col.progressPct'), sc.scored ? sc.progressPct : null, 100);
    part2('', t(text, 'xlsx.form.taskScore'), sc.taskScore, f.taskMax, true);
    s.blank();
    // The total and the class.
    s.merged(t(text, 'xlsx.form.part3'), STYLES.noteBold, 1, 5);
    s.tableRow([null, t(text, 'xlsx.form.total'), f.taskMax + f.generalMax, null, sc.total], true);
    s.row([null, t(text, 'xlsx.col.class'), classText(text, sc.classification) ?? t(text, 'xlsx.classes.none')], [STYLES.cells.text, STYLES.cells.text, STYLES.bold.text], { keep: true });
    const r = s.next - 1;
    s.ws.mergeCells(r, 3, r, 5);
    s.ws.getRow(r).commit();
    const note = noteText(text, f.row);
    if (note) s.merged(t(text, 'xlsx.form.note', { note }), STYLES.note, 1, 5, { height: 30 });
    // Signatures: the official and the leader who assessed them.
    s.blank();
    const sign = (a: unknown, b: unknown, st: typeof STYLES.signTitle): void => {
      const n = s.next;
      const row = s.row([a], st, { keep: true });
      s.ws.mergeCells(n, 1, n, 2);
      const c = row.getCell(3);
      c.value = textCell(b);
      c.style = st;
      s.ws.mergeCells(n, 3, n, 5);
      row.commit();
    };
    sign(t(text, 'xlsx.form.signOfficial'), t(text, 'xlsx.form.signLeader'), STYLES.signTitle);
    sign(t(text, 'xlsx.sign.hint'), t(text, 'xlsx.sign.hint'), STYLES.signHint);
    s.blank(); s.blank(); s.blank();
    sign(f.row.name, '……………………………', STYLES.signName);
    s.ws.commit();
    await sheetDone(wb, out);
  }
  await wb.commit();
  return { forms };
}
