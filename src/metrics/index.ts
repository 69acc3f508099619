export * from './pgr.js';
export * from './frontier.js';
export * from './bootstrap.js';
