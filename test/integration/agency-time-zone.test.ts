import { expect } from 'chai';
import type { Knex } from 'knex';
import { parseDbUrl } from '../../src/db/connection';
import { ConfigError } from '../../src/domain/errors';
import { createKpiPlugin } from '../../src/index';
import { freshDb, silentLogger, testDbUrl, testDialect } from '../helpers/harness';

/**
 * The default time zone of a new agency (KPI_TZ in the CLI, `defaultTimeZone` in process;
 * docs/integrators.md (configuration)): an agency added without a zone takes it, a zone given
 * wins, and it must be a real IANA zone.
 */
describe(`the default time zone of a new agency on ${testDialect()} (${parseDbUrl(testDbUrl()).display})`, function () {
  this.timeout(60000);
  let knex: Knex;

  before(async () => { knex = await freshDb(); });
  after(async () => { await knex?.destroy(); });

  it('when the plugin is made with defaultTimeZone, then an agency added without a zone takes it and one added with a zone keeps its own', async () => {
    const { agencies } = (await createKpiPlugin({ knex, migrate: false, logger: silentLogger, defaultTimeZone: 'Europe/Paris' })).services;
    await agencies.addAgency({ code: 'tz-default', name: 'Cơ quan theo mặc định' });
    await agencies.addAgency({ code: 'tz-given', name: 'Cơ quan có múi giờ', timeZone: 'Asia/Tokyo' });
    expect([(await agencies.requireAgency('tz-default')).timeZone, (await agencies.getSettings('tz-default')).timeZone]).to.deep.equal(['Europe/Paris', 'Europe/Paris']);
    expect([(await agencies.requireAgency('tz-given')).timeZone, (await agencies.getSettings('tz-given')).timeZone]).to.deep.equal(['Asia/Tokyo', 'Asia/Tokyo']);
    const plain = (await createKpiPlugin({ knex, migrate: false, logger: silentLogger })).services.agencies;
    await plain.addAgency({ code: 'tz-plain', name: 'Cơ quan không cấu hình' });
    expect((await plain.getSettings('tz-plain')).timeZone).to.equal('Asia/Ho_Chi_Minh');
    expect((await plain.getSettings('tz-default')).timeZone, 'an agency keeps the zone it was added with').to.equal('Europe/Paris');
  });

  it('when defaultTimeZone is not a real IANA zone, then the plugin is not made and the error names it', async () => {
    const e = await createKpiPlugin({ knex, migrate: false, logger: silentLogger, defaultTimeZone: 'Mars/Olympus' }).then(() => null, (err: unknown) => err);
    expect(e).to.be.instanceOf(ConfigError);
    expect((e as ConfigError).message).to.match(/^defaultTimeZone: .*Mars\/Olympus/);
  });
});
