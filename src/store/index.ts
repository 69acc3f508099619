/**
 * store/: DuckDB persistence. The public surface is the {@link openStore} facade, the repos it
 * composes and their plain record types; no DuckDB type crosses this boundary.
 */
export { openStore, openStoreOrSnapshot } from './store.js';
export { SNAPSHOT_FORMATS, isParquetSnapshot } from './snapshot.js';
export type { SnapshotFormat, SnapshotResult } from './snapshot.js';
export type { OpenStoreOptions, Store } from './store.js';
export { MEMORY_PATH } from './db.js';
export type { DecisionCount, UsageQuery, UsageRepo, UsageRow } from './usage-repo.js';
export { MAX_BATCH_ROWS } from './batch-writer.js';
export { MIGRATIONS } from './migrations.js';
export type { Migration } from './migrations.js';
export type {
  DecisionLookupFailure,
  DecisionRecord,
  DecisionRepo,
  ListDecisionsOptions,
  PredictedArm,
} from './decision-repo.js';
export type {
  ModelStats,
  ModelStatsQuery,
  OutcomeRecord,
  OutcomeRepo,
  RecordOutcomeResult,
} from './outcome-repo.js';
export type { PolicyStateRecord, PolicyStateRepo, SavePolicyState } from './policy-state-repo.js';
export type { PromptEntry, PromptRepo } from './prompt-repo.js';
export type { EmbeddingCacheRepo, EmbeddingEntry } from './embedding-cache-repo.js';
export type {
  DatasetSummary,
  ObservationRecord,
  ObservationRepo,
  ObservationWithText,
} from './observation-repo.js';
export type { MetaRepo } from './meta-repo.js';
export type {
  DecisionAggregate,
  OutcomeAggregate,
  RecentDecision,
  StatsGrouping,
  StatsQuery,
  StatsRepo,
  TenantSpend,
} from './stats-repo.js';
export type { CircuitEventRecord, CircuitEventRepo } from './circuit-event-repo.js';
