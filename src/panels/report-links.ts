/**
 * Links from the panels to HR's workbooks (src/http/reports.ts), which live beside the panels
 * under the plugin's base path (`/kpi/reports/…` next to `/kpi/panels/…`). Built with `link`,
 * so they carry the context token: a download works inside the host's iframe, without cookies.
 */
import { link, type Session } from './session';
import { enc } from './view-model';

/** The session as seen from the plugin's base path instead of the panels' own. */
function atRoot(s: Session): Session {
  return { ...s, base: s.base.replace(/\/panels$/, '') };
}

/** `…/reports/{period}.xlsx[?unit=…]`: the evaluation workbook of the agency or of the given units. */
export function workbookLink(s: Session, period: string, unitIds: readonly string[] = [], opts: { journal?: boolean } = {}): string {
  return link(atRoot(s), `/reports/${enc(period)}.xlsx`, { unit: [...unitIds], ...(opts.journal ? { journal: '1' } : {}) });
}

/** `…/reports/{period}/form01.xlsx?user=…|unit=…`: form no. 01 of one official or of every official of a unit. */
export function form01Link(s: Session, period: string, who: { userId: string } | { unitId: string }): string {
  return link(atRoot(s), `/reports/${enc(period)}/form01.xlsx`, 'userId' in who ? { user: who.userId } : { unit: who.unitId });
}
