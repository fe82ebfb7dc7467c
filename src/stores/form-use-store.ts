/**
 * The panel form tokens that have been used (each works once), with the result their first
 * use showed. Kept in the database so that every instance behind a load balancer agrees.
 */
export interface FormUse {
  /** True when this call recorded the token's first use; false when it had been used before. */
  first: boolean;
  /** The first use's result (JSON), null while that use is still running or when it recorded none. */
  result: string | null;
}

export interface FormUseStore {
  /** Records the use of `token` (a digest of the form token) unless it was used before. */
  claim(agency: string, token: string, now: Date): Promise<FormUse>;
  /** Stores what the first use showed. */
  finish(agency: string, token: string, result: string): Promise<void>;
  /** Forgets a use whose action was refused (nothing changed), so the form may be sent again once corrected. */
  release(agency: string, token: string): Promise<void>;
  /** Deletes uses recorded before `before` (their context tokens have expired); returns how many. */
  sweep(before: Date): Promise<number>;
}
