export * from './tradeoff.js';
export * from './request.js';
export * from './candidates.js';
export * from './arm-predictor.js';
export * from './selection.js';
export * from './router.js';
export * from './offline-router.js';
export * from './calibration.js';
