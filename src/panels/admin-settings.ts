/**
 * The agency's settings as a form (GET, POST /admin/settings): Vietnamese labels and help for
 * every setting, never a raw key or value; days as dd/mm/yyyy, one per line; the year's
 * national holidays offered as a starting list (`?holidays=<year>` fills them in, unsaved).
 * Every value goes through the settings validator (contract/settings-validator.ts, via
 * AgencyService.putSettings); what it refuses is shown next to its field. Saving works once
 * per form token (submitOnce): sent twice, the settings are saved and audited once.
 */
import type { Request, Response, Router } from 'express';
import { SETTINGS_KEYS, type AgencySettings, type QuotaGroup } from '../contract/events';
import { validateSettings } from '../contract/settings-validator';
import { isKpiError } from '../domain/errors';
import type { Locale } from '../domain/principal';
import { nationalHolidays } from '../domain/vn-holidays';
import { formatDay, t } from '../i18n/i18n';
import { ACTION, parseFormNumber, submitOnce } from './forms';
import type { PanelKit } from './kit';
import { form, h, link, requireCsrf, sessionOf, str } from './session';

type Fields = Record<string, unknown>;

/** Quota group rows a form offers: the agency's groups and two blank ones. */
const EXTRA_GROUP_ROWS = 2;
const MAX_GROUP_ROWS = 20;
const DAY_DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** A day as typed: `20/03/2026` or `2026-03-20`; anything else as typed, for the validator to name. */
function dayOfInput(s: string): string {
  const m = DAY_DMY.exec(s);
  return m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : s;
}

const lines = (v: unknown): string[] => (typeof v === 'string' ? v.split(/\r?\n|,|;/).map((x) => x.trim()).filter((x) => x !== '') : []);
const text = (b: Fields, k: string): string => (typeof b[k] === 'string' ? (b[k] as string).trim() : '');

/** The settings a form describes (every key), numbers and days read as a person types them. */
export function settingsOfForm(b: Fields): Record<string, unknown> {
  const groups: QuotaGroup[] = [];
  for (let i = 0; i < MAX_GROUP_ROWS; i++) {
    const id = text(b, `group${i}Id`);
    const name = text(b, `group${i}Name`);
    const positions = lines(b[`group${i}Positions`]);
    if (id === '' && name === '' && positions.length === 0) continue;
    groups.push({ id, name, positions });
  }
  return {
    profile: text(b, 'profile'),
    timeZone: text(b, 'timeZone'),
    dailyMinutes: parseFormNumber(text(b, 'dailyMinutes')) ?? '',
    capMinutes: parseFormNumber(text(b, 'capMinutes')) ?? '',
    capPolicy: text(b, 'capPolicy'),
    holidays: lines(b.holidays).map(dayOfInput),
    makeUpDays: lines(b.makeUpDays).map(dayOfInput),
    autoApproveEventEntries: b.autoApproveEventEntries === 'on',
    manualEntriesNeedApproval: b.manualEntriesNeedApproval === 'on',
    hostOrigins: lines(b.hostOrigins).map((o) => o.replace(/\/+$/, '')),
    quotaScope: text(b, 'quotaScope'),
    quotaGroups: groups,
    report: {
      governingBody: text(b, 'governingBody'), place: text(b, 'place'), preparedBy: text(b, 'preparedBy'),
      headOfAgency: text(b, 'headOfAgency'), headTitle: text(b, 'headTitle'),
    },
    manualBackdateDays: parseFormNumber(text(b, 'manualBackdateDays')) ?? '',
    appealDays: parseFormNumber(text(b, 'appealDays')) ?? '',
    hrEditsCatalogue: b.hrEditsCatalogue === 'on',
  };
}

/** The Vietnamese (or, for en, the English) half of a validator's "vi (en)" message, without the field name in front. */
function localPart(l: Locale, message: string): string {
  const body = message.replace(/^[A-Za-z0-9_.[\]]+: /, '');
  const m = /^(.*) \(([^()]*)\)$/.exec(body);
  if (!m) return body;
  return l === 'en' ? m[2]! : m[1]!;
}

/** The setting a validator's field belongs to: `holidays[2]` → holidays, `report.place` → place. */
function settingOfField(field: string | undefined): string {
  if (!field) return 'form';
  if (field.startsWith('report.')) return field.slice('report.'.length).split(/[.[]/)[0]!;
  return field.split(/[.[]/)[0]!;
}

/**
 * Checks each setting alone through the validator, then all together (what depends on two
 * settings, a day both holiday and make-up day): every problem, each under its field.
 */
export function settingsProblems(l: Locale, raw: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    try {
      validateSettings({ [key]: value }, { partial: true });
    } catch (e) {
      if (!isKpiError(e)) throw e;
      errors[settingOfField(e.field ?? key)] ??= localPart(l, e.message);
    }
  }
  if (Object.keys(errors).length === 0) {
    try {
      validateSettings(raw);
    } catch (e) {
      if (!isKpiError(e)) throw e;
      const field = settingOfField(e.field);
      // The one check across two settings: said in words, without the other setting's key.
      errors[field] ??= field === 'makeUpDays' ? t(l, 'settingsForm.clash') : localPart(l, e.message);
    }
  }
  return errors;
}

/** Values the form shows for settings (saved, or as typed and refused). */
function formModel(l: Locale, s: Record<string, unknown>): Record<string, unknown> {
  const v = s as unknown as AgencySettings;
  const days = (list: unknown): string => (Array.isArray(list) ? list.map((d) => (typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) ? formatDay('vi', d) : String(d))).join('\n') : '');
  const groups = Array.isArray(v.quotaGroups) ? v.quotaGroups : [];
  const rows = Array.from({ length: Math.min(MAX_GROUP_ROWS, groups.length + EXTRA_GROUP_ROWS) }, (_, i) => {
    const g = groups[i];
    return { i, n: i + 1, id: g?.id ?? '', name: g?.name ?? '', positions: g ? g.positions.join('; ') : '' };
  });
  const profiles = ['nd335', 'kh1636'];
  if (typeof v.profile === 'string' && v.profile !== '' && !profiles.includes(v.profile)) profiles.push(v.profile);
  const profileKey: Record<string, string> = { nd335: t(l, 'settingsForm.profile.nd335'), kh1636: t(l, 'settingsForm.profile.kh1636') };
  const report = (v.report ?? {}) as unknown as Record<string, string>;
  return {
    profiles: profiles.map((p) => ({ value: p, label: profileKey[p] ?? t(l, 'settingsForm.profile.custom', { id: p }), selected: p === v.profile })),
    timeZone: v.timeZone, dailyMinutes: v.dailyMinutes, capMinutes: v.capMinutes,
    capClip: v.capPolicy === 'clip', capWarn: v.capPolicy === 'warn',
    holidays: days(v.holidays), makeUpDays: days(v.makeUpDays),
    autoApproveEventEntries: v.autoApproveEventEntries === true, manualEntriesNeedApproval: v.manualEntriesNeedApproval === true,
    hostOrigins: Array.isArray(v.hostOrigins) ? v.hostOrigins.join('\n') : '',
    manualBackdateDays: v.manualBackdateDays,
    appealDays: v.appealDays,
    hrEditsCatalogue: v.hrEditsCatalogue === true,
    scopeAgency: v.quotaScope === 'agency', scopeUnit: v.quotaScope === 'unit',
    groups: rows,
    governingBody: report.governingBody ?? '', place: report.place ?? '', preparedBy: report.preparedBy ?? '', headOfAgency: report.headOfAgency ?? '', headTitle: report.headTitle ?? '',
  };
}

/** The settings in a person's words, for the admin page's summary. */
export function settingsSummary(l: Locale, s: AgencySettings): Array<{ label: string; value: string }> {
  const yesNo = (b: boolean): string => (b ? t(l, 'admin.yes') : t(l, 'admin.no'));
  const none = (list: readonly string[], f: (x: string) => string = (x) => x): string => (list.length ? list.map(f).join(', ') : t(l, 'settingsForm.none'));
  const profile = s.profile === 'nd335' ? t(l, 'settingsForm.profile.nd335') : s.profile === 'kh1636' ? t(l, 'settingsForm.profile.kh1636') : t(l, 'settingsForm.profile.custom', { id: s.profile });
  return [
    { label: t(l, 'settingsForm.profile'), value: profile },
    { label: t(l, 'settingsForm.timeZone'), value: s.timeZone },
    { label: t(l, 'settingsForm.dailyMinutes'), value: String(s.dailyMinutes) },
    { label: t(l, 'settingsForm.capMinutes'), value: `${s.capMinutes} — ${s.capPolicy === 'clip' ? t(l, 'settingsForm.capClip') : t(l, 'settingsForm.capWarn')}` },
    { label: t(l, 'settingsForm.holidays'), value: none(s.holidays, (d) => formatDay(l, d)) },
    { label: t(l, 'settingsForm.makeUpDays'), value: none(s.makeUpDays, (d) => formatDay(l, d)) },
    { label: t(l, 'settingsForm.hostOrigins'), value: none(s.hostOrigins) },
    { label: t(l, 'settingsForm.autoApprove'), value: yesNo(s.autoApproveEventEntries) },
    { label: t(l, 'settingsForm.manualApproval'), value: yesNo(s.manualEntriesNeedApproval) },
    { label: t(l, 'settingsForm.backdate'), value: String(s.manualBackdateDays) },
    { label: t(l, 'settingsForm.appealDays'), value: String(s.appealDays) },
    { label: t(l, 'settingsForm.hrEditsCatalogue'), value: yesNo(s.hrEditsCatalogue) },
    { label: t(l, 'settingsForm.quotaScope'), value: s.quotaScope === 'unit' ? t(l, 'settingsForm.scopeUnit') : t(l, 'settingsForm.scopeAgency') },
  ];
}

export function mountAdminSettings(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  async function render(req: Request, res: Response, values: Record<string, unknown>, errors: Record<string, string>, status = 200, note: string | null = null): Promise<void> {
    const s = sessionOf(req);
    const l = s.locale;
    const year = Number(s.today.slice(0, 4));
    const suggest = [year, year + 1].map((y) => ({ year: y, href: link(s, '/admin/settings', { holidays: String(y) }) }));
    await kit.page(req, res, 'admin', 'admin-settings', {
      f: formModel(l, values), errors, note, suggest,
      save: form(s, '/admin/settings', ACTION.settings), back: link(s, '/admin'),
    }, { status, error: Object.keys(errors).length ? t(l, 'settingsForm.fix') : null, title: t(l, 'settingsForm.title') });
  }

  router.get('/admin/settings', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'admin');
    const values: Record<string, unknown> = { ...s.settings };
    let note: string | null = null;
    const year = Number(str(req.query.holidays));
    if (Number.isInteger(year) && year >= 2000 && year <= 2100) {
      const { days, complete } = nationalHolidays(year);
      values.holidays = [...new Set([...s.settings.holidays, ...days])].sort();
      note = complete ? t(s.locale, 'settingsForm.suggested', { year }) : t(s.locale, 'settingsForm.suggestedPartial', { year });
    }
    await render(req, res, values, {}, 200, note);
  }));

  router.post('/admin/settings', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'admin');
    requireCsrf(req, ACTION.settings);
    const raw = settingsOfForm((req.body ?? {}) as Fields);
    // What the form does not show is kept as it is: the pull connector, form no. 01's own wording
    // (set with the CLI or the API).
    for (const key of SETTINGS_KEYS) if (!(key in raw)) raw[key] = s.settings[key];
    const labels = s.settings.report?.form01Labels;
    if (labels) (raw.report as Record<string, unknown>).form01Labels = labels;
    // Checked inside the once-only part (putSettings refuses what the validator refuses): a used
    // token goes where its first use went, whatever comes with it.
    await submitOnce(req, res, deps.forms, '/admin', async () => {
      await deps.agencies.putSettings(s.principal.agency, raw, s.principal.userId);
      return { path: '/admin', params: { notice: 'settings-saved' } };
    }, (status, _error, refusal) => {
      // Refused: nothing saved, the token free again; every problem under its field.
      const errors = settingsProblems(s.locale, raw);
      if (Object.keys(errors).length === 0) errors[settingOfField(refusal.field)] = localPart(s.locale, refusal.message);
      return render(req, res, raw, errors, status);
    });
  }));
}
