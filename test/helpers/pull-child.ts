/**
 * A pull in a process of its own, for the tests that kill it (test/e2e/pull-processes.test.ts):
 * `node pull-child.js <plugin db url> <host url> <view> <agency> <batch> <stop after page>`.
 * It pulls through the real connector; after reading page <stop after page> (0: never) it says
 * `READ <page>` on stdout and waits, between reading and storing, to be killed.
 */
import { openDb, parseDbUrl } from '../../src/db/connection';
import { createKpiPlugin } from '../../src/index';
import { runPull } from '../../src/pull/pull-job';
import { silentLogger } from './harness';

async function main(): Promise<void> {
  const [dbUrl, hostUrl, view, agency, batch, stopAfter] = process.argv.slice(2) as [string, string, string, string, string, string];
  const knex = openDb(parseDbUrl(dbUrl));
  const plugin = await createKpiPlugin({ knex, logger: silentLogger, migrate: false });
  let page = 0;
  const totals = await runPull({ uow: plugin.services.uow, intake: plugin.services.intake }, agency, {
    url: hostUrl, display: parseDbUrl(hostUrl).display, view, batch: Number(batch), everySeconds: 60, columns: {},
  }, {
    afterRead: async () => {
      if (++page !== Number(stopAfter)) return;
      process.stdout.write(`READ ${page}\n`);
      await new Promise(() => setInterval(() => undefined, 1000));
    },
  });
  process.stdout.write(`${JSON.stringify(totals)}\n`);
  await knex.destroy();
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
