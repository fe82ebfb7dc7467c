import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, ValidationError } from '../../src/domain/errors';
import { DEFAULT_SETTINGS, KNOWN_EVENT_TYPES, PANEL_SLOTS, SETTINGS_KEYS, type PluginManifest } from '../../src/contract/events';
import { SCHEMA_FILES, eventSchemaFile, getValidator, validateAgainst } from '../../src/contract/ajv';
import { validateEvent } from '../../src/contract/event-validator';
import { loadManifest, validateManifest } from '../../src/contract/manifest-validator';
import { MANIFEST_PATH, PACKAGE_ROOT, SCHEMA_DIR, findPackageRoot, listSchemaFiles } from '../../src/contract/package-files';

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

/** Every value of `key` anywhere in a JSON document. */
function collect(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) node.forEach((n) => collect(n, key, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
  return out;
}

function manifestError(mutate: (m: Json) => void): ValidationError {
  const manifest = readJson(MANIFEST_PATH);
  mutate(manifest);
  try {
    validateManifest(manifest);
  } catch (e) {
    expect(e).to.be.instanceOf(ValidationError);
    return e as ValidationError;
  }
  return expect.fail('expected the manifest to be rejected');
}

/** The example event of docs/integrators.md (events), verbatim. */
const CONTRACT_EXAMPLE = {
  id: 'evt-2026-000123',
  type: 'document.processed',
  occurredAt: '2026-03-12T09:15:00+07:00',
  agency: 'ubnd-hac-thanh',
  actor: { id: 'u-1001' },
  subject: {
    kind: 'document',
    id: 'VB-2026-000123',
    title: 'Công văn về việc ...',
    docType: 'cong-van',
    urgency: 'thuong',
    dueAt: '2026-03-14T17:00:00+07:00',
  },
  data: { role: 'main' },
};

describe('contract: the published JSON Schemas', () => {
  const expectedFiles = [...Object.values(SCHEMA_FILES), ...KNOWN_EVENT_TYPES.map(eventSchemaFile)].sort();

  it('when the schema folder is listed, then it holds exactly the envelope, one schema per known type and the other shapes', () => {
    expect(listSchemaFiles()).to.deep.equal(expectedFiles);
    expect(SCHEMA_DIR).to.equal(path.join(PACKAGE_ROOT, 'src', 'contract', 'schemas'));
  });

  for (const file of expectedFiles) {
    it(`when ${file} is loaded, then it is draft-07 with a title and compiles in strict mode`, () => {
      const schema = readJson(path.join(SCHEMA_DIR, file));
      expect(schema['$schema']).to.equal('http://json-schema.org/draft-07/schema#');
      expect(schema['title']).to.be.a('string').and.not.empty;
      expect(getValidator(file)).to.be.a('function');
    });
  }

  it('when the patterns are read, then none uses syntax that .NET or Java regexes read differently', () => {
    for (const file of expectedFiles) {
      for (const pattern of collect(readJson(path.join(SCHEMA_DIR, file)), 'pattern')) {
        expect(pattern, `${file}: ${String(pattern)}`).to.be.a('string');
        const p = pattern as string;
        expect(() => new RegExp(p), `${file}: ${p}`).to.not.throw();
        expect(p, `${file}: ${p} uses \\d (Unicode digits in .NET)`).to.not.match(/\\d/);
        expect(p, `${file}: ${p} uses lookbehind or named groups`).to.not.contain('(?<');
        expect(p, `${file}: ${p} uses a Unicode property`).to.not.match(/\\[pP]\{/);
        expect(p.startsWith('^') && p.endsWith('$'), `${file}: ${p} is not anchored`).to.equal(true);
      }
    }
  });

  it('when the schemas refer to each other, then every $ref points to a file of the folder', () => {
    for (const file of expectedFiles) {
      for (const ref of collect(readJson(path.join(SCHEMA_DIR, file)), '$ref')) {
        const target = (ref as string).split('#')[0] as string;
        if (target !== '') expect(expectedFiles, `${file} → ${String(ref)}`).to.include(target);
      }
    }
  });

  it("when docs/integrators.md's example event is validated, then the envelope, its type's own schema and validateEvent accept it", () => {
    expect(validateAgainst(SCHEMA_FILES.event, CONTRACT_EXAMPLE)).to.deep.equal({ ok: true });
    expect(validateAgainst('document.processed.schema.json', CONTRACT_EXAMPLE)).to.deep.equal({ ok: true });
    const result = validateEvent(CONTRACT_EXAMPLE);
    expect(result).to.deep.include({ ok: true, known: true });
    expect(result.ok && result.event).to.deep.equal(CONTRACT_EXAMPLE);
  });

  it("when a type's schema is given an event of another type, then it rejects it naming type", () => {
    expect(validateAgainst('document.processed.schema.json', { ...CONTRACT_EXAMPLE, type: 'document.signed' })).to.deep.include({ ok: false, field: 'type' });
  });

  it('when a standalone type schema sees a broken envelope, then it rejects it as a host would', () => {
    expect(validateAgainst('document.processed.schema.json', { ...CONTRACT_EXAMPLE, occurredAt: '2026-03-12T09:15:00' })).to.deep.include({
      ok: false,
      field: 'occurredAt',
    });
  });

  describe('the other shapes', () => {
    const accepted: Array<[string, unknown]> = [
      [SCHEMA_FILES.settings, DEFAULT_SETTINGS],
      [SCHEMA_FILES.eventBatch, { events: [CONTRACT_EXAMPLE] }],
      [SCHEMA_FILES.webhookResponse, { accepted: 2, duplicates: 1, rejected: [{ index: 3, id: 'evt-4', error: 'subject.dueAt: thiếu trường bắt buộc (required)', field: 'subject.dueAt' }] }],
      [SCHEMA_FILES.webhookResponse, { accepted: 0, duplicates: 0, rejected: [{ index: 0, id: null, error: 'id: thiếu trường bắt buộc (required)' }] }],
      [SCHEMA_FILES.error, { error: new ValidationError('capMinutes: phải là số nguyên (must be integer)', 'capMinutes').toJSON() }],
      [SCHEMA_FILES.error, { error: new ConfigError('KPI_DB', 'bad').toJSON() }],
      [
        SCHEMA_FILES.journalEntry,
        {
          id: 17, userId: 'u-1', date: '2026-03-12', workItemCode: 'VB-XL', quantity: 1, coefficient: 1, rating: 1, minutes: 30,
          status: 'approved', source: 'event', eventId: 'evt-1', subjectId: 'VB-1', fails: 0, delays: 0,
        },
      ],
      [
        SCHEMA_FILES.journalEntry,
        {
          id: 'je-2', userId: 'u-1', date: '2026-03-13', workItemCode: 'DV-01', quantity: 2, coefficient: 1.5, rating: null, minutes: 0,
          status: 'pending', source: 'manual', eventId: null, subjectId: null, fails: 0, delays: 0, note: 'Họp dân',
        },
      ],
      [
        SCHEMA_FILES.score,
        {
          userId: 'u-1', unitId: 'p-vp', period: '2026-03', workingDays: 22, assignedMinutes: 10560, completedMinutes: 9600,
          quantityPct: 90.91, qualityPct: 90.7, progressPct: 90.34, taskScore: 63.45, generalScore: 27, total: 90.45,
          classification: 'HTXSNV', overQuota: false, provisional: true, profile: { id: 'nd335', version: 1 }, explanation: { A: 10560 },
        },
      ],
      [
        SCHEMA_FILES.score,
        {
          userId: 'u-2', unitId: null, period: '2026-Q1', workingDays: 0, assignedMinutes: 0, completedMinutes: 0,
          quantityPct: null, qualityPct: null, progressPct: null, taskScore: null, generalScore: null, total: null,
          classification: null, overQuota: false, provisional: false, profile: { id: 'kh1636', version: '2026.1' }, explanation: 'chưa chấm',
        },
      ],
      [SCHEMA_FILES.panelTokenClaims, { sub: 'u-1', agency: 'ubnd-hac-thanh', name: 'Nguyễn Văn An', unit: 'p-vp', roles: ['official', 'leader'], locale: 'vi', aud: 'eoffice-kpi', exp: 1773306900 }],
      [SCHEMA_FILES.panelTokenClaims, { sub: 'u-1', agency: 'a', roles: ['admin'], aud: ['host', 'eoffice-kpi'], exp: 1 }],
      [SCHEMA_FILES.webhookTokenClaims, { iss: 'eoffice-hac-thanh', aud: 'eoffice-kpi', agency: 'ubnd-hac-thanh', iat: 1773306600, exp: 1773306900, jti: 'j-1', body_sha256: 'a'.repeat(64) }],
    ];
    accepted.forEach(([file, value], i) => {
      it(`when sample ${i} is checked against ${file}, then it is accepted`, () => {
        expect(validateAgainst(file, value)).to.deep.equal({ ok: true });
      });
    });

    const rejected: Array<[string, unknown, string]> = [
      [SCHEMA_FILES.eventBatch, { events: Array.from({ length: 1001 }, () => ({})) }, 'events'],
      [SCHEMA_FILES.webhookResponse, { accepted: 1, duplicates: 0 }, 'rejected'],
      [SCHEMA_FILES.webhookResponse, { accepted: 1, duplicates: 0, rejected: [{ index: -1, id: 'x', error: 'e' }] }, 'rejected[0].index'],
      [SCHEMA_FILES.webhookResponse, { accepted: 1.5, duplicates: 0, rejected: [] }, 'accepted'],
      [SCHEMA_FILES.webhookResponse, { accepted: 0, duplicates: 0, rejected: [{ index: 0, id: 'x', error: 'e', code: 'oops' }] }, 'rejected[0].code'],
      [SCHEMA_FILES.error, { error: { code: 'x' } }, 'error.message'],
      [SCHEMA_FILES.error, { message: 'boom' }, 'error'],
      [SCHEMA_FILES.journalEntry, { id: 1, userId: 'u', date: '2026-02-30', workItemCode: 'X', quantity: 1, coefficient: 1, rating: 1, minutes: 1, status: 'approved', source: 'event', eventId: 'e', subjectId: 's', fails: 0, delays: 0 }, 'date'],
      [SCHEMA_FILES.journalEntry, { id: 1, userId: 'u', date: '2026-02-28', workItemCode: 'X', quantity: 1, coefficient: 1, rating: 1, minutes: 1, status: 'done', source: 'event', eventId: 'e', subjectId: 's', fails: 0, delays: 0 }, 'status'],
      [SCHEMA_FILES.journalEntry, { id: 1, userId: 'u', date: '2026-02-28', workItemCode: 'X', quantity: 1, coefficient: 1, rating: 1.2, minutes: 1, status: 'approved', source: 'event', eventId: 'e', subjectId: 's', fails: 0, delays: 0 }, 'rating'],
      [SCHEMA_FILES.score, { userId: 'u' }, 'unitId'],
      [SCHEMA_FILES.panelTokenClaims, { sub: 'u-1', agency: 'a', roles: ['boss'], aud: 'eoffice-kpi', exp: 1 }, 'roles[0]'],
      [SCHEMA_FILES.panelTokenClaims, { sub: 'u-1', agency: 'a', roles: ['admin'], aud: 'other', exp: 1 }, 'aud'],
      [SCHEMA_FILES.panelTokenClaims, { sub: 'u-1', agency: 'a', roles: ['admin'], aud: ['other'], exp: 1 }, 'aud'],
      [SCHEMA_FILES.panelTokenClaims, { sub: 'u-1', agency: 'a', roles: ['admin'], aud: 'eoffice-kpi', exp: 1, locale: 'fr' }, 'locale'],
      [SCHEMA_FILES.webhookTokenClaims, { iss: 'h', aud: 'eoffice-kpi', agency: 'a', iat: 1, exp: 2, jti: 'j', body_sha256: 'A'.repeat(64) }, 'body_sha256'],
      [SCHEMA_FILES.webhookTokenClaims, { iss: 'h', aud: 'eoffice-kpi', agency: 'a', iat: 1, exp: 2, body_sha256: 'a'.repeat(64) }, 'jti'],
    ];
    rejected.forEach(([file, value, field], i) => {
      it(`when bad sample ${i} is checked against ${file}, then it is rejected naming ${field}`, () => {
        const result = validateAgainst(file, value);
        expect(result).to.deep.include({ ok: false, field });
      });
    });

    it('when the score schema reads a period, then months, quarters and years pass and others fail', () => {
      const base = readJson(path.join(SCHEMA_DIR, SCHEMA_FILES.score));
      const period = new RegExp(((base['properties'] as Json)['period'] as Json)['pattern'] as string);
      for (const ok of ['2026-03', '2026-Q1', '2026']) expect(period.test(ok), ok).to.equal(true);
      for (const bad of ['2026-13', '2026-Q5', '26', '2026-3']) expect(period.test(bad), bad).to.equal(false);
    });
  });
});

describe('contract: plugin-manifest.json', () => {
  let manifest: PluginManifest;
  before(() => {
    manifest = loadManifest();
  });

  it('when the manifest is loaded, then it validates against its schema', () => {
    expect(manifest.id).to.equal('eoffice-kpi');
    expect(validateAgainst(SCHEMA_FILES.pluginManifest, readJson(MANIFEST_PATH))).to.deep.equal({ ok: true });
  });

  it('when the manifest version is read, then it is the package version', () => {
    expect(manifest.version).to.equal((readJson(path.join(PACKAGE_ROOT, 'package.json')) as { version: string }).version);
    expect(manifest.hostApi).to.equal('>=1.0 <2');
  });

  it('when its events are read, then it subscribes to every known type and nothing else', () => {
    expect(manifest.events).to.deep.equal([...KNOWN_EVENT_TYPES]);
  });

  it('when its panels are read, then every slot is filled with the paths and roles of docs/integrators.md (panels and API)', () => {
    const panels = manifest.panels.map((p) => [p.slot, p.path, [...p.roles].sort().join(',')]);
    expect(panels).to.deep.equal([
      ['document.tab', '/panels/document/:id', 'admin,hr,leader,official'],
      ['task.tab', '/panels/task/:id', 'admin,hr,leader,official'],
      ['user.dashboard', '/panels/me', 'official'],
      ['unit.dashboard', '/panels/unit/:unitId', 'hr,leader'],
      ['agency.dashboard', '/panels/ranking', 'admin,hr,leader'],
      ['agency.dashboard', '/panels/reports', 'admin,hr'],
      ['admin.page', '/panels/admin', 'admin'],
      ['admin.page', '/panels/admin/catalogue', 'admin,hr'],
      ['admin.page', '/panels/admin/handbook', 'admin,hr'],
    ]);
    expect(new Set(manifest.panels.map((p) => p.slot))).to.deep.equal(new Set(PANEL_SLOTS));
    for (const p of manifest.panels) expect(p.title.vi, p.id).to.not.equal(p.title.en);
  });

  it('when its routes are read, then they are exactly the declared API with its auth and roles', () => {
    const routes = manifest.routes.map((r) => `${r.method} ${r.path} ${r.auth} ${(r.roles ?? []).join(',')} ${r.permission ?? '-'}`);
    expect(routes).to.deep.equal([
      'GET /health none  -',
      'POST /events webhook  -',
      'GET /api/v1/catalogue user official,leader,hr,admin kpi.catalogue.read',
      'GET /api/v1/journal user official,leader,hr kpi.journal.read.own',
      'POST /api/v1/journal user official,leader kpi.journal.write.own',
      'POST /api/v1/journal/:id/approve user leader kpi.journal.review',
      'POST /api/v1/journal/:id/return user leader kpi.journal.review',
      'POST /api/v1/journal/:id/rate user leader kpi.journal.review',
      'GET /api/v1/scores user official,leader,hr,admin kpi.scores.read',
      'POST /api/v1/assessments user official,leader,hr kpi.assessments.write',
      'POST /api/v1/periods/:period/close user hr kpi.periods.close',
      'GET /api/v1/periods/:period/close-preview user hr kpi.periods.close',
      'GET /api/v1/settings user admin kpi.settings.manage',
      'PUT /api/v1/settings user admin kpi.settings.manage',
      'GET /api/v1/events user admin kpi.events.manage',
      'POST /api/v1/events/:id/replay user admin kpi.events.manage',
      'PATCH /api/v1/journal/:id user official,leader kpi.journal.write.own',
      'DELETE /api/v1/journal/:id user official,leader kpi.journal.write.own',
      'POST /api/v1/journal/:id/fail user leader kpi.journal.review',
      'GET /api/v1/journal/insights user official,leader,hr,admin kpi.scores.read',
      'GET /api/v1/assessments user leader,hr kpi.assessments.write',
      'GET /api/v1/ranking user leader,hr,admin kpi.scores.read',
      'POST /api/v1/periods/:period/reopen user admin kpi.periods.reopen',
      'GET /reports/:period.xlsx user leader,hr,admin kpi.scores.read',
      'GET /reports/:period/form01.xlsx user official,leader,hr,admin kpi.scores.read',
      'GET /api/v1/rules user admin kpi.rules.manage',
      'POST /api/v1/rules user admin kpi.rules.manage',
      'PUT /api/v1/rules/:id user admin kpi.rules.manage',
      'POST /api/v1/rules/:id/deactivate user admin kpi.rules.manage',
      'POST /api/v1/rules/:id/activate user admin kpi.rules.manage',
      'POST /api/v1/rules/try user admin kpi.rules.manage',
      'POST /api/v1/events/replay-failed user admin kpi.events.manage',
      'GET /api/v1/catalogue/templates user hr,admin kpi.catalogue.read',
      'GET /api/v1/catalogue/export user hr,admin kpi.catalogue.read',
      'GET /api/v1/catalogue/handbook user hr,admin kpi.catalogue.read',
      'GET /api/v1/catalogue/:id/versions user hr,admin kpi.catalogue.read',
      'POST /api/v1/catalogue user hr,admin kpi.catalogue.write',
      'PATCH /api/v1/catalogue/:id user hr,admin kpi.catalogue.write',
      'POST /api/v1/catalogue/import user hr,admin kpi.catalogue.write',
      'POST /api/v1/catalogue/adopt user hr,admin kpi.catalogue.write',
      'GET /api/v1/requests user official,leader,hr kpi.requests.ask',
      'POST /api/v1/requests/corrections user official kpi.requests.ask',
      'POST /api/v1/requests/appeals user official kpi.requests.ask',
      'POST /api/v1/requests/:id/decide user leader,hr kpi.requests.decide',
    ]);
  });

  it('when its permissions are read, then each is declared once with vi and en descriptions and is used by a route', () => {
    expect(manifest.permissions.map((p) => p.id).sort()).to.deep.equal(
      [
        'kpi.journal.read.own', 'kpi.journal.write.own', 'kpi.journal.review', 'kpi.scores.read', 'kpi.assessments.write',
        'kpi.periods.close', 'kpi.periods.reopen', 'kpi.settings.manage', 'kpi.events.manage', 'kpi.catalogue.read', 'kpi.rules.manage', 'kpi.catalogue.write',
        'kpi.requests.ask', 'kpi.requests.decide',
      ].sort(),
    );
    const used = new Set(manifest.routes.map((r) => r.permission));
    for (const p of manifest.permissions) expect(used.has(p.id), p.id).to.equal(true);
  });

  it('when its settings are read, then they are the keys of the settings schema with its types and DEFAULT_SETTINGS', () => {
    const schema = readJson(path.join(SCHEMA_DIR, SCHEMA_FILES.settings));
    const properties = schema['properties'] as Record<string, Json>;
    expect(manifest.settings.map((s) => s.key)).to.deep.equal(Object.keys(properties));
    expect(manifest.settings.map((s) => s.key)).to.deep.equal([...SETTINGS_KEYS]);
    expect(Object.fromEntries(manifest.settings.map((s) => [s.key, s.default]))).to.deep.equal(DEFAULT_SETTINGS);
    const definitions = schema['definitions'] as Record<string, Json>;
    for (const s of manifest.settings) {
      const prop = properties[s.key] as Json;
      const ref = prop['$ref'] as string | undefined;
      const resolved = ref === undefined ? prop : (definitions[ref.replace('#/definitions/', '')] as Json);
      expect(s.type, s.key).to.equal(resolved['type']);
      if (resolved['enum'] !== undefined) expect(s.enum, s.key).to.deep.equal(resolved['enum']);
      if (resolved['minimum'] !== undefined) expect([s.minimum, s.maximum], s.key).to.deep.equal([resolved['minimum'], resolved['maximum']]);
    }
  });

  it('when its folders are read, then migrations, locales and schemas name folders of the package', () => {
    expect(manifest.migrations).to.equal('migrations');
    expect(manifest.locales).to.deep.equal({ dir: 'locales', available: ['vi', 'en'], default: 'vi' });
    expect(path.join(PACKAGE_ROOT, manifest.schemas)).to.equal(SCHEMA_DIR);
    for (const dir of [manifest.migrations, manifest.locales.dir, manifest.schemas]) {
      expect(fs.statSync(path.join(PACKAGE_ROOT, dir)).isDirectory(), dir).to.equal(true);
    }
  });

  const broken: Array<[string, (m: Json) => void, string]> = [
    ['a panel has a bad slot', (m) => ((m['panels'] as Json[])[0]!['slot'] = 'sidebar'), 'panels[0].slot'],
    ['a panel title lacks en', (m) => delete ((m['panels'] as Json[])[2]!['title'] as Json)['en'], 'panels[2].title.en'],
    ['a panel has no roles', (m) => ((m['panels'] as Json[])[1]!['roles'] = []), 'panels[1].roles'],
    ['a panel has an unknown role', (m) => ((m['panels'] as Json[])[1]!['roles'] = ['boss']), 'panels[1].roles[0]'],
    ['two panels share an id', (m) => ((m['panels'] as Json[])[1]!['id'] = 'document'), 'panels[1].id'],
    ['a top-level key is misspelled', (m) => (m['permisions'] = []), 'permisions'],
    ['the id is missing', (m) => delete m['id'], 'id'],
    ['the version is not semver', (m) => (m['version'] = '0.1'), 'version'],
    ['hostApi is not a range', (m) => (m['hostApi'] = 'one or two'), 'hostApi'],
    ['an event type is malformed', (m) => ((m['events'] as string[])[0] = 'Document Received'), 'events[0]'],
    ['an event type is listed twice', (m) => (m['events'] as string[]).push('task.completed'), 'events'],
    ['a route has a bad method', (m) => ((m['routes'] as Json[])[0]!['method'] = 'FETCH'), 'routes[0].method'],
    ['a route path is relative', (m) => ((m['routes'] as Json[])[0]!['path'] = 'health'), 'routes[0].path'],
    ['a route uses an undeclared permission', (m) => ((m['routes'] as Json[])[2]!['permission'] = 'kpi.catalogue.delete'), 'routes[2].permission'],
    ['a user route has no roles', (m) => delete (m['routes'] as Json[])[3]!['roles'], 'routes[3].roles'],
    ['a user route has no permission', (m) => delete (m['routes'] as Json[])[3]!['permission'], 'routes[3].permission'],
    ['a webhook route has roles', (m) => ((m['routes'] as Json[])[1]!['roles'] = ['admin']), 'routes[1].roles'],
    ['a route allows a role its permission is not granted to', (m) => ((m['routes'] as Json[])[11]!['roles'] = ['admin', 'hr']), 'routes[11].roles'],
    ['a route is declared twice', (m) => (m['routes'] as Json[]).push({ method: 'GET', path: '/health', auth: 'none' }), `routes[${loadManifest().routes.length}].path`],
    ['a permission lacks its vi description', (m) => delete ((m['permissions'] as Json[])[0]!['description'] as Json)['vi'], 'permissions[0].description.vi'],
    ['a setting default has the wrong type', (m) => ((m['settings'] as Json[])[2]!['default'] = '480'), 'settings[2].default'],
    ['a setting default is outside its enum', (m) => ((m['settings'] as Json[])[4]!['default'] = 'cut'), 'settings[4].default'],
    ['an array setting default holds a number', (m) => ((m['settings'] as Json[])[5]!['default'] = [1]), 'settings[5].default[0]'],
    ['a setting has an unknown type', (m) => ((m['settings'] as Json[])[0]!['type'] = 'date'), 'settings[0].type'],
    ['the default locale is not available', (m) => ((m['locales'] as Json)['default'] = 'fr'), 'locales.default'],
    ['the migrations folder is absolute', (m) => (m['migrations'] = '/etc'), 'migrations'],
  ];
  for (const [what, mutate, field] of broken) {
    it(`when ${what}, then validation fails naming ${field}`, () => {
      const err = manifestError(mutate);
      expect(err.field).to.equal(field);
      expect(err.code).to.equal('invalid_manifest');
      expect(err.message.startsWith(`${field}: `), err.message).to.equal(true);
    });
  }

  describe('loadManifest and the package root', () => {
    let tmp: string;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-manifest-'));
    });
    after(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('when the manifest file is not JSON, then loading it fails with a ValidationError', () => {
      const file = path.join(tmp, 'bad.json');
      fs.writeFileSync(file, '{ "id": ');
      expect(() => loadManifest(file)).to.throw(ValidationError, 'not valid JSON');
    });

    it('when the manifest file does not exist, then loading it fails with a ConfigError', () => {
      expect(() => loadManifest(path.join(tmp, 'none.json'))).to.throw(ConfigError, 'cannot read the manifest');
    });

    it('when a valid copy is loaded from another path, then it is returned', () => {
      const file = path.join(tmp, 'copy.json');
      fs.copyFileSync(MANIFEST_PATH, file);
      expect(loadManifest(file).id).to.equal('eoffice-kpi');
    });

    it('when the root is looked up from inside the package, then the folder of its package.json is found', () => {
      expect(findPackageRoot([SCHEMA_DIR])).to.equal(PACKAGE_ROOT);
      expect(fs.existsSync(path.join(PACKAGE_ROOT, 'plugin-manifest.json'))).to.equal(true);
    });

    it("when the root is looked up from a folder outside any eoffice-kpi package, then it is not found", () => {
      fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'someone-else' }));
      fs.mkdirSync(path.join(tmp, 'deep', 'er'), { recursive: true });
      expect(findPackageRoot([path.join(tmp, 'deep', 'er')])).to.equal(undefined);
    });
  });
});
