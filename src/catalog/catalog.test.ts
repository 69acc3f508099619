import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouterError } from '../core/index.js';
import { resolveDataDir } from '../data/data-dir.js';
import {
  ARENA_MAP_MIN_PAIRS,
  arenaToAlpacaEval,
  isDefaultCandidate,
  loadCatalog,
  normalizeModelName,
  parseCatalog,
} from './index.js';
import type { ArenaMap, CatalogModel } from './index.js';

function catchError(fn: () => unknown): RouterError {
  try {
    fn();
  } catch (error: unknown) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error('expected a RouterError');
}

const valid = loadCatalog();

/** Rows of a CSV file (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field.length > 0 || row.length > 0) rows.push([...row, field]);
  return rows;
}

const leaderboardPath = join(resolveDataDir(), 'AlpacaEval', 'leaderboard.csv');
const hasLeaderboard = existsSync(leaderboardPath);
if (!hasLeaderboard) {
  console.warn(
    `AlpacaEval leaderboard not found at ${leaderboardPath} (set ARBITER_DATA_DIR); skipping the prior check`,
  );
}

function withModel(patch: (model: Record<string, unknown>) => void): unknown {
  const copy = structuredClone({ version: 1, models: valid.models }) as unknown as {
    models: Record<string, unknown>[];
  };
  patch(copy.models[1] as Record<string, unknown>);
  return copy;
}

describe('catalog', () => {
  it('ships real entries for every model in the shared routing data', () => {
    expect(valid.models.length).toBeGreaterThanOrEqual(21);
    for (const name of [
      'gpt-4-1106-preview',
      'mistralai/Mixtral-8x7B-Instruct-v0.1',
      'mistralai/mixtral-8x7b-chat',
      'claude-instant-v1',
      'meta/code-llama-instruct-34b-chat',
      'zero-one-ai/Yi-34B-Chat',
      'WizardLM/WizardLM-13B-V1.2',
      'llama3-chatqa-1.5-8b',
      'llama-3.3-nemotron-super-49b-v1',
      'codegemma-7b',
    ]) {
      expect(valid.resolveModelId(name), name).toBeDefined();
    }
    expect(valid.get('openai/gpt-4-1106-preview')?.pricing).toEqual({
      input_per_million: 10,
      output_per_million: 30,
    });
  });

  it('names the file, the model and the field of a bad entry', () => {
    const error = catchError(() =>
      parseCatalog(
        withModel((model) => {
          model.pricing = { input_per_million: -1, output_per_million: 2 };
        }),
        'my-catalog.json',
      ),
    );
    expect(error.code).toBe('CATALOG_INVALID');
    expect(error.details).toMatchObject({
      file: 'my-catalog.json',
      model: 'openai/gpt-3.5-turbo-1106',
      field: 'pricing/input_per_million',
    });
    expect(error.message).toContain('my-catalog.json');
    expect(error.message).toContain('openai/gpt-3.5-turbo-1106');
  });

  it('rejects unknown fields, missing fields and duplicate ids', () => {
    expect(catchError(() => parseCatalog(withModel((m) => void (m.colour = 'red')))).code).toBe(
      'CATALOG_INVALID',
    );
    expect(
      catchError(() => parseCatalog(withModel((m) => delete m.tokenizer))).details,
    ).toMatchObject({
      model: 'openai/gpt-3.5-turbo-1106',
    });
    const duplicate = catchError(() =>
      parseCatalog(withModel((m) => void (m.id = 'openai/gpt-4-1106-preview'))),
    );
    expect(duplicate.details).toMatchObject({ field: 'id' });
  });

  it('fails on an unreadable or non-JSON file with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-catalog-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ not json');
    const error = catchError(() => loadCatalog(path));
    expect(error.code).toBe('CATALOG_INVALID');
    expect(error.details).toMatchObject({ file: path });
    expect(catchError(() => loadCatalog(join(dir, 'missing.json'))).code).toBe('CATALOG_INVALID');
  });

  it('returns frozen entries that callers cannot mutate', () => {
    const model = valid.models[0];
    expect(Object.isFrozen(model)).toBe(true);
  });

  it('ships current models with a source and date, and keeps the dataset models as legacy', () => {
    for (const name of [
      'gpt-4o',
      'gpt-4o-mini',
      'gpt-5',
      'claude-sonnet-4',
      'gemini-2.5-flash',
      'llama-3.3-70b-instruct',
      'mistral-large',
      'qwen3-235b-a22b',
      'deepseek-chat',
    ]) {
      expect(valid.resolveModelId(name), name).toBeDefined();
    }
    for (const model of valid.models) {
      if (model.legacy === true) continue;
      expect(model.source, model.id).toEqual(expect.any(String));
      expect(model.as_of, model.id).toMatch(/^20\d\d-\d\d-\d\d$/u);
      expect(Number.isNaN(Date.parse(model.as_of ?? '')), model.id).toBe(false);
    }
    for (const id of [
      'openai/gpt-4-1106-preview',
      'anthropic/claude-v1',
      'meta/llama-2-70b-chat',
    ]) {
      expect(valid.get(id)?.legacy, id).toBe(true);
      expect(isDefaultCandidate(valid.get(id) as never)).toBe(false);
    }
    expect(isDefaultCandidate(valid.get('openai/gpt-4o') as never)).toBe(true);
    for (const tier of ['frontier', 'mid', 'small']) {
      expect(
        valid.models.some((m) => m.legacy !== true && m.tags.tier === tier),
        tier,
      ).toBe(true);
    }
  });

  it('has no id or alias used twice (case-insensitive)', () => {
    const seen = new Map<string, string>();
    for (const model of valid.models) {
      for (const key of [model.id, ...(model.aliases ?? [])]) {
        expect(seen.get(key.toLowerCase()), `${key} of ${model.id}`).toBeUndefined();
        seen.set(key.toLowerCase(), model.id);
      }
    }
  });

  it('accepts the optional fields and rejects a bad date or an out-of-range prior', () => {
    expect(() =>
      parseCatalog(
        withModel((m) => {
          m.source = 'provider pricing page';
          m.as_of = '2024-01-01';
          m.legacy = false;
          m.prior = { alpaca_eval_lc: 12.5, alpaca_eval_name: 'X', source: 'leaderboard' };
        }),
      ),
    ).not.toThrow();
    expect(
      catchError(() => parseCatalog(withModel((m) => void (m.as_of = 'Jan 2024')))).details,
    ).toMatchObject({ field: 'as_of' });
    expect(
      catchError(() =>
        parseCatalog(withModel((m) => void (m.prior = { alpaca_eval_lc: 120, source: 'x' }))),
      ).details,
    ).toMatchObject({ field: 'prior/alpaca_eval_lc' });
  });

  it.skipIf(!hasLeaderboard)(
    'copies every AlpacaEval prior from the leaderboard row it names',
    () => {
      const [header, ...rows] = parseCsv(readFileSync(leaderboardPath, 'utf8'));
      const nameCol = header?.indexOf('name') ?? -1;
      const lcCol = header?.indexOf('length_controlled_winrate') ?? -1;
      expect(nameCol).toBeGreaterThanOrEqual(0);
      expect(lcCol).toBeGreaterThanOrEqual(0);
      const byName = new Map<string, number[]>();
      for (const row of rows) {
        const name = row[nameCol];
        if (name === undefined || name === '') continue;
        byName.set(name, [...(byName.get(name) ?? []), Number(row[lcCol])]);
      }
      let checked = 0;
      for (const model of valid.models) {
        const prior = model.prior;
        if (prior?.alpaca_eval_lc === undefined || prior.alpaca_eval_from_arena === true) continue;
        const values = byName.get(prior.alpaca_eval_name ?? '');
        expect(values, `${model.id}: leaderboard row "${prior.alpaca_eval_name}"`).toHaveLength(1);
        expect(prior.alpaca_eval_lc, model.id).toBeCloseTo(values?.[0] ?? Number.NaN, 2);
        checked += 1;
      }
      expect(checked).toBeGreaterThanOrEqual(10);
    },
  );

  it('finds a model by a loosely written name when exactly one model has that form', () => {
    expect(valid.resolveModelId('claude-3.5-sonnet-20240620')).toBe('anthropic/claude-3-5-sonnet');
    expect(valid.resolveModelId('Claude 3.5 Sonnet')).toBe('anthropic/claude-3-5-sonnet');
    expect(valid.resolveModelId('gpt-4o-2024-05-13')).toBe('openai/gpt-4o');
    expect(valid.resolveModelId('together/Llama-3.1-405B-Instruct')).toBe(
      'meta/llama-3.1-405b-instruct',
    );
    expect(valid.resolveModelId('gemini_2.5_pro:latest')).toBe('google/gemini-2.5-pro');
    // The provider's own name (`upstream_model`), as its API reports it in answers and logs.
    expect(valid.resolveModelId('meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo')).toBe(
      'meta/llama-3.1-405b-instruct',
    );
    expect(valid.resolveModelId('Qwen/Qwen3-235B-A22B-fp8-tput')).toBe('qwen/qwen3-235b-a22b');
    expect(valid.resolveModelId('meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8')).toBe(
      'meta/llama-4-maverick',
    );
    // The providers' moving aliases resolve to the tier's entry (its as_of says which release).
    expect(valid.resolveModelId('claude-sonnet-4-0')).toBe('anthropic/claude-sonnet-4');
    expect(valid.resolveModelId('claude-opus-4-0')).toBe('anthropic/claude-opus-4');
    expect(valid.resolveModelId('mistral-medium-latest')).toBe('mistralai/mistral-medium-3');
    expect(valid.resolveModelId('mistral-small-latest')).toBe('mistralai/mistral-small-3.1');
    // Exact ids and aliases win; a different model stays unknown.
    expect(valid.resolveModelId('gpt-4.1-mini')).toBe('openai/gpt-4.1-mini');
    expect(valid.resolveModelId('claude-3-opus-20240229')).toBeUndefined();
    expect(normalizeModelName('Mistral Large_2411')).toBe('mistral-large-2411');
    // A form two models share names neither.
    const twins = parseCatalog(
      withModel((m) => {
        m['aliases'] = ['shared.name'];
      }),
    );
    const other = structuredClone(twins.models[1]) as unknown as Record<string, unknown>;
    const both = parseCatalog({
      version: 1,
      models: [...twins.models, { ...other, id: 'x/other-model', aliases: ['shared_name'] }],
    });
    expect(both.resolveModelId('shared.name')).toBe(twins.models[1]?.id);
    expect(both.resolveModelId('shared_name')).toBe('x/other-model');
    expect(both.resolveModelId('Shared Name')).toBeUndefined();
    // An upstream name is one more name of its model, and ambiguous like any other when shared.
    const upstream = parseCatalog({
      version: 1,
      models: [
        { ...structuredClone(twins.models[0]), upstream_model: 'vendor/Served-Name-Turbo' },
        { ...other, id: 'x/other-model', aliases: [] },
      ],
    });
    expect(upstream.resolveModelId('vendor/served-name-turbo')).toBe(twins.models[0]?.id);
    const clash = parseCatalog({
      version: 1,
      models: [
        { ...structuredClone(twins.models[0]), upstream_model: 'vendor/Served-Name-Turbo' },
        { ...other, id: 'x/other-model', aliases: ['served_name_turbo'] },
      ],
    });
    expect(clash.resolveModelId('vendor/Served-Name-Turbo')).toBeUndefined();
    expect(clash.resolveModelId('served_name_turbo')).toBe('x/other-model');
  });

  it('gives a predecessor row only to a model without a row of its own, never below its tier', () => {
    const byTier = new Map<string, CatalogModel[]>();
    for (const model of valid.models)
      byTier.set(model.tags.tier, [...(byTier.get(model.tags.tier) ?? []), model]);
    // A predecessor's AlpacaEval row (`basis`) or Arena row (`arena_basis`).
    const inherited = valid.models.filter(
      (m) => m.prior?.basis === 'predecessor' || m.prior?.arena_basis === 'predecessor',
    );
    expect(inherited.length).toBeGreaterThanOrEqual(5);
    const rank = (tier: string) => ['small', 'mid', 'frontier'].indexOf(tier);
    for (const model of inherited) {
      const arena = model.prior?.arena_basis === 'predecessor';
      const row = arena ? model.prior?.arena_name : model.prior?.alpaca_eval_name;
      // The row is not the model's own: no catalog model claims it as its own row.
      const owners = valid.models.filter((m) =>
        arena
          ? m.prior?.arena_name === row && (m.prior?.arena_basis ?? 'own') === 'own'
          : m.prior?.alpaca_eval_name === row && (m.prior?.basis ?? 'own') === 'own',
      );
      for (const owner of owners) {
        // A predecessor in the catalog is older: an equal or lower tier, never the model itself.
        expect(owner.id, model.id).not.toBe(model.id);
        expect(rank(owner.tags.tier), `${model.id} inherits from ${owner.id}`).toBeLessThanOrEqual(
          rank(model.tags.tier),
        );
      }
      // Used as a lower bound: only rows at or above the tier's mean score among own rows.
      const own = (byTier.get(model.tags.tier) ?? [])
        .filter((m) => (m.prior?.basis ?? 'own') === 'own')
        .map((m) => m.prior?.alpaca_eval_lc)
        .filter((v): v is number => v !== undefined);
      const mean = own.reduce((s, v) => s + v, 0) / Math.max(1, own.length);
      expect(model.prior?.alpaca_eval_lc ?? 0, model.id).toBeGreaterThanOrEqual(mean);
    }
  });

  it('maps Arena scores onto the AlpacaEval scale for models without an AlpacaEval row', () => {
    const map = valid.arenaMap;
    expect(map).toBeDefined();
    expect(map?.pairs).toBeGreaterThanOrEqual(ARENA_MAP_MIN_PAIRS);
    expect(map?.slope).toBeGreaterThan(0);
    expect(map?.correlation).toBeGreaterThan(0.8);
    const derived = valid.models.filter((m) => m.prior?.alpaca_eval_from_arena === true);
    expect(derived.length).toBeGreaterThanOrEqual(20);
    for (const model of derived) {
      const prior = model.prior as NonNullable<CatalogModel['prior']>;
      expect(prior.alpaca_eval_lc, model.id).toBeCloseTo(
        arenaToAlpacaEval(map as ArenaMap, prior.arena_score as number),
        1,
      );
    }
    // A model with its own AlpacaEval row keeps it; every 2025 flagship now has a score.
    expect(valid.get('openai/gpt-4o')?.prior?.alpaca_eval_from_arena).toBeUndefined();
    expect(valid.get('openai/gpt-4o')?.prior?.alpaca_eval_lc).toBeCloseTo(57.46, 2);
    for (const id of ['google/gemini-2.5-pro', 'deepseek/deepseek-reasoner', 'openai/gpt-5']) {
      expect(valid.get(id)?.prior?.alpaca_eval_lc, id).toBeGreaterThan(57.46);
    }
  });

  it('fits the Arena map by least squares on the logit scale, and only with enough pairs', () => {
    const model = (id: string, prior: Record<string, unknown>): Record<string, unknown> => ({
      ...(JSON.parse(JSON.stringify(valid.models[0])) as Record<string, unknown>),
      id,
      aliases: [],
      prior: { source: 'test', ...prior },
    });
    // logit(lc / 100) = -12 + 0.01 * arena exactly, on five pairs.
    const lc = (arena: number) => 100 / (1 + Math.exp(-(-12 + 0.01 * arena)));
    const pairs = [1100, 1150, 1200, 1250, 1300].map((arena, i) =>
      model(`t/pair-${i}`, { alpaca_eval_lc: lc(arena), arena_score: arena }),
    );
    const target = model('t/new', { arena_score: 1400, arena_basis: 'predecessor' });
    const catalog = parseCatalog({ version: 1, models: [...pairs, target] });
    expect(catalog.arenaMap?.slope).toBeCloseTo(0.01, 6);
    expect(catalog.arenaMap?.intercept).toBeCloseTo(-12, 4);
    expect(catalog.get('t/new')?.prior).toMatchObject({
      alpaca_eval_from_arena: true,
      basis: 'predecessor',
    });
    expect(catalog.get('t/new')?.prior?.alpaca_eval_lc).toBeCloseTo(lc(1400), 2);
    // Four pairs are too few: no map, no derived score.
    const few = parseCatalog({ version: 1, models: [...pairs.slice(1), target] });
    expect(few.arenaMap).toBeUndefined();
    expect(few.get('t/new')?.prior?.alpaca_eval_lc).toBeUndefined();
  });
});
