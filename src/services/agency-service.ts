import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { DEFAULT_SETTINGS, type AgencySettings } from '../contract/events';
import { validateSettings } from '../contract/validate';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import { isValidTimeZone } from '../domain/time';
import { cloneCatalogue, type WorkItem } from '../rules/catalogue';
import { cloneRules, validateRules, type MappingRule } from '../rules/mapping';
import { getProfile, validateProfile, type ScoringProfile } from '../scoring/profiles';
import { parseJson } from '../db/rows';
import type { AgencyRow, KnexAgencyStore, SecretRow, StoredWorkItem } from '../db/knex-agency-store';
import { writeTransaction } from '../db/dialects';

export const AGENCY_CODE_RE = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** How long the previous secret stays valid after a rotation, unless the integrator says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
export const DEFAULT_ISSUER = 'eoffice-host';

const messages = {
  badCode: (code: string) => `Mã cơ quan không hợp lệ (invalid agency code) "${code}": chữ thường, số và dấu gạch ngang, 2–63 ký tự`,
  exists: (code: string) => `Cơ quan "${code}" đã tồn tại (agency already exists)`,
  notFound: (code: string) => `Không tìm thấy cơ quan "${code}" (agency not found)`,
  badOrigin: (o: string) => `Địa chỉ máy chủ không hợp lệ (invalid host origin) "${o}": dạng https://ten-mien[:cong], không có đường dẫn`,
  badName: 'Tên cơ quan không được để trống (agency name required)',
  badTz: (tz: string) => `Múi giờ không hợp lệ (invalid time zone) "${tz}"`,
  badRules: (p: string) => `Quy tắc ánh xạ không hợp lệ (invalid mapping rules): ${p}`,
};

export interface AgencyContext {
  agency: AgencyRow;
  settings: AgencySettings;
  rules: MappingRule[];
  catalogue: Map<string, StoredWorkItem>;
  /** The same items as a list, built once per load (the planner caches its lookups per list). */
  items: StoredWorkItem[];
  /** Secrets not yet expired when loaded; filter by the clock at use (see cachedSecrets). */
  secrets: SecretRow[];
}

export interface AgencyServiceDeps {
  knex: Knex;
  store: KnexAgencyStore;
  clock?: () => Date;
  /** How long a loaded agency context is reused before it is read again (other processes may have changed it). */
  contextTtlMs?: number;
}

export function normaliseOrigin(o: string): string {
  let u: URL;
  try {
    u = new URL(o);
  } catch {
    throw new ValidationError(messages.badOrigin(o), 'hostOrigins');
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) {
    throw new ValidationError(messages.badOrigin(o), 'hostOrigins');
  }
  return u.origin;
}

/** Agencies (tenants): creation with their secret, rotation, settings, catalogue and rules. */
export class AgencyService {
  private readonly knex: Knex;
  private readonly store: KnexAgencyStore;
  private readonly clock: () => Date;
  private readonly ttl: number;
  private readonly contexts = new Map<string, { at: number; ctx: Promise<AgencyContext> }>();

  constructor(deps: AgencyServiceDeps) {
    this.knex = deps.knex;
    this.store = deps.store;
    this.clock = deps.clock ?? (() => new Date());
    this.ttl = deps.contextTtlMs ?? 2000;
  }

  /** Adds an agency with a fresh secret, the default settings, catalogue and mapping rules. The secret is returned once. */
  async addAgency(input: { code: string; name: string; hostOrigins?: string[]; issuer?: string; timeZone?: string; rs256PublicKey?: string | null }): Promise<{ agency: string; secret: string; issuer: string }> {
    const code = input.code.trim();
    if (!AGENCY_CODE_RE.test(code)) throw new ValidationError(messages.badCode(code), 'code');
    const name = input.name.normalize('NFC').trim();
    if (!name) throw new ValidationError(messages.badName, 'name');
    const timeZone = input.timeZone ?? DEFAULT_SETTINGS.timeZone;
    if (!isValidTimeZone(timeZone)) throw new ValidationError(messages.badTz(timeZone), 'timeZone');
    const hostOrigins = (input.hostOrigins ?? []).map(normaliseOrigin);
    const issuer = input.issuer?.trim() || DEFAULT_ISSUER;
    if (await this.store.getAgency(code)) throw new ConflictError(messages.exists(code), 'agency_exists');
    const secret = newSecret();
    const now = this.clock();
    const settings: AgencySettings = { ...DEFAULT_SETTINGS, timeZone, hostOrigins };
    await writeTransaction(this.knex, async (trx) => {
      await this.store.insertAgency(trx, { code, name, timeZone, issuer, hostOrigins, rs256PublicKey: input.rs256PublicKey ?? null }, now);
      await this.store.insertSecret(trx, code, secret, now);
      await this.store.putSettingsJson(trx, code, settings, 'system', now);
      await this.store.saveCatalogue(trx, code, cloneCatalogue(), now);
      await this.store.replaceRules(trx, code, cloneRules(), now);
      await this.store.audit(trx, code, 'system', 'agency.add', code, { name, issuer, hostOrigins }, now);
    });
    return { agency: code, secret, issuer };
  }

  /** A new secret; the old ones stay valid for `overlapSeconds` so hosts can switch without losing events. */
  async rotateSecret(code: string, overlapSeconds = DEFAULT_ROTATION_OVERLAP_SECONDS, actor = 'system'): Promise<{ agency: string; secret: string; previousValidUntil: string }> {
    await this.requireAgency(code);
    if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) throw new ValidationError('overlap phải là số giây ≥ 0 (overlap must be seconds ≥ 0)', 'overlap');
    const now = this.clock();
    const until = new Date(now.getTime() + overlapSeconds * 1000);
    const secret = newSecret();
    await writeTransaction(this.knex, async (trx) => {
      await this.store.expireCurrentSecrets(trx, code, until);
      await this.store.insertSecret(trx, code, secret, now);
      await this.store.audit(trx, code, actor, 'agency.rotate-secret', code, { previousValidUntil: until.toISOString() }, now);
    });
    this.invalidate(code);
    return { agency: code, secret, previousValidUntil: until.toISOString() };
  }

  /**
   * Registers the host's RS256 public key (PEM): from then on the agency's tokens are verified
   * with RS256 and that key only. Null removes it (back to HS256 with the agency's secret).
   */
  async setHostKey(code: string, publicKeyPem: string | null, actor = 'system'): Promise<void> {
    await this.requireAgency(code);
    if (publicKeyPem !== null) {
      try {
        const key = crypto.createPublicKey(publicKeyPem);
        if (key.asymmetricKeyType !== 'rsa') throw new Error('not rsa');
      } catch {
        throw new ValidationError('rs256PublicKey: không phải khóa công khai RSA dạng PEM (not an RSA public key in PEM)', 'rs256PublicKey');
      }
    }
    const now = this.clock();
    await writeTransaction(this.knex, async (trx) => {
      await this.store.updateAgency(code, { rs256PublicKey: publicKeyPem }, now, trx);
      await this.store.audit(trx, code, actor, 'agency.host-key', code, { registered: publicKeyPem !== null }, now);
    });
    this.invalidate(code);
  }

  async requireAgency(code: string): Promise<AgencyRow> {
    const a = await this.store.getAgency(code);
    if (!a) throw new NotFoundError(messages.notFound(code), 'agency_not_found');
    return a;
  }

  getAgency(code: string): Promise<AgencyRow | null> {
    return this.store.getAgency(code);
  }

  listAgencies(): Promise<AgencyRow[]> {
    return this.store.listAgencies();
  }

  validSecrets(code: string): Promise<string[]> {
    return this.store.validSecrets(code, this.clock()).then((rows) => rows.map((r) => r.secret));
  }

  /** The newest valid secret of an agency: what the CLI's `token` and `demo` sign user tokens with. */
  async currentSecret(code: string): Promise<string> {
    await this.requireAgency(code);
    const [newest] = await this.store.validSecrets(code, this.clock());
    if (!newest) throw new NotFoundError(`Cơ quan "${code}" không còn khóa bí mật hợp lệ, hãy chạy agency rotate-secret (agency has no valid secret)`, 'secret_not_found');
    return newest.secret;
  }

  async getSettings(code: string): Promise<AgencySettings> {
    await this.requireAgency(code);
    const raw = await this.store.getSettingsJson(code);
    return { ...DEFAULT_SETTINGS, ...(raw as Partial<AgencySettings> | null) };
  }

  /** Replaces settings (PUT semantics: keys left out keep their value); unknown keys and wrong types are a 400 naming them. */
  async putSettings(code: string, raw: unknown, actor: string): Promise<AgencySettings> {
    const current = await this.getSettings(code);
    const patch = validateSettings(raw, { partial: true });
    const next = validateSettings({ ...current, ...patch });
    const now = this.clock();
    await writeTransaction(this.knex, async (trx) => {
      await this.store.putSettingsJson(trx, code, next, actor, now);
      // The host origins and time zone also live on the agency, for the webhook and the panels' frame-ancestors.
      await this.store.updateAgency(code, { hostOrigins: next.hostOrigins, timeZone: next.timeZone }, now, trx);
      await this.store.audit(trx, code, actor, 'settings.put', code, { before: current, after: next }, now);
    });
    this.invalidate(code);
    return next;
  }

  /**
   * The agency's scoring profile: a custom one stored in kpi_profiles (newest version) when
   * the settings name one, else the built-in of that id.
   */
  async profile(code: string): Promise<ScoringProfile> {
    const settings = await this.getSettings(code);
    const row = await this.knex('kpi_profiles').where({ agency_code: code, id: settings.profile }).orderBy('version', 'desc').first('params');
    const custom = row ? [validateProfile(parseJson<unknown>(row.params, null))] : [];
    return getProfile(settings.profile, custom);
  }

  catalogue(code: string): Promise<StoredWorkItem[]> {
    return this.store.currentCatalogue(code);
  }

  async saveCatalogue(code: string, items: WorkItem[], actor: string): Promise<string[]> {
    await this.requireAgency(code);
    const now = this.clock();
    const changed = await writeTransaction(this.knex, async (trx) => {
      const c = await this.store.saveCatalogue(trx, code, items, now);
      await this.store.audit(trx, code, actor, 'catalogue.save', code, { changed: c }, now);
      return c;
    });
    this.invalidate(code);
    return changed;
  }

  rules(code: string): Promise<MappingRule[]> {
    return this.store.rules(code);
  }

  async replaceRules(code: string, rules: MappingRule[], actor: string): Promise<void> {
    const catalogue = await this.store.currentCatalogue(code);
    const problems = validateRules(rules, catalogue);
    if (problems.length > 0) throw new ValidationError(messages.badRules(problems.map((p) => p.message).join('; ')), 'rules');
    const now = this.clock();
    await writeTransaction(this.knex, async (trx) => {
      await this.store.replaceRules(trx, code, rules, now);
      await this.store.audit(trx, code, actor, 'rules.replace', code, { count: rules.length }, now);
    });
    this.invalidate(code);
  }

  /** Settings, rules and catalogue of an agency, cached briefly: the intake reads them for every batch. */
  context(code: string): Promise<AgencyContext> {
    const hit = this.contexts.get(code);
    const nowMs = Date.now();
    if (hit && nowMs - hit.at < this.ttl) return hit.ctx;
    const ctx = (async () => {
      const agency = await this.requireAgency(code);
      const [settings, rules, items, secrets] = await Promise.all([this.getSettings(code), this.store.rules(code), this.store.currentCatalogue(code), this.store.validSecrets(code, this.clock())]);
      return { agency, settings, rules, catalogue: new Map(items.map((i) => [i.code, i])), items, secrets };
    })();
    this.contexts.set(code, { at: nowMs, ctx });
    ctx.catch(() => this.contexts.delete(code));
    return ctx;
  }

  /** The agency from the cached context (null when there is none): token checks read it on every call. */
  async cachedAgency(code: string): Promise<AgencyRow | null> {
    try {
      return (await this.context(code)).agency;
    } catch (e) {
      if (e instanceof NotFoundError) return null;
      throw e;
    }
  }

  /** The secrets valid now, from the cached context: an expiry is honoured to the second, a rotation here at once. */
  async cachedSecrets(code: string): Promise<string[]> {
    const now = this.clock().getTime();
    return (await this.context(code)).secrets.filter((s) => s.expiresAt === null || s.expiresAt.getTime() > now).map((s) => s.secret);
  }

  invalidate(code: string): void {
    this.contexts.delete(code);
  }

  async audit(code: string, actor: string, action: string, target: string | null, details?: unknown): Promise<void> {
    await this.store.audit(this.knex, code, actor, action, target, details, this.clock());
  }
}

function newSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}
