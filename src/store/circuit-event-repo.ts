/** Circuit-breaker transitions, recorded as they happen, for the stats API's timeline. */
import { BIGINT, INTEGER } from '@duckdb/node-api';
import type { Database } from './db.js';
import { asNumber, asString, msToBigInt } from './values.js';

/** One circuit-breaker transition. */
export interface CircuitEventRecord {
  /** When it happened, epoch ms. */
  readonly atMs: number;
  /** Whether the breaker guards one model or a whole provider. */
  readonly scope: 'model' | 'provider';
  /** The model id or provider name. */
  readonly target: string;
  readonly from: string;
  readonly to: string;
}

/** circuit_events access. */
export interface CircuitEventRepo {
  /** Store one transition now. */
  record(event: CircuitEventRecord): Promise<void>;
  /**
   * Transitions in [sinceMs, untilMs), oldest first, at most `limit`, plus, per breaker, the last
   * transition before `sinceMs` (its state at the start of the window).
   */
  list(query: {
    readonly sinceMs: number;
    readonly untilMs: number;
    readonly limit: number;
  }): Promise<CircuitEventRecord[]>;
}

const INSERT_SQL = `INSERT INTO circuit_events VALUES (epoch_ms($at_ms), $scope, $target, $from_state,
  $to_state)`;
const LIST_SQL = `SELECT * FROM (
    SELECT epoch_ms(occurred_at)::DOUBLE AS at_ms, scope, target, from_state, to_state FROM (
      SELECT *, row_number() OVER (PARTITION BY scope, target ORDER BY occurred_at DESC) AS n
      FROM circuit_events WHERE occurred_at < epoch_ms($since_ms)) WHERE n = 1
    UNION ALL (
      SELECT epoch_ms(occurred_at)::DOUBLE, scope, target, from_state, to_state
      FROM circuit_events
      WHERE occurred_at >= epoch_ms($since_ms) AND occurred_at < epoch_ms($until_ms)
      ORDER BY occurred_at LIMIT $limit))
  ORDER BY at_ms, scope, target`;

/** Create the circuit-event repo. */
export function createCircuitEventRepo(options: { readonly db: Database }): CircuitEventRepo {
  const { db } = options;
  return {
    record: (event) =>
      db.use(async (session) => {
        await session.prepared(
          INSERT_SQL,
          {
            at_ms: msToBigInt(event.atMs),
            scope: event.scope,
            target: event.target,
            from_state: event.from,
            to_state: event.to,
          },
          { at_ms: BIGINT },
        );
      }),
    async list(query) {
      const rows = await db.use((session) =>
        session.prepared(
          LIST_SQL,
          {
            since_ms: msToBigInt(query.sinceMs),
            until_ms: msToBigInt(query.untilMs),
            limit: query.limit,
          },
          { since_ms: BIGINT, until_ms: BIGINT, limit: INTEGER },
        ),
      );
      return rows.map((row) => ({
        atMs: asNumber(row['at_ms'], 'at_ms'),
        scope: asString(row['scope'], 'scope') === 'provider' ? 'provider' : 'model',
        target: asString(row['target'], 'target'),
        from: asString(row['from_state'], 'from_state'),
        to: asString(row['to_state'], 'to_state'),
      }));
    },
  };
}
