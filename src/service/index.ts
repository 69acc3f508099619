export * from './routing-service.js';
export * from './production-controls.js';
export * from './influence-limiter.js';
export * from './bandit-catchup.js';
export * from './idempotency.js';
export * from './replica-sync.js';
export * from './store-outage.js';
