import { describe, expect, it } from 'vitest';
import { formatStartupSummary, type StartupInfo } from './startup-summary.js';

const info: StartupInfo = {
  url: 'http://127.0.0.1:8080',
  version: '0.1.0',
  catalogPath: 'models/catalog.json',
  models: 24,
  enabledModels: 23,
  artifactDir: 'models/default',
  predictor: 'default@1',
  learnedModels: 20,
  priorModels: 4,
  embedder: 'use-lite@0.2.0',
  policy: 'thompson@0',
  keysFile: 'data/keys.json',
  keys: 0,
  allowAnonymousRoute: true,
  stateDir: 'data',
  dbPath: 'data/arbiter.duckdb',
};

describe('start-up summary', () => {
  it('names the URL, catalog, artifact, learned vs prior models, auth and the data location', () => {
    const text = formatStartupSummary(info);
    expect(text).toContain('ready on http://127.0.0.1:8080');
    expect(text).toContain('http://127.0.0.1:8080/docs');
    expect(text).toContain('models/catalog.json: 24 models, 23 enabled');
    expect(text).toContain('20 models with learned predictions, 4 on catalog priors');
    expect(text).toMatch(/auth {6}off: no key in data\/keys\.json/u);
    expect(text).toContain('arbiter keys add --tenant NAME');
    expect(text).toContain('data/arbiter.duckdb (state dir data)');
    expect(formatStartupSummary({ ...info, keys: 2 })).toContain(
      'auth      on: 2 keys in data/keys.json',
    );
  });
});
