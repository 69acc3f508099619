import type { CatalogModel } from '../catalog/index.js';
import type { Capability } from './request.js';

/** Why a model was left out of a decision. */
export type ExclusionReason =
  | 'NOT_A_CANDIDATE'
  | 'DISABLED'
  | 'MISSING_CAPABILITY'
  | 'CONTEXT_WINDOW'
  | 'OVER_COST_CAP'
  | 'OVER_LATENCY_SLO'
  | 'EXCLUDED_BY_REQUEST'
  | 'DENIED_BY_POLICY'
  | 'REGION_NOT_ALLOWED'
  | 'DATA_COLLECTION'
  | 'NOT_ZERO_RETENTION'
  | 'PII_NOT_CLEARED'
  | 'CIRCUIT_OPEN'
  | 'SATURATED';

/** One excluded model with its reason. */
export interface Exclusion {
  readonly model: string;
  readonly reason: ExclusionReason;
  readonly message: string;
}

/** True when `pattern` (an id, alias or `*` wildcard pattern, case-insensitive) matches the model. */
export function matchesPattern(
  pattern: string,
  model: Pick<CatalogModel, 'id' | 'aliases'>,
): boolean {
  const lower = pattern.toLowerCase();
  const names = [model.id, ...(model.aliases ?? [])].map((name) => name.toLowerCase());
  if (!lower.includes('*')) return names.includes(lower);
  const source = lower
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/gu, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 'u');
  return names.some((name) => regex.test(name));
}

/** Patterns that match no catalog model (a client error: probably a typo). */
export function unmatchedPatterns(
  patterns: readonly string[],
  models: readonly CatalogModel[],
): string[] {
  return patterns.filter((pattern) => !models.some((model) => matchesPattern(pattern, model)));
}

/** Options for {@link filterStatic}. */
export interface StaticFilterOptions {
  readonly models: readonly CatalogModel[];
  readonly candidates?: readonly string[];
  readonly capabilities?: readonly Capability[];
  /** Prompt tokens (counted with each model's tokenizer by `promptTokens`). */
  readonly promptTokens: (model: CatalogModel) => number;
  /** Output tokens to reserve when checking the context window. */
  readonly expectedOutputTokens: (model: CatalogModel) => number;
}

/**
 * Hard filters that need no prediction: candidate list, disabled models, capabilities and the context
 * window. Returns the eligible models and every exclusion with its reason.
 */
export function filterStatic(options: StaticFilterOptions): {
  eligible: CatalogModel[];
  excluded: Exclusion[];
} {
  const eligible: CatalogModel[] = [];
  const excluded: Exclusion[] = [];
  for (const model of options.models) {
    if (
      options.candidates !== undefined &&
      !options.candidates.some((pattern) => matchesPattern(pattern, model))
    ) {
      continue; // not asked for: not listed as excluded, to keep responses small
    }
    if (model.disabled === true) {
      excluded.push({ model: model.id, reason: 'DISABLED', message: 'disabled by an operator' });
      continue;
    }
    const missing = (options.capabilities ?? []).filter((cap) => !model.capabilities[cap]);
    if (missing.length > 0) {
      excluded.push({
        model: model.id,
        reason: 'MISSING_CAPABILITY',
        message: `lacks ${missing.join(', ')}`,
      });
      continue;
    }
    const needed = options.promptTokens(model) + options.expectedOutputTokens(model);
    if (needed > model.context_window) {
      excluded.push({
        model: model.id,
        reason: 'CONTEXT_WINDOW',
        message: `needs ${needed} tokens, context window is ${model.context_window}`,
      });
      continue;
    }
    eligible.push(model);
  }
  return { eligible, excluded };
}
