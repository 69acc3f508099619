/**
 * bandit/: online contextual bandits that refine the offline router from observed outcomes
 * (LinUCB, linear Thompson sampling, epsilon-greedy), their persisted state, and replay tools
 * (prequential simulation, off-policy evaluation, drift and new-model scenarios). Pure: no fs, no
 * DuckDB, no clock, no Math.random.
 */
export * from './policy.js';
export * from './reward.js';
export * from './features.js';
export * from './arms-options.js';
export * from './linear-arms.js';
export * from './linear-policy.js';
export * from './linucb/linucb-policy.js';
export * from './thompson/thompson-policy.js';
export * from './epsilon-greedy/epsilon-greedy-policy.js';
export * from './residual/residual-options.js';
export * from './residual/residual-memory.js';
export * from './residual/residual-policy.js';
export * from './state.js';
export * from './feedback.js';
export * from './replay/prequential.js';
export * from './replay/scenarios.js';
export * from './replay/ope.js';
export * from './replay/svg.js';
export * from './replay/retrain.js';
export * from './replay/bench-adapter.js';
export * from './replay/learning.js';
