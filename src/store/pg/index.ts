/**
 * store/pg/: the PostgreSQL store, for several replicas sharing one database. Same repository
 * interfaces as the DuckDB store; no `pg` type crosses this boundary.
 */
export { openPgStore } from './pg-store.js';
export type { OpenPgStoreOptions } from './pg-store.js';
export { PG_MIGRATIONS } from './pg-migrations.js';
export type { PgMigration } from './pg-migrations.js';
export { isPgUnavailable, redactUrl } from './pg-error.js';
export type { FeedOutcome, OutcomeFeed, OutcomeFeedPage, SharedStore } from '../outcome-feed.js';
