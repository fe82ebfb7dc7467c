/**
 * The panels' HTML, from the handlebars templates in the package's `templates/` folder.
 *
 * - Its own handlebars instance (`Handlebars.create()`): nothing another part of the host
 *   registers on the global instance can change what the panels print.
 * - Every template is compiled once, when the views are created; a template that does not
 *   parse, or calls a helper that does not exist (`knownHelpersOnly`), stops start-up.
 * - `{{value}}` escapes HTML and that is the only way values are printed: no template uses
 *   `{{{…}}}` (the locale contract test checks it), no helper returns a SafeString. The
 *   layout includes the panel by a dynamic partial, not by pasting rendered HTML.
 *
 * Helpers (the locale is the page's `locale`):
 * `t "key" name=value` a message · `fmtNum x [decimals]` a number · `fmtPct x` a percentage ·
 * `fmtDay "YYYY-MM-DD"` a day · `fmtPeriod "2026-Q1"` a period in words · `eq a b`. Helper
 * names never collide with the fields of a model (`{{day}}` is always the field `day`).
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { formatDay, formatNumber, formatPeriod, normalizeLocale, packageRoot, t, type Locale } from '../i18n/i18n';

/** A POST form: where it goes and the two tokens it must carry. */
export interface FormModel {
  action: string;
  ctx: string;
  csrf: string;
}

/** What every page has; each panel adds its own fields. */
export interface PageModel {
  locale: Locale;
  /** The CSP nonce of the page's one style element. */
  nonce: string;
  title: string;
  panelId: string;
  user: { name: string; id: string } | null;
  nav: Array<{ href: string; label: string; current: boolean }>;
  notice: string | null;
  error: string | null;
  timeZone: string;
  [key: string]: unknown;
}

export interface Views {
  /** The full HTML page of `view` (a template name: `me`, `unit`, `error`…). */
  render(view: string, model: PageModel): string;
  /** The template names known. */
  readonly names: readonly string[];
}

const HELPERS = ['t', 'fmtNum', 'fmtPct', 'fmtDay', 'fmtPeriod', 'eq'] as const;

/** What handlebars needs to compile eagerly (its `compile` defers the work to the first call). */
interface EagerCompiler {
  parse(input: string, options?: object): unknown;
  Compiler: new () => { compile(ast: unknown, options: object): unknown };
  JavaScriptCompiler: new () => { compile(environment: unknown, options: object, context: undefined, asObject: boolean): unknown };
  template(spec: unknown): HandlebarsTemplateDelegate;
}

function localeOf(options: Handlebars.HelperOptions): Locale {
  return normalizeLocale((options.data as { root?: { locale?: unknown } } | undefined)?.root?.locale);
}

function isOptions(v: unknown): v is Handlebars.HelperOptions {
  return v !== null && typeof v === 'object' && 'hash' in (v as object) && 'data' in (v as object);
}

export function createViews(opts: { dir?: string } = {}): Views {
  const dir = opts.dir ?? path.join(packageRoot(), 'templates');
  const hb = Handlebars.create();
  const compileOptions = {
    data: true,
    noEscape: false,
    knownHelpers: Object.fromEntries(HELPERS.map((x) => [x, true])),
    knownHelpersOnly: true,
  };
  const eager = hb as unknown as EagerCompiler;
  const compile = (name: string, src: string): HandlebarsTemplateDelegate => {
    if (/\{\{~?\{|\{\{~?&/.test(src)) throw new Error(`templates/${name}.hbs: không dùng {{{ }}} hay {{& }} (unescaped output is not allowed)`);
    try {
      const ast = eager.parse(src, compileOptions);
      const environment = new eager.Compiler().compile(ast, compileOptions);
      const spec = new eager.JavaScriptCompiler().compile(environment, compileOptions, undefined, true);
      return eager.template(spec);
    } catch (e) {
      throw new Error(`templates/${name}.hbs: ${(e as Error).message}`);
    }
  };

  hb.registerHelper('t', function (this: unknown, key: unknown, options: Handlebars.HelperOptions) {
    if (typeof key !== 'string') throw new Error('t: the key must be a string');
    const vars: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(options.hash as Record<string, unknown>)) vars[k] = typeof v === 'number' ? v : String(v ?? '');
    return t(localeOf(options), key, vars);
  });
  hb.registerHelper('fmtNum', function (this: unknown, x: unknown, decimals: unknown, options?: Handlebars.HelperOptions) {
    const o = isOptions(decimals) ? decimals : (options as Handlebars.HelperOptions);
    const d = typeof decimals === 'number' ? decimals : 2;
    return typeof x === 'number' ? formatNumber(localeOf(o), x, d) : typeof x === 'string' ? x : '—';
  });
  hb.registerHelper('fmtPct', function (this: unknown, x: unknown, options: Handlebars.HelperOptions) {
    return typeof x === 'number' ? `${formatNumber(localeOf(options), x)}%` : typeof x === 'string' ? `${x}%` : '—';
  });
  hb.registerHelper('fmtDay', function (this: unknown, x: unknown, options: Handlebars.HelperOptions) {
    return typeof x === 'string' ? formatDay(localeOf(options), x) : '—';
  });
  hb.registerHelper('fmtPeriod', function (this: unknown, x: unknown, options: Handlebars.HelperOptions) {
    return typeof x === 'string' ? formatPeriod(localeOf(options), x) : '—';
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);

  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.hbs')).sort();
  const templates = new Map<string, HandlebarsTemplateDelegate>();
  for (const f of files) {
    const name = f.slice(0, -'.hbs'.length);
    const tpl = compile(name, fs.readFileSync(path.join(dir, f), 'utf8'));
    templates.set(name, tpl);
    if (name !== 'layout') hb.registerPartial(name, tpl);
  }
  const layout = templates.get('layout');
  if (!layout) throw new Error(`templates/layout.hbs không có trong ${dir} (layout template missing)`);
  const names = [...templates.keys()];

  return {
    names,
    render(view: string, model: PageModel): string {
      if (view === 'layout' || view.startsWith('_') || !templates.has(view)) throw new Error(`no panel template "${view}"`);
      return layout({ ...model, view }, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
    },
  };
}
