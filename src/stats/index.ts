/** stats/: the stats API behind the dashboard (windows, aggregates shaped for charts). */
export * from './window.js';
export * from './schema.js';
export { buildOverview, buildRecentDecisions } from './overview.js';
export type { OverviewInput, TenantBudgetLimits } from './overview.js';
export { createStatsReader, MAX_CIRCUIT_EVENTS, MAX_RECENT_DECISIONS } from './stats-reader.js';
export type { StatsReader, StatsReaderOptions } from './stats-reader.js';
export { replayTraffic, syntheticDataset } from './traffic-replay.js';
export type {
  ReplayedDecision,
  TrafficReplayOptions,
  TrafficReplaySummary,
} from './traffic-replay.js';
