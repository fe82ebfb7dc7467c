/**
 * Messages of the panels, Vietnamese first (docs/architecture.md: default locale vi, full
 * diacritics), English second. The catalogues are flat JSON maps `key → text` in
 * the package's `locales/` folder (plugin-manifest.json names it); `{name}` in a text
 * is replaced by the variable of that name.
 *
 * Numbers and days are formatted per locale here too: vi shows `9 577,5` and
 * `20/03/2026` (the explanation of a score uses the same number style), en shows
 * `9,577.5` and `20 Mar 2026`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { roundHalfAway } from '../scoring/rounding';

import { DEFAULT_LOCALE, LOCALES, type Locale } from '../domain/principal';

export { DEFAULT_LOCALE, LOCALES, type Locale };

export type Messages = Readonly<Record<string, string>>;
export type Vars = Readonly<Record<string, string | number | null | undefined>>;

const MANIFEST = 'plugin-manifest.json';

/** The package's root: the nearest folder at or above `start` that holds plugin-manifest.json (src/ and dist/src/ alike). */
export function packageRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, MANIFEST))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`${MANIFEST} không tìm thấy phía trên ${start} (package root not found)`);
    dir = up;
  }
}

/** The locales folder as the manifest declares it (`locales.dir`), else `locales`. */
export function localesDir(root: string = packageRoot()): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, MANIFEST), 'utf8')) as { locales?: { dir?: unknown } };
    if (typeof manifest.locales?.dir === 'string' && manifest.locales.dir !== '') return path.join(root, manifest.locales.dir);
  } catch {
    // a broken manifest is reported by its own validation at start-up
  }
  return path.join(root, 'locales');
}

/** Reads one catalogue: a flat object of non-empty strings (NFC). Anything else is an error naming the file and key. */
export function readCatalogue(file: string): Messages {
  const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file}: phải là một đối tượng JSON phẳng (must be a flat JSON object)`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`${file}: "${k}" phải là chuỗi không rỗng (must be a non-empty string)`);
    out[k] = v.normalize('NFC');
  }
  return Object.freeze(out);
}

let loaded: Record<Locale, Messages> | null = null;

/** Both catalogues, read once. */
export function catalogues(): Record<Locale, Messages> {
  if (!loaded) {
    const dir = localesDir();
    loaded = { vi: readCatalogue(path.join(dir, 'vi.json')), en: readCatalogue(path.join(dir, 'en.json')) };
  }
  return loaded;
}

export function isLocale(v: unknown): v is Locale {
  return v === 'vi' || v === 'en';
}

/** `en` for English, otherwise `vi`. */
export function normalizeLocale(v: unknown): Locale {
  return v === 'en' ? 'en' : DEFAULT_LOCALE;
}

/** The locale an `Accept-Language` header prefers, for pages shown before anyone is authenticated. */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const first = header.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : DEFAULT_LOCALE;
}

export function hasKey(key: string): boolean {
  const c = catalogues();
  return key in c.vi && key in c.en;
}

/**
 * The text of `key` in `locale`, with `{name}` replaced by `vars.name`. A key missing in
 * `en` falls back to `vi`; a key missing everywhere is returned as is (the locale
 * contract test makes sure that never ships).
 */
export function t(locale: Locale, key: string, vars?: Vars): string {
  const c = catalogues();
  const text = c[locale][key] ?? c.vi[key];
  if (text === undefined) return key;
  if (!vars) return text;
  return text.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const v = vars[name];
    return v === undefined || v === null ? whole : String(v);
  });
}

/**
 * Vietnamese number style: `9577.5` → `9 577,50`; `10560` → `10 560`; `90.909…` → `90,91`. Rounded half
 * away from zero to `decimals`; integers are shown without decimals; with `trim`, trailing zeros of the
 * decimals are dropped (`0,25`, `0,5`).
 */
export function formatVi(x: number, decimals = 2, trim = false): string {
  const r = roundHalfAway(x, decimals);
  const negative = r < 0;
  const fixed = Math.abs(r).toFixed(decimals);
  const [intPart = '0', fracRaw = ''] = fixed.split('.');
  let frac = fracRaw;
  if (trim || Number.isInteger(r)) frac = frac.replace(/0+$/, '');
  const grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${negative ? '-' : ''}${grouped}${frac ? `,${frac}` : ''}`;
}

/**
 * A number for display: vi `9 577,5`-style grouping (as the score explanation prints
 * it), en `9,577.5`. Rounded half away from zero to `decimals`; integers have no decimals;
 * with `trim`, trailing zeros of the decimals are dropped too (`0,25`, `0.5`).
 */
export function formatNumber(locale: Locale, n: number, decimals = 2, trim = false): string {
  if (!Number.isFinite(n)) return '—';
  if (locale === 'vi') return formatVi(n, decimals, trim);
  const r = roundHalfAway(n, decimals);
  return enFormat(Number.isInteger(r) || trim ? 0 : decimals, decimals).format(r);
}

/** English number formats, made once each (a score's explanation formats dozens of numbers). */
const EN_FORMATS = new Map<string, Intl.NumberFormat>();

function enFormat(minimumFractionDigits: number, maximumFractionDigits: number): Intl.NumberFormat {
  const key = `${minimumFractionDigits}/${maximumFractionDigits}`;
  let f = EN_FORMATS.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits, maximumFractionDigits });
    EN_FORMATS.set(key, f);
  }
  return f;
}

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A local day `YYYY-MM-DD`: vi `20/03/2026`, en `20 Mar 2026`. Anything else is shown as it is. */
export function formatDay(locale: Locale, day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const [, y, mo, d] = m;
  if (locale === 'vi') return `${d}/${mo}/${y}`;
  return `${Number(d)} ${EN_MONTHS[Number(mo) - 1] ?? mo} ${y}`;
}

/** An instant shown as a local day and time in `timeZone`: vi `20/03/2026 09:15`, en `20 Mar 2026 09:15`. */
export function formatInstant(locale: Locale, iso: string | null, timeZone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${formatDay(locale, `${get('year')}-${get('month')}-${get('day')}`)} ${get('hour')}:${get('minute')}`;
}

/**
 * A period key in words: `2026-03` → "tháng 03/2026" / "March 2026"; `2026-Q1` → "quý I/2026" /
 * "Q1 2026"; `2026` → "năm 2026" / "year 2026".
 */
export function formatPeriod(locale: Locale, key: string): string {
  let m = /^(\d{4})-(\d{2})$/.exec(key);
  // The month and quarter are spelled the locale's way: "03" and "III" in Vietnamese, "March" and "3" in English.
  if (m) return t(locale, 'period.month', { month: locale === 'en' ? EN_MONTH_NAMES[Number(m[2]) - 1] : m[2], year: m[1] });
  m = /^(\d{4})-Q([1-4])$/.exec(key);
  if (m) return t(locale, 'period.quarter', { quarter: locale === 'en' ? m[2] : ROMAN[Number(m[2]) - 1], year: m[1] });
  m = /^(\d{4})$/.exec(key);
  if (m) return t(locale, 'period.year', { year: m[1] });
  return key;
}

const EN_MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ROMAN = ['I', 'II', 'III', 'IV'];

/**
 * Marks a string literal as a message key that is looked up later (maps of codes to keys):
 * the locale contract test finds every key passed to `t` or `msgKey` as a literal in the sources.
 */
export function msgKey(key: string): string {
  return key;
}
