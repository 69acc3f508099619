import { describe } from 'vitest';
import { MEMORY_PATH, openStore } from './index.js';
import { runRetentionConformance } from './retention.case.js';
import { runStatsConformance } from './stats.case.js';
import { runStoreConformance, type OpenTestStore } from './store.case.js';

const open: OpenTestStore = ({ clock, storePromptText }) =>
  openStore({ path: MEMORY_PATH, clock, storePromptText });

describe('Store conformance: DuckDB', () => {
  runStoreConformance(open);
  describe('stats', () => runStatsConformance(open));
  describe('retention', () => runRetentionConformance(open));
});
