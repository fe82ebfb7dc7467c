/** Agencies (tenants), their secrets, settings, custom scoring profiles and used token ids. */

export interface AgencyRecord {
  code: string;
  name: string;
  timeZone: string;
  issuer: string;
  hostOrigins: string[];
  rs256PublicKey: string | null;
  createdAt: Date;
}

export interface SecretRecord { id: number; secret: string; createdAt: Date; expiresAt: Date | null }

export type AgencyPatch = Partial<Pick<AgencyRecord, 'name' | 'timeZone' | 'issuer' | 'hostOrigins' | 'rs256PublicKey'>>;

export interface AgencyStore {
  get(code: string): Promise<AgencyRecord | null>;
  list(): Promise<AgencyRecord[]>;
  /** Adds the agency (and the lock row of its journal's roll-ups). */
  insert(a: Omit<AgencyRecord, 'createdAt'>, now: Date): Promise<void>;
  update(code: string, patch: AgencyPatch, now: Date): Promise<void>;
  insertSecret(code: string, secret: string, now: Date): Promise<void>;
  /** Ends every secret still valid after `expiresAt` (the overlap window of a rotation). */
  expireSecretsAfter(code: string, expiresAt: Date): Promise<void>;
  /** The secrets valid at `now`, newest first. */
  validSecrets(code: string, now: Date): Promise<SecretRecord[]>;
  settingsJson(code: string): Promise<unknown | null>;
  putSettingsJson(code: string, settings: unknown, actor: string, now: Date): Promise<void>;
  /** The newest stored parameters of a custom scoring profile, or null. */
  customProfile(code: string, profileId: string): Promise<unknown | null>;
  /** Records a webhook token id; false when it was already used within its lifetime. */
  useTokenId(code: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Records the token ids of concurrent calls at once; in order, whether each was new (an id twice in the list: new at most once). */
  useTokenIds(code: string, ids: ReadonlyArray<{ jti: string; expiresAt: Date }>, now: Date): Promise<boolean[]>;
}
