/**
 * retrain/: learn from your own traffic. Held-out splits of user logs, the service's logged
 * decisions as training data, artifact comparison on held-out prompts, the promotion gate, the
 * swappable served artifact and its promotion log.
 */
export * from './log-split.js';
export * from './logged-outcomes.js';
export * from './held-out-comparison.js';
export * from './promotion-gate.js';
export * from './promotion-log.js';
export * from './served-artifact.js';
export * from './promoter.js';
export * from './log-training.js';
export * from './snapshots.js';
