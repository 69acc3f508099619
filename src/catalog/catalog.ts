import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Value } from 'typebox/value';
import { RouterError, errorMessage } from '../core/index.js';
import { CatalogFileSchema, type CatalogFile, type CatalogModel } from './schema.js';

/** Path of the catalog shipped with Arbiter. */
export const DEFAULT_CATALOG_PATH = fileURLToPath(
  new URL('../../models/catalog.json', import.meta.url),
);

/** A validated, frozen model catalog. */
export interface Catalog {
  /** Where it was loaded from (or `<inline>`). */
  readonly source: string;
  readonly models: readonly CatalogModel[];
  /** How Arena scores were mapped onto the AlpacaEval scale (absent: too few models carry both). */
  readonly arenaMap?: ArenaMap;
  /**
   * The entry for an id or alias (case-insensitive), or undefined. A name that matches no id or alias
   * exactly is tried once more in its {@link normalizeModelName} form (provider prefix, separators and a
   * trailing release date dropped: `claude-3.5-sonnet-20240620`, `Meta-Llama/Llama-3.1-405B-Instruct`),
   * when that form names exactly one model; an entry's `upstream_model` (the provider's own name, e.g.
   * `meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo`) counts as one of its names there.
   */
  get(idOrAlias: string): CatalogModel | undefined;
  /** The canonical id for an id or alias, or undefined. */
  resolveModelId(idOrAlias: string): string | undefined;
}

/** Validate parsed JSON as a catalog; `source` names the file in errors. */
export function parseCatalog(data: unknown, source = '<inline>'): Catalog {
  if (!Value.Check(CatalogFileSchema, data)) {
    const first = [...Value.Errors(CatalogFileSchema, data)][0];
    const path = first?.instancePath ?? '';
    const modelIndex = /^\/models\/(\d+)/u.exec(path)?.[1];
    const raw = modelIndex === undefined ? undefined : readModelId(data, Number(modelIndex));
    const field = modelIndex === undefined ? path : path.replace(/^\/models\/\d+\/?/u, '');
    throw new RouterError(
      'CATALOG_INVALID',
      `${source}: ${raw === undefined ? '' : `model "${raw}" `}field "${field || '/'}" ${first?.message ?? 'is invalid'}`,
      { details: { file: source, model: raw, field, keyword: first?.keyword } },
    );
  }
  const file: CatalogFile = data;
  const byKey = new Map<string, CatalogModel>();
  for (const model of file.models) {
    for (const key of [model.id, ...(model.aliases ?? [])]) {
      const lower = key.toLowerCase();
      const existing = byKey.get(lower);
      if (existing !== undefined) {
        throw new RouterError(
          'CATALOG_INVALID',
          `${source}: model "${model.id}" field "${key === model.id ? 'id' : 'aliases'}" repeats "${key}" (already used by "${existing.id}")`,
          {
            details: { file: source, model: model.id, field: key === model.id ? 'id' : 'aliases' },
          },
        );
      }
      byKey.set(lower, model);
    }
  }
  const arenaMap = fitArenaMap(file.models);
  const models = Object.freeze(
    file.models.map((model) => Object.freeze(withArenaPrior(structuredClone(model), arenaMap))),
  );
  const lookup = new Map(
    [...byKey].map(([key, model]) => [key, models[file.models.indexOf(model)] as CatalogModel]),
  );
  // Normalised forms of every id, alias and upstream name (what the provider's API calls the model,
  // so logs written from the provider's answers resolve); a form two models share is dropped
  // (ambiguous).
  const normalized = new Map<string, CatalogModel | null>();
  for (const model of models) {
    const upstream = model.upstream_model === undefined ? [] : [model.upstream_model];
    for (const key of [model.id, ...(model.aliases ?? []), ...upstream]) {
      const form = normalizeModelName(key);
      const existing = normalized.get(form);
      normalized.set(form, existing === undefined || existing === model ? model : null);
    }
  }
  const get = (idOrAlias: string): CatalogModel | undefined =>
    lookup.get(idOrAlias.toLowerCase()) ??
    normalized.get(normalizeModelName(idOrAlias)) ??
    undefined;
  return Object.freeze({
    source,
    models,
    ...(arenaMap === undefined ? {} : { arenaMap }),
    get,
    resolveModelId: (idOrAlias: string) => get(idOrAlias)?.id,
  });
}

/**
 * The map from a Chatbot Arena score to the AlpacaEval 2.0 length-controlled win rate:
 * logit(lc / 100) = intercept + slope * arena, least squares over the catalog models that carry both
 * scores as their own rows. Undefined with fewer than {@link ARENA_MAP_MIN_PAIRS} such models or a
 * slope that is not positive.
 */
export interface ArenaMap {
  readonly intercept: number;
  readonly slope: number;
  /** Models the map was fitted on. */
  readonly pairs: number;
  /** Pearson correlation of arena score and logit win rate over those models. */
  readonly correlation: number;
}

/** Fewest models with both scores behind an {@link ArenaMap}. */
export const ARENA_MAP_MIN_PAIRS = 5;

/** Fit the {@link ArenaMap} on the models that carry both scores as their own rows. */
export function fitArenaMap(models: readonly CatalogModel[]): ArenaMap | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const { prior } of models) {
    if (prior?.alpaca_eval_lc === undefined || prior.arena_score === undefined) continue;
    if (prior.alpaca_eval_from_arena === true) continue;
    if ((prior.basis ?? 'own') !== 'own' || (prior.arena_basis ?? 'own') !== 'own') continue;
    const share = Math.min(0.999, Math.max(0.001, prior.alpaca_eval_lc / 100));
    xs.push(prior.arena_score);
    ys.push(Math.log(share / (1 - share)));
  }
  const n = xs.length;
  if (n < ARENA_MAP_MIN_PAIRS) return undefined;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    const y = ys[i] as number;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  if (!(sxx > 0) || !(sxy > 0)) return undefined;
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope, pairs: n, correlation: sxy / Math.sqrt(sxx * syy) };
}

/** The AlpacaEval LC win rate (0-100) an Arena score maps to. */
export function arenaToAlpacaEval(map: ArenaMap, arena: number): number {
  return 100 / (1 + Math.exp(-(map.intercept + map.slope * arena)));
}

/** A model without an AlpacaEval row but with an Arena score gets the mapped win rate. */
function withArenaPrior(model: CatalogModel, map: ArenaMap | undefined): CatalogModel {
  const prior = model.prior;
  if (map === undefined || prior === undefined) return model;
  if (prior.alpaca_eval_lc !== undefined || prior.arena_score === undefined) return model;
  const lc = Math.round(arenaToAlpacaEval(map, prior.arena_score) * 100) / 100;
  return {
    ...model,
    prior: {
      ...prior,
      alpaca_eval_lc: lc,
      alpaca_eval_from_arena: true,
      ...(prior.arena_basis === undefined ? {} : { basis: prior.arena_basis }),
    },
  };
}

/**
 * A model name in the form the catalog compares loosely: lower case, the part after the last `/`,
 * runs of spaces, dots, underscores and colons as one `-`, without a trailing release date
 * (`-20240620`, `-2024-08-06`) or `-latest`. `Claude-3.5-Sonnet-20240620` and `claude-3-5-sonnet` agree.
 */
export function normalizeModelName(name: string): string {
  const tail = name.toLowerCase().split('/').at(-1) ?? '';
  return tail
    .replace(/[\s._:]+/gu, '-')
    .replace(/-+/gu, '-')
    .replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest)$/u, '')
    .replace(/^-|-$/gu, '');
}

/**
 * Whether a model is routed when a request names no `candidates`: not disabled by an operator and not
 * `legacy` (a benchmark-dataset or retired model, routed only when a request names it).
 */
export function isDefaultCandidate(model: CatalogModel): boolean {
  return model.disabled !== true && model.legacy !== true;
}

/** Load and validate a catalog file (default: the shipped models/catalog.json). */
export function loadCatalog(path: string = DEFAULT_CATALOG_PATH): Catalog {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    throw new RouterError(
      'CATALOG_INVALID',
      `${path}: cannot read catalog: ${errorMessage(error)}`,
      {
        cause: error,
        details: { file: path },
      },
    );
  }
  return parseCatalog(data, path);
}

function readModelId(data: unknown, index: number): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const models = (data as { models?: unknown }).models;
  if (!Array.isArray(models)) return undefined;
  const entry: unknown = models[index];
  if (typeof entry !== 'object' || entry === null) return `#${index}`;
  const id = (entry as { id?: unknown }).id;
  return typeof id === 'string' ? id : `#${index}`;
}
