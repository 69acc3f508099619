export * from './embedder.js';
export * from './hash-embedder.js';
export * from './cached-embedder.js';
export * from './use-lite-embedder.js';
export * from './lru-cache.js';
