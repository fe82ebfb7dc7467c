import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import type { Knex } from 'knex';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { buildServices, createKpiPlugin, type KpiPlugin } from '../../src/index';
import { runCli, type CliRun } from '../helpers/cli';
import { silentLogger } from '../helpers/harness';
import { expectRollupsMatchEntries } from '../helpers/rollups';

/**
 * Installing in minutes and changing the rules afterwards, through the command line:
 * `agency add` says the next steps, `test-event` sends one signed event to a running plugin,
 * and `rules replay` shows how the current rules would change the entries of stored events in
 * open periods, then writes them with --apply. A temporary SQLite file shared by the plugin
 * served here and the CLI processes.
 */
describe('e2e: agency add next steps, test-event and rules replay (command line)', function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-rules-'));
  const dbUrl = `sqlite:${path.join(tmp, 'kpi.sqlite')}`;
  let knex: Knex;
  let plugin: KpiPlugin;
  let server: http.Server;
  let base = '';
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runCli(args, { dbUrl, cwd: tmp, env });

  before(async () => {
    knex = openDb(parseDbUrl(dbUrl));
    plugin = await createKpiPlugin({ knex, logger: silentLogger });
    const app = express();
    app.use('/kpi', plugin.router);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kpi`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await knex.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('when an agency is added, then the output says the host origin, the webhook address and a ready test command', async () => {
    const r = await cli(['agency', 'add', 'so-tu-phap', '--name', 'Sở Tư pháp', '--issuer', 'eoffice-tp'], { PORT: '3999', KPI_BASE_PATH: '/kpi' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Các bước tiếp theo (next steps):');
    expect(r.stdout).to.contain('Đăng ký địa chỉ hệ thống chủ');
    expect(r.stdout).to.contain('http://localhost:3999/kpi/events');
    expect(r.stdout).to.contain('iss = eoffice-tp');
    expect(r.stdout).to.contain('eoffice-kpi test-event --agency so-tu-phap --url http://localhost:3999/kpi/events');
  });

  it('when the test command is run against the served plugin, then the event arrives signed and is kept, and a wrong address fails', async () => {
    const r = await cli(['test-event', '--agency', 'so-tu-phap', '--url', `${base}/events`]);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/→ 202 \{"accepted":1,"duplicates":0,"rejected":\[\]\}/);
    const types = await plugin.services.intake.eventTypes('so-tu-phap');
    expect(types.map((t) => [t.type, t.received, t.failed])).to.deep.equal([['kpi.connection-test', 1, 0]]);
    const bad = await cli(['test-event', '--agency', 'so-tu-phap', '--url', `${base}/nowhere`]);
    expect(bad.code).to.equal(1);
  });

  it('when a rule changes, then replay shows the difference for open periods only, writes nothing, and --apply writes it', async () => {
    const drafted = (id: string, occurredAt: string) => ({
      id, type: 'document.drafted', occurredAt, agency: 'so-tu-phap', actor: { id: 'cv-1' },
      subject: { kind: 'document', id: `VB-${id}`, title: 'Công văn', docType: 'cong-van', urgency: 'khan' }, data: { role: 'main' },
    });
    const signed = (id: string) => ({ ...drafted(id, '2026-03-11T08:00:00+07:00'), type: 'document.signed', data: {} });
    expect((await plugin.ingest([drafted('d-jan', '2026-01-12T09:00:00+07:00'), drafted('d-mar', '2026-03-12T09:00:00+07:00'), signed('s-mar')])).accepted).to.equal(3);
    await plugin.services.scoring.close('so-tu-phap', '2026-01', { applyQuota: false, actor: 'hr-1', force: true, reason: 'kiểm thử' });
    const rules = plugin.services.rules;
    const drafting = await rules.get('so-tu-phap', 'doc-drafted-cong-van');
    await rules.save('so-tu-phap', 'doc-drafted-cong-van', { ...drafting, workItemCode: 'CV-09' }, 'admin-1');
    await rules.setActive('so-tu-phap', 'doc-signed', false, 'admin-1');
    const entries = async () => (await knex('kpi_journal_entries').where({ agency_code: 'so-tu-phap' }).orderBy('event_id').select('event_id', 'work_item_code', 'minutes'))
      .map((e) => `${e.event_id} ${e.work_item_code} ${Number(e.minutes)}`);
    const before = await entries();
    expect(before).to.deep.equal(['d-jan CV-04 72', 'd-mar CV-04 72', 's-mar LD-01 15']);

    const dry = await cli(['rules', 'replay', '--agency', 'so-tu-phap', '--from', '2026-01-01', '--to', '2026-03-31', '--json']);
    expect(dry.code, dry.stderr).to.equal(0);
    const diff = JSON.parse(dry.stdout) as { events: number; skippedClosed: number; applied: boolean; changes: Array<{ eventId: string; change: string; before: { workItemCode: string } | null; after: { workItemCode: string; minutes: number } | null }> };
    expect([diff.events, diff.skippedClosed, diff.applied]).to.deep.equal([2, 1, false]);
    expect(diff.changes.map((c) => `${c.eventId} ${c.change} ${c.before?.workItemCode ?? '-'} → ${c.after ? `${c.after.workItemCode} ${c.after.minutes}` : '-'}`).sort())
      .to.deep.equal(['d-mar changed CV-04 → CV-09 36', 's-mar removed LD-01 → -']);
    expect(await entries(), 'a dry run writes nothing').to.deep.equal(before);
    const text = await cli(['rules', 'replay', '--agency', 'so-tu-phap', '--from', '2026-03-01', '--to', '2026-03-31']);
    expect(text.stdout).to.contain('Chưa ghi gì; chạy lại với --apply để ghi');

    // The daily roll-ups built first: --apply must keep them in step.
    expect(await buildServices({ knex }).uow.read.journal.ensureDays('so-tu-phap', { fail: 0.25, delay: 0.25 })).to.equal(true);
    await expectRollupsMatchEntries(knex, 'so-tu-phap');
    const applied = await cli(['rules', 'replay', '--agency', 'so-tu-phap', '--from', '2026-01-01', '--to', '2026-03-31', '--apply']);
    expect(applied.code, applied.stderr).to.equal(0);
    expect(applied.stdout).to.contain('Đã ghi các thay đổi');
    expect(await entries()).to.deep.equal(['d-jan CV-04 72', 'd-mar CV-09 36']);
    await expectRollupsMatchEntries(knex, 'so-tu-phap');
    const again = await cli(['rules', 'replay', '--agency', 'so-tu-phap', '--from', '2026-01-01', '--to', '2026-03-31', '--json']);
    expect((JSON.parse(again.stdout) as { changes: unknown[] }).changes).to.deep.equal([]);
    const audit = await knex('kpi_audit_log').where({ agency_code: 'so-tu-phap', action: 'rules.replay' }).select('actor');
    expect(audit.map((a: { actor: string }) => a.actor)).to.deep.equal(['cli']);
  });

  it('when failed events of two types are replayed by type, then only that type is taken', async () => {
    const bad = (id: string, type: string) => ({
      id, type, occurredAt: '2026-03-12T09:00:00+07:00', agency: 'so-tu-phap', actor: { id: 'lead-1' },
      subject: { kind: 'task', id: `NV-${id}`, title: 'Nhiệm vụ', dueAt: '2026-03-20T17:00:00+07:00' }, data: { assigneeId: 'cv-1', workItemCode: 'KHONG-CO' },
    });
    await plugin.ingest([bad('f-1', 'task.assigned'), bad('f-2', 'task.assigned')]);
    const r = await cli(['events', 'replay', '--agency', 'so-tu-phap', '--type', 'task.assigned']);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout.split('\n').filter((l) => l.includes('vẫn lỗi (still failed)')).map((l) => l.split(':')[0])).to.deep.equal(['f-1', 'f-2']);
    const none = await cli(['events', 'replay', '--agency', 'so-tu-phap', '--type', 'task.completed']);
    expect(none.stdout).to.not.contain('f-1');
    expect((await cli(['events', 'replay', '--agency', 'so-tu-phap', '--type', 'task.assigned', 'f-1'])).code).to.equal(2);
  });

  it('when the days are wrong, then it is a usage error naming the option', async () => {
    const r = await cli(['rules', 'replay', '--agency', 'so-tu-phap', '--from', '2026-13-01', '--to', '2026-03-31']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('--from');
  });
});
