export * from './errors.js';
export * from './result.js';
export * from './random.js';
export * from './clock.js';
export * from './ids.js';
