import { RouterError } from '../core/index.js';
import type { CatalogModel } from '../catalog/index.js';

/** Token counts of one call. */
export interface TokenUsage {
  /** Prompt tokens. */
  readonly inputTokens: number;
  /** Completion tokens. */
  readonly outputTokens: number;
}

/**
 * Cost in USD of one call: input x input price + output x output price, prices per 1M tokens.
 * Throws INPUT_INVALID for negative or non-finite token counts.
 */
export function estimateCost(
  model: Pick<CatalogModel, 'id' | 'pricing'>,
  usage: TokenUsage,
): number {
  for (const [field, value] of Object.entries(usage)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RouterError('INPUT_INVALID', `${field} must be a finite number >= 0`, {
        details: { model: model.id, field },
      });
    }
  }
  return (
    (usage.inputTokens * model.pricing.input_per_million +
      usage.outputTokens * model.pricing.output_per_million) /
    1_000_000
  );
}
