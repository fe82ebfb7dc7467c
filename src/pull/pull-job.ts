import type { PullSettings } from '../contract/events';
import { parseDbUrl } from '../db/connection';
import { ConfigError } from '../domain/errors';
import type { Job } from '../services/job-runner';
import { checkIdentifier, HostView } from './host-view';
import { pullOnce, sourceKey, type PullDeps, type PullRun, type PullTotals } from './puller';

/** An agency's pull, ready to run: the settings with the command line's overrides applied. */
export interface PullConfig {
  /** The connection string (resolved from `env:VARIABLE`). */
  url: string;
  /** The same without its password: what logs and the watermark's key show. */
  display: string;
  view: string;
  batch: number;
  everySeconds: number;
  columns: Record<string, string>;
}

/**
 * The agency's `pull` settings with overrides (`--source`, `--view`, `--batch`, `--every`);
 * `env:NAME` is read from the environment. Null when no source is set.
 */
export function resolvePullConfig(settings: PullSettings, overrides: Partial<Pick<PullSettings, 'source' | 'view' | 'batch' | 'every'>>, env: Record<string, string | undefined>): PullConfig | null {
  const source = overrides.source ?? settings.source;
  if (source.trim() === '') return null;
  let url = source;
  let variable = overrides.source !== undefined ? '--source' : 'pull.source';
  const named = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(source.trim());
  if (named) {
    variable = named[1]!;
    url = env[variable] ?? '';
    if (url.trim() === '') throw new ConfigError(variable, `pull.source trỏ tới biến môi trường ${variable} nhưng biến này trống (the variable pull.source names is not set)`);
  }
  const display = parseDbUrl(url, variable).display;
  const view = checkIdentifier(overrides.view ?? settings.view, overrides.view !== undefined ? '--view' : 'pull.view');
  return { url, display, view, batch: overrides.batch ?? settings.batch, everySeconds: overrides.every ?? settings.every, columns: { ...settings.columns } };
}

/** One run of an agency's pull: opens the view, takes what is new, closes it. */
export async function runPull(deps: PullDeps, agency: string, cfg: PullConfig, hooks: Pick<PullRun, 'beforePage' | 'afterRead' | 'onPage'> = {}): Promise<PullTotals> {
  const view = HostView.open(cfg.url, cfg.view, Object.keys(cfg.columns));
  try {
    return await pullOnce(deps, { agency, view, source: sourceKey(cfg.display, cfg.view), batch: cfg.batch, columns: cfg.columns, ...hooks });
  } finally {
    await view.close();
  }
}

/** The lease name of an agency's pull. */
export const pullJobName = (agency: string): string => `pull:${agency}`;

/** An agency's pull as a periodic job (serve --jobs, pull --every): it stops between pages when the lease is lost. */
export function pullJob(deps: PullDeps, agency: string, cfg: PullConfig, onDone?: (t: PullTotals) => void): Job {
  return {
    name: pullJobName(agency),
    everyMs: cfg.everySeconds * 1000,
    run: async (stillHeld) => {
      const totals = await runPull(deps, agency, cfg, { beforePage: stillHeld });
      onDone?.(totals);
    },
  };
}
