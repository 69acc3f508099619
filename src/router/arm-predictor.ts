import type { CatalogModel } from '../catalog/index.js';
import type { OutputLengthPredictor, QualityPredictor } from '../predict/index.js';
import { IrtPredictor } from '../predict/irt-predictor.js';
import { DEFAULT_HARDNESS, HardnessScale, promptDifficulty, reasoningTokens } from './reasoning.js';

/** Predicted outcome of sending one prompt to one model. */
export interface ArmEstimate {
  /** Expected quality in [0, 1]. */
  readonly quality: number;
  /** Expected completion tokens billed: the visible answer plus {@link reasoningTokens}. */
  readonly outputTokens: number;
  /** Hidden reasoning tokens included in `outputTokens` (0 for a model that does not reason). */
  readonly reasoningTokens?: number;
  /** Where the estimate came from: the trained predictor, or public priors (catalog). */
  readonly source: 'predictor' | 'prior';
  /** Standard deviation of `quality` (ensemble spread; priors add the prior map's residual). */
  readonly uncertainty?: number;
}

/** Estimates quality and output length for every model, from one prompt embedding. */
export interface ArmPredictor {
  /** Recorded with each decision (artifact id + version, or `prior`). */
  readonly version: string;
  /** Embedding dimension it expects. */
  readonly dimension: number | undefined;
  estimate(embedding: Float32Array, models: readonly CatalogModel[]): ArmEstimate[];
}

/**
 * Prior quality by catalog tier, used for a model the trained predictor has never seen (added at
 * run time, or absent from the training logs). Loosely the mean accuracy of each tier over the
 * shared routing data (RouterBench frontier models ~0.8, 7B-13B models ~0.5); the bandit refines it
 * from outcomes.
 */
export const TIER_PRIOR_QUALITY: Readonly<Record<CatalogModel['tags']['tier'], number>> = {
  frontier: 0.8,
  mid: 0.65,
  small: 0.5,
};

/** Output tokens assumed when nothing better is known. */
export const DEFAULT_OUTPUT_TOKENS = 256;

/** Uncertainty reported for a constant tier prior (no artifact): wide. */
const TIER_PRIOR_UNCERTAINTY = 0.25;

/** An ArmPredictor that knows only the catalog (no artifact). */
export function priorArmPredictor(): ArmPredictor {
  return {
    version: 'prior',
    dimension: undefined,
    estimate: (_embedding, models) =>
      models.map((model) => {
        const reasoning = reasoningTokens(model, DEFAULT_HARDNESS);
        return {
          quality: TIER_PRIOR_QUALITY[model.tags.tier],
          outputTokens: DEFAULT_OUTPUT_TOKENS + reasoning,
          reasoningTokens: reasoning,
          source: 'prior' as const,
          uncertainty: TIER_PRIOR_UNCERTAINTY,
        };
      }),
  };
}

/** Options for {@link trainedArmPredictor}. */
export interface TrainedArmPredictorOptions {
  readonly version: string;
  readonly quality: QualityPredictor;
  readonly outputLength?: OutputLengthPredictor;
  /** Resolves a catalog id to the id the predictor was trained with (aliases). */
  readonly resolve?: (model: CatalogModel) => string;
  /**
   * The artifact's reference prompts: a prompt's hardness for reasoning tokens is its rank among
   * them (src/router/reasoning.ts). Without them every prompt is of middling hardness.
   */
  readonly reference?: { readonly embeddings: readonly Float32Array[] };
}

/**
 * Adapts trained predictors to catalog models. Models the artifact covers get its estimates. With
 * the joint IRT model every other catalog model is put on the same footing from public facts: an
 * ability from its AlpacaEval score and tier (or its tier alone), its tier's discrimination, and
 * the prompt's predicted difficulty (`source: 'prior'`). Other predictor kinds fall back to
 * {@link TIER_PRIOR_QUALITY}.
 */
export function trainedArmPredictor(options: TrainedArmPredictorOptions): ArmPredictor {
  const qualityIndex = new Map(options.quality.models.map((id, i) => [id, i]));
  const lengthIndex = new Map((options.outputLength?.models ?? []).map((id, i) => [id, i]));
  const dimension = (options.quality.toState().dimension as number | undefined) ?? undefined;
  const resolve = options.resolve ?? ((model: CatalogModel) => model.id);
  const irt = options.quality instanceof IrtPredictor ? options.quality : undefined;
  // Ranked lazily, on the first prompt that a reasoning model is estimated for.
  let scale: HardnessScale | undefined;
  const hardnessScale = (): HardnessScale => {
    scale ??= new HardnessScale(
      options.quality
        .predict(options.reference?.embeddings ?? [])
        .map((row) => promptDifficulty(row) ?? Number.NaN),
    );
    return scale;
  };
  return {
    version: options.version,
    dimension,
    estimate(embedding, models) {
      const joint = irt?.estimate([embedding])[0];
      const prior = irt?.priorEstimator(embedding);
      const quality = joint?.mean ?? options.quality.predict([embedding])[0];
      const lengths = options.outputLength?.predict([embedding])[0];
      const lengthModel = options.outputLength as
        { predictUnseen?: (x: Float32Array) => number | undefined } | undefined;
      const unseenTokens = lengthModel?.predictUnseen?.(embedding) ?? DEFAULT_OUTPUT_TOKENS;
      let hardness: number | undefined;
      const reasoningOf = (model: CatalogModel): number => {
        if (model.reasoning === undefined) return 0;
        hardness ??= hardnessScale().hardness(promptDifficulty(quality));
        return reasoningTokens(model, hardness);
      };
      return models.map((model) => {
        const id = resolve(model);
        const qi = qualityIndex.get(id);
        const li = lengthIndex.get(id);
        const q = qi === undefined ? undefined : quality?.[qi];
        const tokens = li === undefined ? undefined : lengths?.[li];
        const known = q !== undefined && Number.isFinite(q);
        const reasoning = reasoningOf(model);
        const outputTokens =
          (tokens !== undefined && Number.isFinite(tokens) && tokens > 0 ? tokens : unseenTokens) +
          reasoning;
        if (known) {
          return {
            quality: Math.min(1, Math.max(0, q)),
            outputTokens,
            reasoningTokens: reasoning,
            source: 'predictor' as const,
            uncertainty: qi === undefined ? 0 : (joint?.spread[qi] ?? 0),
          };
        }
        if (prior !== undefined) {
          const lc = model.prior?.alpaca_eval_lc;
          const estimate = prior({
            tier: model.tags.tier,
            ...(lc === undefined ? {} : { publicScore: lc / 100 }),
          });
          return {
            quality: estimate.mean,
            outputTokens,
            reasoningTokens: reasoning,
            source: 'prior' as const,
            uncertainty: estimate.spread,
          };
        }
        return {
          quality: TIER_PRIOR_QUALITY[model.tags.tier],
          outputTokens,
          reasoningTokens: reasoning,
          source: 'prior' as const,
          uncertainty: TIER_PRIOR_UNCERTAINTY,
        };
      });
    },
  };
}
