/**
 * Two (or more) predictor artifacts side by side on the same held-out prompts of the user's own
 * traffic: calibration (Brier score of predicted quality against every observed label), and the
 * served decision rule's routing among the models observed on each prompt (realised mean quality
 * and cost at the default slider, and AIQ over the slider sweep, RouterBench eq. 3).
 */
import type { Catalog, CatalogModel } from '../catalog/index.js';
import { aiq } from '../metrics/index.js';
import {
  DEFAULT_OUTPUT_TOKENS,
  DEFAULT_TRADEOFF,
  chooseArm,
  tradeoffToWillingness,
  type ArmPredictor,
} from '../router/index.js';
import { estimateCost, fromCl100kCount } from '../tokens/index.js';

/** What was observed for one model on a held-out prompt. */
export interface ObservedLabel {
  readonly quality: number;
  /** Reported cost, USD (else the catalog price of the reported or default output length). */
  readonly costUsd?: number;
  readonly outputTokens?: number;
}

/** One held-out prompt: its embedding, prompt tokens (cl100k_base) and labels by catalog id. */
export interface HeldOutPrompt {
  readonly embedding: Float32Array;
  readonly inputTokens: number;
  readonly labels: ReadonlyMap<string, ObservedLabel>;
}

/** One artifact's scores on the held-out prompts. */
export interface HeldOutScores {
  readonly name: string;
  /** The ArmPredictor's version (artifact id + predictor digest). */
  readonly version: string;
  /** (prompt, model) labels scored for calibration. */
  readonly pairs: number;
  /** Mean squared error of predicted quality against the labels. */
  readonly brier: number;
  /** Prompts with two or more observed models (where routing can differ). */
  readonly routedPrompts: number;
  /** Realised mean quality of the rule's choices at the default slider. */
  readonly quality: number;
  /** Realised mean cost of those choices, USD. */
  readonly costUsd: number;
  /** AIQ of the slider sweep 0-10 over the common cost range of every artifact compared. */
  readonly aiq: number;
}

/** Slider values of the sweep. */
const SLIDERS = Array.from({ length: 21 }, (_, i) => i / 2);

/** The observed cost of a label, or the catalog price of its (or the default) output length. */
function observedCost(model: CatalogModel, label: ObservedLabel, inputTokens: number): number {
  if (label.costUsd !== undefined && Number.isFinite(label.costUsd)) return label.costUsd;
  return estimateCost(model, {
    inputTokens: fromCl100kCount(inputTokens, model.tokenizer),
    outputTokens: Math.round(label.outputTokens ?? DEFAULT_OUTPUT_TOKENS),
  });
}

/** Per prompt: the catalog models observed, predicted quality and estimated cost for each. */
function predictions(
  prompts: readonly HeldOutPrompt[],
  predictor: ArmPredictor,
  catalog: Catalog,
): { models: CatalogModel[]; quality: number[]; cost: number[] }[] {
  return prompts.map((prompt) => {
    const models = [...prompt.labels.keys()]
      .map((id) => catalog.get(id))
      .filter((model): model is CatalogModel => model !== undefined);
    const estimates = predictor.estimate(prompt.embedding, models);
    return {
      models,
      quality: estimates.map((e) => e.quality),
      cost: models.map((model, m) =>
        estimateCost(model, {
          inputTokens: fromCl100kCount(prompt.inputTokens, model.tokenizer),
          outputTokens: Math.round(estimates[m]?.outputTokens ?? DEFAULT_OUTPUT_TOKENS),
        }),
      ),
    };
  });
}

/** Mean realised quality and cost of the rule's choices at one willingness to pay. */
function operatingPoint(
  prompts: readonly HeldOutPrompt[],
  predicted: ReturnType<typeof predictions>,
  willingnessToPay: number,
): { quality: number; cost: number; count: number } {
  let quality = 0;
  let cost = 0;
  let count = 0;
  predicted.forEach((row, i) => {
    if (row.models.length < 2) return;
    const pick = chooseArm(
      row.models.map((_, m) => ({
        predictedQuality: row.quality[m] as number,
        estimatedCostUsd: row.cost[m] as number,
      })),
      { willingnessToPay },
    );
    const model = row.models[pick];
    const prompt = prompts[i] as HeldOutPrompt;
    const label = model === undefined ? undefined : prompt.labels.get(model.id);
    if (model === undefined || label === undefined) return;
    quality += label.quality;
    cost += observedCost(model, label, prompt.inputTokens);
    count += 1;
  });
  return { quality: quality / count, cost: cost / count, count };
}

/** Score each artifact on the same held-out prompts (pure, deterministic). */
export function compareOnHeldOut(options: {
  readonly prompts: readonly HeldOutPrompt[];
  readonly artifacts: readonly { readonly name: string; readonly predictor: ArmPredictor }[];
  readonly catalog: Catalog;
}): HeldOutScores[] {
  const { prompts, catalog } = options;
  const scored = options.artifacts.map(({ name, predictor }) => {
    const predicted = predictions(prompts, predictor, catalog);
    let squared = 0;
    let pairs = 0;
    predicted.forEach((row, i) => {
      row.models.forEach((model, m) => {
        const label = prompts[i]?.labels.get(model.id);
        if (label === undefined) return;
        squared += ((row.quality[m] as number) - label.quality) ** 2;
        pairs += 1;
      });
    });
    const sweep = SLIDERS.map((slider) =>
      operatingPoint(prompts, predicted, tradeoffToWillingness(slider)),
    );
    const served = operatingPoint(prompts, predicted, tradeoffToWillingness(DEFAULT_TRADEOFF));
    return { name, version: predictor.version, pairs, brier: squared / pairs, sweep, served };
  });
  const costs = scored.flatMap((s) => s.sweep.map((p) => p.cost)).filter(Number.isFinite);
  const range = { min: Math.min(...costs), max: Math.max(...costs) };
  return scored.map((s) => ({
    name: s.name,
    version: s.version,
    pairs: s.pairs,
    brier: s.brier,
    routedPrompts: s.served.count,
    quality: s.served.quality,
    costUsd: s.served.cost,
    aiq:
      s.served.count === 0
        ? Number.NaN
        : aiq(
            s.sweep.map((p) => ({ quality: p.quality, cost: p.cost })),
            range,
          ),
  }));
}

/** The comparison as a fixed-width table (NaN printed as `-`). */
export function formatComparison(scores: readonly HeldOutScores[]): string {
  const f = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
  const rows = scores.map(
    (s) =>
      `${s.name.padEnd(10)} ${s.version.padEnd(32)} ${String(s.pairs).padStart(6)} ${f(s.brier, 4).padStart(7)} ` +
      `${String(s.routedPrompts).padStart(7)} ${f(s.quality, 4).padStart(7)} ${f(s.costUsd, 6).padStart(9)} ${f(s.aiq, 4).padStart(7)}`,
  );
  return [
    `${'artifact'.padEnd(10)} ${'version'.padEnd(32)} ${'pairs'.padStart(6)} ${'brier'.padStart(7)} ` +
      `${'routed'.padStart(7)} ${'quality'.padStart(7)} ${'cost_usd'.padStart(9)} ${'aiq'.padStart(7)}`,
    ...rows,
  ].join('\n');
}
