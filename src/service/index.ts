export * from './routing-service.js';
