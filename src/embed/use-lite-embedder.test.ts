import { runEmbedderConformance } from './embedder.case.js';
import { CachedEmbedder } from './cached-embedder.js';
import { createUseLiteEmbedder } from './use-lite-embedder.js';

runEmbedderConformance('USE-Lite', () => createUseLiteEmbedder());
runEmbedderConformance(
  'USE-Lite (cached)',
  async () => new CachedEmbedder(await createUseLiteEmbedder()),
);
