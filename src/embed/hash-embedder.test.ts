import { runEmbedderConformance } from './embedder.case.js';
import { HashEmbedder } from './hash-embedder.js';

runEmbedderConformance('HashEmbedder', () => Promise.resolve(new HashEmbedder({ dimension: 64 })));
