export * from './schema.js';
export * from './load-config.js';
export * from './read-json-file.js';
