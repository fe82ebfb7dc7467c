import { expect } from 'chai';
import { DEFAULT_SETTINGS, SETTINGS_KEYS } from '../../src/contract/events';
import { loadManifest } from '../../src/contract/manifest-validator';
import { ROLES, type Role } from '../../src/http/auth';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * The manifest says to the host what the plugin offers; this proves that every declared
 * route, panel, permission and setting exists, and that each route lets in exactly the
 * roles it declares.
 */
describe('contract: plugin-manifest.json matches what the plugin serves', function () {
  this.timeout(60000);
  const manifest = loadManifest();
  let h: Harness;
  let ag: TestAgency;

  before(async () => {
    h = await startHarness();
    ag = await h.addAgency('ag-manifest');
  });

  after(async () => {
    await h.close();
  });

  /** A concrete path for a declared pattern (`:id` → 1, `:period` → 2026-03, `:unitId` → unit-x). */
  const concrete = (path: string) => path.replace(':id', '1').replace(':period', '2026-03').replace(':unitId', 'unit-x');

  it('when the manifest is loaded at start-up, then it is valid and declares routes, panels, permissions and settings', () => {
    expect(manifest.routes.length).to.be.greaterThan(10);
    expect(manifest.panels.length).to.be.greaterThan(5);
    expect(manifest.permissions.length).to.be.greaterThan(5);
    expect(manifest.settings.length).to.equal(SETTINGS_KEYS.length);
  });

  it('when every declared route is called, then it exists (never the catch-all 404)', async () => {
    for (const r of manifest.routes) {
      const path = concrete(r.path);
      const roles = (r.roles ?? ['admin']) as Role[];
      const token = r.auth === 'user' ? h.userToken(ag, 'u-probe', roles) : null;
      const res = await h.api(r.method, path, token, r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
      expect(res.body?.error?.code, `${r.method} ${r.path} → ${res.status}`).to.not.equal('route_not_found');
    }
  });

  it('when a user route is called with a role it does not declare, then 403; with one it declares, then not refused for the role', async () => {
    for (const r of manifest.routes.filter((x) => x.auth === 'user')) {
      const path = concrete(r.path);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      for (const role of ROLES) {
        const res = await h.api(r.method, path, h.userToken(ag, 'u-probe', [role], { unit: 'unit-x' }), body);
        const refusedForRole = res.status === 403 && res.body?.error?.code === 'forbidden';
        expect(refusedForRole, `${r.method} ${r.path} as ${role} → ${res.status} ${JSON.stringify(res.body)}`).to.equal(!(r.roles ?? []).includes(role));
      }
    }
  });

  it('when a user route is called without a token, then 401', async () => {
    for (const r of manifest.routes.filter((x) => x.auth === 'user')) {
      const res = await h.api(r.method, concrete(r.path), null, r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
      expect(res.status, `${r.method} ${r.path}`).to.equal(401);
    }
  });

  it('when every declared panel is opened by its roles, then it renders HTML; by other roles, then 403', async () => {
    for (const p of manifest.panels) {
      const path = concrete(p.path);
      for (const role of ROLES) {
        const res = await h.api('GET', `${path}?jwt=${h.userToken(ag, 'u-probe', [role], { unit: 'unit-x' })}`, null);
        const allowed = (p.roles as string[]).includes(role);
        if (allowed) {
          expect(res.status, `${p.path} as ${role}`).to.equal(200);
          expect(res.headers.get('content-type')).to.match(/text\/html/);
        } else {
          expect(res.status, `${p.path} as ${role}`).to.equal(403);
        }
      }
    }
  });

  it('when routes name permissions, then each is declared and grants the route roles', () => {
    const perms = new Map(manifest.permissions.map((p) => [p.id, p]));
    for (const r of manifest.routes.filter((x) => x.auth === 'user')) {
      expect(perms.has(r.permission!), `${r.path} → ${r.permission}`).to.equal(true);
    }
  });

  it('when the settings are declared, then they are exactly the agency settings, with their defaults', () => {
    expect(manifest.settings.map((s) => s.key).sort()).to.deep.equal([...SETTINGS_KEYS].sort());
    for (const s of manifest.settings) {
      expect(s.default, s.key).to.deep.equal((DEFAULT_SETTINGS as unknown as Record<string, unknown>)[s.key]);
    }
  });
});
