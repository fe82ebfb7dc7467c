import type * as ExcelJS from 'exceljs';

let loaded: typeof ExcelJS | null = null;

/**
 * exceljs, loaded when a workbook is first read or written: about 28 MB of memory that a
 * process which never makes one (a server answering panels and webhooks, `eoffice-kpi score`)
 * does not pay.
 */
export function excel(): typeof ExcelJS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('exceljs') as typeof ExcelJS);
}
