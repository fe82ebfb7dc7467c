import type { Knex } from 'knex';
import { createServeApp, startServer, type RunningServer } from '../../src/cli/serve';
import { registerHostOrigins } from '../../src/cli/demo';
import { installDemo, type InstalledDemo } from '../../src/demo/demo-setup';
import { demoPeople, type DemoPersonKey } from '../../src/demo/demo-people';
import { createMockHost, hostOriginsOf } from '../../src/demo/mock-host';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { freshDb, silentLogger } from './harness';

/**
 * What `npm start` serves, in process: the demo agency installed on a fresh test database
 * (SQLite, or KPI_TEST_DB), the plugin at / with the mock E-Office in front of it, on a free
 * port of 127.0.0.1, the agency registering that server's origins. The clock is fixed, so the
 * month's extras (pending entries, classes, a failed event) are always there.
 */
export const DEMO_NOW = new Date('2026-03-13T10:00:00+07:00'); // a Friday
export const DEMO_END_DAY = '2026-03-13';
export const DEMO_CODE = 'ubnd-hac-thanh';

export interface DemoServer {
  knex: Knex;
  plugin: KpiPlugin;
  demo: InstalledDemo;
  running: RunningServer;
  /** http://127.0.0.1:<port>, one of the origins the agency registers */
  origin: string;
  /** The demo person of a role. */
  person(key: DemoPersonKey): ReturnType<typeof demoPeople>[number]['user'];
  close(): Promise<void>;
}

export async function startDemoServer(opts: { weeks?: number } = {}): Promise<DemoServer> {
  const knex = await freshDb();
  const clock = () => DEMO_NOW;
  const plugin = await createKpiPlugin({ knex, logger: silentLogger, clock });
  const demo = await installDemo(plugin.services, { agency: DEMO_CODE, name: 'UBND phường Hạc Thành', endDay: DEMO_END_DAY, weeks: opts.weeks ?? 2, now: DEMO_NOW });
  const host = createMockHost({ agency: DEMO_CODE, agencyName: 'UBND phường Hạc Thành', data: demo.data, pluginBase: '', currentSecret: (c) => plugin.services.agencies.currentSecret(c) });
  const running = await startServer(createServeApp(plugin, '', host), { port: 0, basePath: '', host: '127.0.0.1' });
  await registerHostOrigins(plugin, DEMO_CODE, hostOriginsOf(running.port));
  const people = demoPeople(demo.data);
  return {
    knex, plugin, demo, running,
    origin: `http://127.0.0.1:${running.port}`,
    person: (key) => people.find((p) => p.key === key)!.user,
    close: async () => {
      await running.close(1000);
      await knex.destroy();
    },
  };
}

/** Starts the demo server before the enclosing suite and closes it after; returns its getter. */
export function useDemoServer(opts: { weeks?: number } = {}): () => DemoServer {
  let d: DemoServer | undefined;
  before(async () => {
    d = await startDemoServer(opts);
  });
  after(async () => {
    await d?.close();
  });
  return () => {
    if (!d) throw new Error('the demo server has not started');
    return d;
  };
}
