import crypto from 'node:crypto';
import { DEFAULT_SETTINGS, type AgencySettings } from '../contract/events';
import { validateSettings } from '../contract/settings-validator';
import { ConfigError, ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import { isValidTimeZone } from '../domain/time';
import { cloneCatalogue, type WorkItem } from '../rules/catalogue';
import { cloneRules, validateRules, type MappingRule } from '../rules/mapping';
import { versionOn } from '../rules/work-item-input';
import { getProfile, validateProfile, type ScoringProfile } from '../scoring/profiles';
import type { AgencyRecord, SecretRecord, StoredWorkItem, Stores, UnitOfWork } from '../stores';
import { KEPT_READ_TTL_MS, keptReads, type ReadCache, type WriteGenerations } from './read-cache';

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
  agency: AgencyRecord;
  settings: AgencySettings;
  rules: MappingRule[];
  catalogue: Map<string, StoredWorkItem>;
  /** The same items as a list, built once per load (the planner caches its lookups per list). */
  items: StoredWorkItem[];
  /** Secrets not yet expired when loaded; filter by the clock at use (see cachedSecrets). */
  secrets: SecretRecord[];
  /** Every version of every item, by code (oldest first): an entry of a day is made with the version in force on it (`catalogueOn`). */
  versions: Map<string, StoredWorkItem[]>;
  /** The catalogue in force per local day, built once per day asked for (the planner caches its lookups per list). */
  byDay: Map<string, StoredWorkItem[]>;
  /** The latest first day of any version (null: every version applies from the beginning): from that day on, `items` apply. */
  latestFrom: string | null;
}

/**
 * The items in force on a local day: for each code, the highest version whose first day is not
 * after `day` (docs/catalogue.md). The latest versions (`ctx.items`) when they all apply already.
 */
export function catalogueOn(ctx: Pick<AgencyContext, 'items' | 'versions' | 'byDay' | 'latestFrom'>, day: string): StoredWorkItem[] {
  if (ctx.latestFrom === null || day >= ctx.latestFrom) return ctx.items;
  const hit = ctx.byDay.get(day);
  if (hit) return hit;
  const list: StoredWorkItem[] = [];
  for (const versions of ctx.versions.values()) {
    const v = versionOn(versions, day);
    if (v) list.push(v);
  }
  if (ctx.byDay.size > 400) ctx.byDay.clear();
  ctx.byDay.set(day, list);
  return list;
}

/** The version of one item in force on a local day, or undefined. */
export function itemOn(ctx: Pick<AgencyContext, 'versions'>, code: string, day: string): StoredWorkItem | undefined {
  const versions = ctx.versions.get(code);
  return versions ? versionOn(versions, day) : undefined;
}

export interface AgencyServiceDeps {
  uow: UnitOfWork;
  clock?: () => Date;
  /** How long a loaded agency context is reused before it is read again (other processes may have changed it). */
  contextTtlMs?: number;
  /** When given, the agency row, its settings and its current catalogue are kept until the next write transaction of the process (or contextTtlMs). */
  generations?: WriteGenerations;
  /**
   * The time zone of an agency added without one (the CLI passes KPI_TZ). Default Asia/Ho_Chi_Minh.
   * Only new agencies take it: an agency keeps the zone it was added with until its settings change it.
   */
  defaultTimeZone?: string;
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
  private readonly uow: UnitOfWork;
  private readonly clock: () => Date;
  private readonly ttl: number;
  private readonly defaultTimeZone: string;
  private readonly contexts = new Map<string, { at: number; ctx: Promise<AgencyContext> }>();

  constructor(deps: AgencyServiceDeps) {
    this.uow = deps.uow;
    this.clock = deps.clock ?? (() => new Date());
    this.ttl = deps.contextTtlMs ?? KEPT_READ_TTL_MS;
    this.defaultTimeZone = deps.defaultTimeZone ?? DEFAULT_SETTINGS.timeZone;
    if (!isValidTimeZone(this.defaultTimeZone)) throw new ConfigError('defaultTimeZone', messages.badTz(this.defaultTimeZone));
    this.kept = keptReads<unknown>({ generations: deps.generations, cacheTtlMs: this.ttl }, 256);
  }

  /** Reads kept until the next write transaction (a page reads the settings a dozen times). */
  private readonly kept: ReadCache<unknown> | null;
  private keep<T>(key: string, make: () => Promise<T>): Promise<T> {
    return this.kept === null ? make() : (this.kept.get(key, make) as Promise<T>);
  }

  private get store(): Stores {
    return this.uow.read;
  }

  /**
   * Adds an agency with a fresh secret, the default settings, catalogue and mapping rules. The secret is returned once.
   * Without `timeZone`, the agency takes the service's default time zone (KPI_TZ in the CLI).
   */
  async addAgency(input: { code: string; name: string; hostOrigins?: string[]; issuer?: string; timeZone?: string; rs256PublicKey?: string | null }): Promise<{ agency: string; secret: string; issuer: string }> {
    const code = input.code.trim();
    if (!AGENCY_CODE_RE.test(code)) throw new ValidationError(messages.badCode(code), 'code');
    const name = input.name.normalize('NFC').trim();
    if (!name) throw new ValidationError(messages.badName, 'name');
    const timeZone = input.timeZone ?? this.defaultTimeZone;
    if (!isValidTimeZone(timeZone)) throw new ValidationError(messages.badTz(timeZone), 'timeZone');
    const hostOrigins = (input.hostOrigins ?? []).map(normaliseOrigin);
    const issuer = input.issuer?.trim() || DEFAULT_ISSUER;
    if (await this.store.agencies.get(code)) throw new ConflictError(messages.exists(code), 'agency_exists');
    const secret = newSecret();
    const now = this.clock();
    const settings: AgencySettings = { ...DEFAULT_SETTINGS, timeZone, hostOrigins };
    await this.uow.write(async (tx) => {
      await tx.agencies.insert({ code, name, timeZone, issuer, hostOrigins, rs256PublicKey: input.rs256PublicKey ?? null }, now);
      await tx.agencies.insertSecret(code, secret, now);
      await tx.agencies.putSettingsJson(code, settings, 'system', now);
      await tx.catalogue.save(code, cloneCatalogue(), now);
      await tx.catalogue.replaceRules(code, cloneRules(), now);
      await tx.audit.record({ agency: code, actor: 'system', action: 'agency.add', target: code, details: { name, issuer, hostOrigins }, at: now });
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
    await this.uow.write(async (tx) => {
      await tx.agencies.expireSecretsAfter(code, until);
      await tx.agencies.insertSecret(code, secret, now);
      await tx.audit.record({ agency: code, actor, action: 'agency.rotate-secret', target: code, details: { previousValidUntil: until.toISOString() }, at: now });
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
    await this.uow.write(async (tx) => {
      await tx.agencies.update(code, { rs256PublicKey: publicKeyPem }, now);
      await tx.audit.record({ agency: code, actor, action: 'agency.host-key', target: code, details: { registered: publicKeyPem !== null }, at: now });
    });
    this.invalidate(code);
  }

  async requireAgency(code: string): Promise<AgencyRecord> {
    const a = await this.keep(`agency\u0000${code}`, () => this.store.agencies.get(code));
    if (!a) throw new NotFoundError(messages.notFound(code), 'agency_not_found');
    return { ...a };
  }

  getAgency(code: string): Promise<AgencyRecord | null> {
    return this.store.agencies.get(code);
  }

  listAgencies(): Promise<AgencyRecord[]> {
    return this.store.agencies.list();
  }

  validSecrets(code: string): Promise<string[]> {
    return this.store.agencies.validSecrets(code, this.clock()).then((rows) => rows.map((r) => r.secret));
  }

  /** The newest valid secret of an agency: what the CLI's `token` and `demo` sign user tokens with. */
  async currentSecret(code: string): Promise<string> {
    await this.requireAgency(code);
    const [newest] = await this.store.agencies.validSecrets(code, this.clock());
    if (!newest) throw new NotFoundError(`Cơ quan "${code}" không còn khóa bí mật hợp lệ, hãy chạy agency rotate-secret (agency has no valid secret)`, 'secret_not_found');
    return newest.secret;
  }

  async getSettings(code: string): Promise<AgencySettings> {
    await this.requireAgency(code);
    const raw = await this.keep(`settings\u0000${code}`, () => this.store.agencies.settingsJson(code));
    return { ...DEFAULT_SETTINGS, ...(raw as Partial<AgencySettings> | null) };
  }

  /** Replaces settings (PUT semantics: keys left out keep their value); unknown keys and wrong types are a 400 naming them. */
  async putSettings(code: string, raw: unknown, actor: string): Promise<AgencySettings> {
    const current = await this.getSettings(code);
    const patch = validateSettings(raw, { partial: true });
    const next = validateSettings({ ...current, ...patch });
    const now = this.clock();
    await this.uow.write(async (tx) => {
      await tx.agencies.putSettingsJson(code, next, actor, now);
      // The host origins and time zone also live on the agency, for the webhook and the panels' frame-ancestors.
      await tx.agencies.update(code, { hostOrigins: next.hostOrigins, timeZone: next.timeZone }, now);
      await tx.audit.record({ agency: code, actor, action: 'settings.put', target: code, details: { before: current, after: next }, at: now });
    });
    this.invalidate(code);
    return next;
  }

  /**
   * The agency's scoring profile: a custom one stored for the agency (newest version) when
   * the settings name one, else the built-in of that id.
   */
  async profile(code: string): Promise<ScoringProfile> {
    const settings = await this.getSettings(code);
    const params = await this.store.agencies.customProfile(code, settings.profile);
    const custom = params === null ? [] : [validateProfile(params)];
    return getProfile(settings.profile, custom);
  }

  async catalogue(code: string): Promise<StoredWorkItem[]> {
    return (await this.keep(`catalogue\u0000${code}`, () => this.store.catalogue.current(code))).slice();
  }

  /** The items in force on a local day (a manual entry of that day is made with them). */
  async catalogueOn(code: string, day: string): Promise<StoredWorkItem[]> {
    return catalogueOn(await this.context(code), day);
  }

  async saveCatalogue(code: string, items: WorkItem[], actor: string): Promise<string[]> {
    await this.requireAgency(code);
    const now = this.clock();
    const changed = await this.uow.write(async (tx) => {
      const c = await tx.catalogue.save(code, items, now);
      await tx.audit.record({ agency: code, actor, action: 'catalogue.save', target: code, details: { changed: c }, at: now });
      return c;
    });
    this.invalidate(code);
    return changed;
  }

  rules(code: string): Promise<MappingRule[]> {
    return this.store.catalogue.rules(code);
  }

  async replaceRules(code: string, rules: MappingRule[], actor: string): Promise<void> {
    const catalogue = await this.store.catalogue.current(code);
    const problems = validateRules(rules, catalogue);
    if (problems.length > 0) throw new ValidationError(messages.badRules(problems.map((p) => p.message).join('; ')), 'rules');
    const now = this.clock();
    await this.uow.write(async (tx) => {
      await tx.catalogue.replaceRules(code, rules, now);
      await tx.audit.record({ agency: code, actor, action: 'rules.replace', target: code, details: { count: rules.length }, at: now });
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
      const [settings, rules, history, secrets] = await Promise.all([this.getSettings(code), this.store.catalogue.rules(code), this.store.catalogue.history(code), this.store.agencies.validSecrets(code, this.clock())]);
      const versions = new Map<string, StoredWorkItem[]>();
      for (const v of history) {
        const list = versions.get(v.code);
        if (list) list.push(v);
        else versions.set(v.code, [v]);
      }
      const items = [...versions.values()].map((vs) => vs[vs.length - 1]!);
      const latestFrom = history.reduce<string | null>((m, v) => (v.validFrom !== null && (m === null || v.validFrom > m) ? v.validFrom : m), null);
      return { agency, settings, rules, catalogue: new Map(items.map((i) => [i.code, i])), items, secrets, versions, byDay: new Map(), latestFrom };
    })();
    this.contexts.set(code, { at: nowMs, ctx });
    ctx.catch(() => this.contexts.delete(code));
    return ctx;
  }

  /** The agency from the cached context (null when there is none): token checks read it on every call. */
  async cachedAgency(code: string): Promise<AgencyRecord | null> {
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
    await this.store.audit.record({ agency: code, actor, action, target, details, at: this.clock() });
  }

  /** Records a webhook token id; false when it was already used within its lifetime. */
  useTokenId(code: string, jti: string, expiresAt: Date): Promise<boolean> {
    return this.store.agencies.useTokenId(code, jti, expiresAt, this.clock());
  }

  /** Records the token ids of concurrent webhook calls of one agency at once; in order, whether each was new. */
  useTokenIds(code: string, ids: ReadonlyArray<{ jti: string; expiresAt: Date }>): Promise<boolean[]> {
    return this.store.agencies.useTokenIds(code, ids, this.clock());
  }
}

function newSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}
