/** Serialised bandit policy state, one row per policy name (latest version wins). */
import { BIGINT } from '@duckdb/node-api';
import type { Clock } from '../core/index.js';
import type { Database } from './db.js';
import { asNumber, asString, msToBigInt, parseJson } from './values.js';

/** A stored policy state. */
export interface PolicyStateRecord {
  /** Policy name, the primary key (e.g. `linucb`). */
  readonly name: string;
  /** Monotonic state version, chosen by the policy. */
  readonly version: number;
  /** The policy's JSON-safe state (PolicyState); validated by the policy's factory, not here. */
  readonly state: unknown;
  /** Last save, epoch ms. */
  readonly updatedAtMs: number;
}

/** What to save; `updatedAtMs` defaults to the repo clock. */
export interface SavePolicyState {
  readonly name: string;
  readonly version: number;
  readonly state: unknown;
}

/** policy_state table access. */
export interface PolicyStateRepo {
  /** The saved state for `name`, or undefined when none was saved yet. */
  load(name: string): Promise<PolicyStateRecord | undefined>;
  /** Insert or replace the state for `name`. */
  save(entry: SavePolicyState): Promise<void>;
  /** Names of every saved policy, sorted. */
  names(): Promise<string[]>;
}

const LOAD_SQL = `SELECT name, version, state, epoch_ms(updated_at)::DOUBLE AS updated_at_ms
  FROM policy_state WHERE name = $name`;
const SAVE_SQL = `INSERT INTO policy_state VALUES ($name, $version, $state, epoch_ms($updated_at_ms))
  ON CONFLICT (name) DO UPDATE SET version = excluded.version, state = excluded.state,
    updated_at = excluded.updated_at`;
const NAMES_SQL = 'SELECT name FROM policy_state ORDER BY name';

/** Create the policy-state repo. */
export function createPolicyStateRepo(options: {
  readonly db: Database;
  readonly clock: Clock;
}): PolicyStateRepo {
  const { db, clock } = options;
  return {
    async load(name) {
      const rows = await db.use((session) => session.prepared(LOAD_SQL, { name }));
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        name: asString(row['name'], 'name'),
        version: asNumber(row['version'], 'version'),
        state: parseJson(row['state'], 'state'),
        updatedAtMs: asNumber(row['updated_at_ms'], 'updated_at'),
      };
    },
    save: (entry) =>
      db.use(async (session) => {
        await session.prepared(
          SAVE_SQL,
          {
            name: entry.name,
            version: entry.version,
            state: JSON.stringify(entry.state),
            updated_at_ms: msToBigInt(clock.now()),
          },
          { updated_at_ms: BIGINT },
        );
      }),
    async names() {
      const rows = await db.use((session) => session.all(NAMES_SQL));
      return rows.map((row) => asString(row['name'], 'name'));
    },
  };
}
