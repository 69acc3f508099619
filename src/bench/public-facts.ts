import type { Catalog } from '../catalog/index.js';
import type { PublicModelFacts } from '../predict/index.js';

/**
 * Public facts of every catalog model: AlpacaEval LC win rate (as a share; for a model without an
 * AlpacaEval row, its Chatbot Arena score mapped onto that scale by the catalog) and tier.
 */
export function publicModelFacts(catalog: Catalog): PublicModelFacts {
  const publicScores = new Map<string, number>();
  const modelTiers = new Map<string, string>();
  for (const model of catalog.models) {
    modelTiers.set(model.id, model.tags.tier);
    const lc = model.prior?.alpaca_eval_lc;
    if (lc !== undefined) publicScores.set(model.id, lc / 100);
  }
  return { publicScores, modelTiers };
}
