import { describe } from 'vitest';
import { MEMORY_PATH, openStore } from './index.js';
import { runStoreConformance } from './store.case.js';

describe('Store conformance: DuckDB', () => {
  runStoreConformance(({ clock, storePromptText }) =>
    openStore({ path: MEMORY_PATH, clock, storePromptText }),
  );
});
