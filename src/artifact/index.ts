export * from './manifest.js';
export * from './artifact-store.js';
