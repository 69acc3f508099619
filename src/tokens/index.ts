export * from './count-tokens.js';
export * from './cost.js';
