/** The agency's people and units, as the host's user.upserted and unit.upserted events describe them. */

export interface DirectoryUser {
  id: string;
  name: string;
  unitId: string | null;
  position: string | null;
  isLeader: boolean;
  active: boolean;
  activeFrom: string | null;
  activeTo: string | null;
  updatedAt: Date | null;
}

export interface DirectoryUnit { id: string; name: string; parentId: string | null; updatedAt: Date | null }

export interface DirectoryStore {
  user(agency: string, id: string): Promise<DirectoryUser | null>;
  /** Users of the agency: all, of one unit, or these ids; ordered by id. */
  users(agency: string, filter?: { unitId?: string; userIds?: string[] }): Promise<DirectoryUser[]>;
  /** The unit of each of these users (those the directory knows). */
  unitsOf(agency: string, userIds: string[]): Promise<Map<string, string | null>>;
  units(agency: string): Promise<DirectoryUnit[]>;
  unit(agency: string, id: string): Promise<DirectoryUnit | null>;
  putUnit(agency: string, unit: DirectoryUnit & { updatedAt: Date }, isNew: boolean): Promise<void>;
  putUser(agency: string, user: DirectoryUser & { updatedAt: Date }, isNew: boolean): Promise<void>;
}
