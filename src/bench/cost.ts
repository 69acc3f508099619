import type { Catalog, CatalogModel } from '../catalog/index.js';
import { RouterError } from '../core/index.js';
import type { RoutingPrompt } from '../data/index.js';
import { DEFAULT_HARDNESS, reasoningTokens } from '../router/reasoning.js';
import { createTokenCounter, estimateCost } from '../tokens/index.js';

/** Catalog entries for a dataset's model columns; MODEL_UNKNOWN when one is missing. */
export function catalogModels(catalog: Catalog, models: readonly string[]): CatalogModel[] {
  return models.map((id) => {
    const model = catalog.get(id);
    if (model === undefined) {
      throw new RouterError('MODEL_UNKNOWN', `model "${id}" is not in the catalog`, {
        details: { model: id },
      });
    }
    return model;
  });
}

/** Input tokens per prompt per model, each model's tokenizer family (tiktoken, or its approximation). */
export function inputTokenMatrix(
  prompts: readonly RoutingPrompt[],
  models: readonly CatalogModel[],
): Float64Array[] {
  return prompts.map((prompt) => {
    const count = createTokenCounter(prompt.text);
    return Float64Array.from(models, (model) => count(model.tokenizer));
  });
}

/** Inputs of {@link accountingCosts}. */
export interface AccountingInput {
  readonly prompts: readonly RoutingPrompt[];
  readonly models: readonly CatalogModel[];
  readonly inputTokens: readonly Float64Array[];
  /** Output tokens assumed where the data has none. */
  readonly defaultOutputTokens: number;
  /**
   * Each model's column in the prompts' own cost and output-token arrays (their dataset's model
   * order), -1 where the dataset has none (priced with the default output). Default: `models` order.
   */
  readonly columns?: readonly number[];
}

/**
 * The cost each call actually had, USD per prompt per model: the data's real per-call cost when it
 * has one (RouterBench), else catalog price × (input tokens + output tokens), with output tokens
 * counted on the logged response (GSM8K, MT-Bench) or the suite's assumed default (MMLU, LLMRouter),
 * plus a reasoning model's hidden reasoning tokens at middling hardness (catalog `reasoning`).
 */
export function accountingCosts(input: AccountingInput): Float64Array[] {
  return input.prompts.map((prompt, i) =>
    Float64Array.from(input.models, (model, m) => {
      const c = input.columns === undefined ? m : (input.columns[m] ?? -1);
      const real = c < 0 ? Number.NaN : (prompt.costUsd?.[c] ?? Number.NaN);
      if (Number.isFinite(real)) return real;
      const observed = c < 0 ? Number.NaN : (prompt.outputTokens?.[c] ?? Number.NaN);
      // Logged output tokens include any reasoning (the APIs count it in completion tokens); where
      // there are none, a reasoning model also bills its hidden reasoning, taken at middling hardness
      // (the same figure for every prompt, so the accounting does not follow any router's estimate).
      const output = Number.isFinite(observed)
        ? observed
        : input.defaultOutputTokens + reasoningTokens(model, DEFAULT_HARDNESS);
      return priceOf(model, (input.inputTokens[i] as Float64Array)[m] as number, output);
    }),
  );
}

/** Inputs of {@link estimatedCosts}. */
export interface EstimateInput {
  readonly models: readonly CatalogModel[];
  readonly inputTokens: readonly Float64Array[];
  /** Predicted output tokens per prompt per model (from the training rows only). */
  readonly predictedOutputTokens: readonly ArrayLike<number>[];
}

/** What a router can know before the call: catalog price × (input tokens + predicted output tokens). */
export function estimatedCosts(input: EstimateInput): Float64Array[] {
  return input.inputTokens.map((row, i) =>
    Float64Array.from(input.models, (model, m) =>
      priceOf(
        model,
        row[m] as number,
        (input.predictedOutputTokens[i] as ArrayLike<number>)[m] as number,
      ),
    ),
  );
}

function priceOf(model: CatalogModel, inputTokens: number, outputTokens: number): number {
  return estimateCost(model, { inputTokens, outputTokens });
}
