import type { Knex } from 'knex';
import type { DirectoryStore, DirectoryUnit, DirectoryUser } from '../stores';
import type { SqlDialect } from './sql-dialects';
import { chunkForParams, toBool, toDate } from './rows';

const USER_COLUMNS = ['id', 'name', 'unit_id', 'position', 'is_leader', 'active', 'active_from', 'active_to', 'updated_at'];

const asIs = (v: unknown): string | null => (v as string | null) ?? null;

function mapUser(r: Record<string, unknown>, shared: (v: unknown) => string | null = asIs): DirectoryUser {
  return {
    id: String(r.id), name: String(r.name), unitId: shared(r.unit_id), position: shared(r.position),
    isLeader: toBool(r.is_leader), active: toBool(r.active), activeFrom: shared(r.active_from), activeTo: shared(r.active_to),
    updatedAt: toDate(r.updated_at),
  };
}

/** One string for each value that repeats down a column (a unit's id, a position): a province's directory holds 50,000 of them. */
function sharedStrings(): (v: unknown) => string | null {
  const seen = new Map<string, string>();
  return (v) => {
    if (v === null || v === undefined) return null;
    const s = String(v);
    const known = seen.get(s);
    if (known !== undefined) return known;
    seen.set(s, s);
    return s;
  };
}

function mapUnit(r: Record<string, unknown>): DirectoryUnit {
  return { id: String(r.id), name: String(r.name), parentId: (r.parent_id as string | null) ?? null, updatedAt: toDate(r.updated_at) };
}

/** The directory: officials (kpi_users) and units (kpi_units). */
export class KnexDirectoryStore implements DirectoryStore {
  constructor(private readonly db: Knex | Knex.Transaction, private readonly dialect: SqlDialect) {}

  async user(agency: string, id: string): Promise<DirectoryUser | null> {
    const r = await this.db('kpi_users').where({ agency_code: agency, id }).first(...USER_COLUMNS);
    return r ? mapUser(r) : null;
  }

  async users(agency: string, filter: { unitId?: string; userIds?: string[] } = {}): Promise<DirectoryUser[]> {
    const q = () => {
      let x = this.db('kpi_users').where('agency_code', agency).select(...USER_COLUMNS).orderBy('id');
      if (filter.unitId !== undefined) x = x.andWhere('unit_id', filter.unitId);
      return x;
    };
    if (filter.userIds === undefined) {
      // Row by row (the whole agency's directory is read for every table of scores).
      const out: DirectoryUser[] = [];
      const shared = sharedStrings();
      await this.dialect.eachRow(this.db, q(), (r) => { out.push(mapUser(r, shared)); });
      return out;
    }
    const out: DirectoryUser[] = [];
    for (const part of chunkForParams([...new Set(filter.userIds)], 1, this.dialect.maxParams - 10)) out.push(...(await q().whereIn('id', part)).map((r) => mapUser(r)));
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async unitsOf(agency: string, userIds: string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (const part of chunkForParams([...new Set(userIds)], 1, this.dialect.maxParams - 1)) {
      for (const r of await this.db('kpi_users').where({ agency_code: agency }).whereIn('id', part).select('id', 'unit_id')) out.set(String(r.id), (r.unit_id as string | null) ?? null);
    }
    return out;
  }

  async units(agency: string): Promise<DirectoryUnit[]> {
    return (await this.db('kpi_units').where('agency_code', agency).select('id', 'name', 'parent_id', 'updated_at').orderBy('id')).map(mapUnit);
  }

  async unit(agency: string, id: string): Promise<DirectoryUnit | null> {
    const r = await this.db('kpi_units').where({ agency_code: agency, id }).first('id', 'name', 'parent_id', 'updated_at');
    return r ? mapUnit(r) : null;
  }

  async putUnit(agency: string, u: DirectoryUnit & { updatedAt: Date }, isNew: boolean): Promise<void> {
    const row = { name: u.name, parent_id: u.parentId, updated_at: u.updatedAt };
    if (isNew) await this.db('kpi_units').insert({ agency_code: agency, id: u.id, ...row });
    else await this.db('kpi_units').where({ agency_code: agency, id: u.id }).update(row);
  }

  async putUser(agency: string, u: DirectoryUser & { updatedAt: Date }, isNew: boolean): Promise<void> {
    const row = {
      name: u.name, unit_id: u.unitId, position: u.position, is_leader: u.isLeader, active: u.active,
      active_from: u.activeFrom, active_to: u.activeTo, updated_at: u.updatedAt,
    };
    if (isNew) await this.db('kpi_users').insert({ agency_code: agency, id: u.id, ...row });
    else await this.db('kpi_users').where({ agency_code: agency, id: u.id }).update(row);
  }
}
