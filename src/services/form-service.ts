import type { UnitOfWork } from '../stores';

/** Where a panel form sends the browser once it has done its work: a panel path and its query. */
export interface FormTarget {
  path: string;
  params: Record<string, string | undefined>;
}

/** How long a used form token is remembered: longer than any context token it can come with lives (15 minutes). */
export const FORM_USE_KEEP_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/**
 * Forms that cannot double (docs/hr.md): each form token works once. The first POST with a
 * token records it in the database (so every instance behind a load balancer agrees) before
 * it acts, and stores where it sent the browser; a second POST with the same token changes
 * nothing and is sent where the first was. A refused action (nothing changed) forgets the
 * token, so the corrected form may be sent again. A second POST that comes while the first
 * is still running gets no target (the caller shows the panel with a notice).
 */
export class FormService {
  private readonly uow: UnitOfWork;
  private readonly clock: () => Date;
  private lastSweep = 0;

  constructor(deps: { uow: UnitOfWork; clock?: () => Date }) {
    this.uow = deps.uow;
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Runs `run` for the first use of `token` (a digest of the form token) only. */
  async once(agency: string, token: string, run: () => Promise<FormTarget>): Promise<{ first: boolean; target: FormTarget | null }> {
    const forms = this.uow.read.formUses;
    const now = this.clock();
    const use = await forms.claim(agency, token, now);
    if (!use.first) return { first: false, target: parseTarget(use.result) };
    let target: FormTarget;
    try {
      target = await run();
    } catch (e) {
      await forms.release(agency, token);
      throw e;
    }
    await forms.finish(agency, token, JSON.stringify(target));
    if (now.getTime() - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now.getTime();
      await forms.sweep(new Date(now.getTime() - FORM_USE_KEEP_MS));
    }
    return { first: true, target };
  }
}

function parseTarget(raw: string | null): FormTarget | null {
  if (raw === null) return null;
  try {
    const t = JSON.parse(raw) as FormTarget;
    return typeof t?.path === 'string' && t.params !== null && typeof t.params === 'object' ? t : null;
  } catch {
    return null;
  }
}
