/** One line of the audit trail, written in the same transaction as the change it records. */
export interface AuditRecord {
  agency: string;
  actor: string;
  action: string;
  target: string | null;
  details?: unknown;
  at: Date;
}

export interface AuditStore {
  record(r: AuditRecord): Promise<void>;
}
