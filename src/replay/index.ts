/**
 * Replay: the bandit learners exercised on recorded and simulated traffic (prequential runs,
 * drift and new-model scenarios, off-policy evaluation, the learning benchmark, and replay of the
 * service's own logged decisions). Returns file contents through a `write` sink; the CLI writes.
 */
export * from './data.js';
export * from './transfer.js';
export * from './report.js';
export * from './prequential.js';
export * from './scenarios.js';
export * from './learning.js';
export * from './logged.js';
