/**
 * Who is asking, as a verified token says (the agency is never taken from anywhere else),
 * and the small vocabularies shared by every ring: roles, locales, the daily cap's policy.
 */

export const ROLES = ['official', 'leader', 'hr', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'vi';

/** What happens to a day whose logged minutes pass the cap: scaled down (`clip`) or only flagged (`warn`). */
export const CAP_POLICIES = ['clip', 'warn'] as const;
export type CapPolicy = (typeof CAP_POLICIES)[number];

export interface Principal {
  userId: string;
  agency: string;
  name: string;
  unit: string | null;
  roles: Role[];
  locale: Locale;
}

export function hasRole(p: Pick<Principal, 'roles'>, ...roles: Role[]): boolean {
  return roles.some((r) => p.roles.includes(r));
}
