import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freshDemo, runCli, TEST_PG, type CliRun } from '../helpers/cli';

/** `eoffice-kpi score` as a user runs it: the compiled CLI on a temporary database. */
const PG = TEST_PG;
type Run = CliRun;

describe(`e2e: eoffice-kpi score (${PG ? 'postgres' : 'sqlite'})`, function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-score-'));
  const dbUrl = PG ?? `sqlite:${path.join(tmp, 'x.sqlite')}`;

  const cli = (args: string[]): Promise<Run> => runCli(args, { dbUrl, cwd: tmp });

  before(async () => {
    // The demo agency with six weeks of events ending on 2026-03-13.
    const demo = await freshDemo({ dbUrl, cwd: tmp }, '2026-03-13');
    expect(demo.code, demo.stderr).to.equal(0);
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('when a month is scored, then every official is listed with R, G, S and a class, and the score is provisional', async () => {
    const r = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', '2026-03', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const body = JSON.parse(r.stdout) as { period: string; closed: unknown; scores: Array<{ userId: string; provisional: boolean; total: number; profile: { id: string } }> };
    expect(body.period).to.equal('2026-03');
    expect(body.closed).to.equal(null);
    expect(body.scores.length).to.equal(25);
    expect(body.scores.every((s) => s.provisional && s.profile.id === 'nd335')).to.equal(true);
    const table = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', '2026-03']);
    expect(table.stdout).to.match(/Kỳ 2026-03: 25 cán bộ/);
  });

  it('when a bad period or --apply-quota without --close is given, then exit 2 naming the option', async () => {
    const bad = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', '2026-13']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--period/);
    const quota = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', '2026-03', '--apply-quota']);
    expect(quota.code).to.equal(2);
    expect(quota.stderr).to.match(/--apply-quota/);
  });

  it('when an unknown agency is scored, then exit 1 naming it', async () => {
    const r = await cli(['score', '--agency', 'khong-co', '--period', '2026-03']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/khong-co/);
  });

  it('when the month is closed, then its scores are frozen and final, and closing again is refused', async () => {
    const r = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', '2026-02', '--close', '--apply-quota', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const body = JSON.parse(r.stdout) as { closed: { period: string; scored: number }; scores: Array<{ provisional: boolean }> };
    expect(body.closed.period).to.equal('2026-02');
    expect(body.closed.scored).to.equal(25);
    expect(body.scores.every((s) => !s.provisional)).to.equal(true);
    const again = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', '2026-02', '--close']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/đã khóa sổ/);
  });

  it('when the running month is closed, then exit 1 naming its last day; --force needs --reason (exit 2); forced with a reason it closes', async () => {
    const month = new Date().toISOString().slice(0, 7); // the demo agency's clock is the real one: this month is running
    const running = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', month, '--close']);
    expect(running.code, running.stderr).to.equal(1);
    expect(running.stderr).to.match(/chưa kết thúc/);
    const noReason = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', month, '--close', '--force']);
    expect(noReason.code).to.equal(2);
    expect(noReason.stderr).to.match(/--reason/);
    const forced = await cli(['score', '--agency', 'ubnd-hac-thanh', '--period', month, '--close', '--force', '--reason', 'Chuyển công tác cuối tháng', '--json']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect((JSON.parse(forced.stdout) as { closed: { period: string; forced: boolean } }).closed).to.include({ period: month, forced: true });
  });
});
