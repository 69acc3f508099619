import type { Catalog, CatalogModel } from '../catalog/index.js';
import {
  RouterError,
  sha256Hex,
  systemClock,
  uuidGenerator,
  type Clock,
  type IdGenerator,
  type Rng,
} from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import { createTokenCounter, estimateCost } from '../tokens/index.js';
import type { ArmPredictor } from './arm-predictor.js';
import { filterStatic, unmatchedPatterns, type Exclusion } from './candidates.js';
import { fullPromptText, routingText, type RouteRequest } from './request.js';
import {
  greedyPolicy,
  type ScoredArm,
  type SelectionArmTags,
  type SelectionPolicy,
} from './selection.js';
import { DEFAULT_TRADEOFF, tradeoffToWillingness, utility } from './tradeoff.js';

/** One ranked candidate in a decision (the ranking doubles as the fallback order). */
export interface RankedArm extends ScoredArm {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Observed p95 latency, ms, when known. */
  readonly latencyP95Ms: number | null;
  /** Where the quality estimate came from. */
  readonly source: 'predictor' | 'prior';
}

/** A routing decision. */
export interface RouteDecision {
  readonly decisionId: string;
  readonly createdAtMs: number;
  readonly tenant: string;
  readonly model: string;
  readonly ranked: readonly RankedArm[];
  readonly excluded: readonly Exclusion[];
  readonly policy: string;
  readonly policyVersion: number;
  readonly propensity: number;
  readonly explored: boolean;
  readonly predictorVersion: string;
  readonly willingnessToPay: number;
  readonly promptHash: string;
  readonly routedText: string;
  readonly embedding: Float32Array;
  readonly embedderId: string;
  /** Context features the selection policy used (bandit policies), for its update on feedback. */
  readonly policyFeatures?: readonly number[];
}

/** Live per-model observations the router filters on. */
export interface ModelHealthView {
  /** Observed p95 latency, ms, or undefined when too few outcomes. */
  latencyP95Ms(model: string): number | undefined;
}

/** Dependencies of {@link Router}. */
export interface RouterDeps {
  /** The catalog in force (read per request: admins can change it at run time). */
  readonly catalog: () => Catalog;
  readonly embedder: Embedder;
  readonly predictor: ArmPredictor;
  readonly policy?: SelectionPolicy;
  readonly health?: ModelHealthView;
  readonly rng: Rng;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

/** embed → predict → filter → score → policy → decision. Pure of I/O except the embedder. */
export class Router {
  private readonly deps: RouterDeps;

  constructor(deps: RouterDeps) {
    this.deps = deps;
  }

  /** The selection policy in force. */
  get policy(): SelectionPolicy {
    return this.deps.policy ?? greedyPolicy;
  }

  /**
   * Decide which model answers. Throws MODEL_UNKNOWN for candidate patterns that match nothing and
   * NO_ELIGIBLE_ARM (with every exclusion) when the filters leave no model.
   */
  async route(
    request: RouteRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<RouteDecision> {
    const catalog = this.deps.catalog();
    if (request.candidates !== undefined) {
      const unknown = unmatchedPatterns(request.candidates, catalog.models);
      if (unknown.length > 0) {
        throw new RouterError('MODEL_UNKNOWN', `no catalog model matches ${unknown.join(', ')}`, {
          details: { candidates: unknown },
        });
      }
    }
    const text = routingText(request);
    const full = fullPromptText(request);
    const [embedding] = await this.deps.embedder.embed(
      [text],
      options.signal === undefined ? {} : { signal: options.signal },
    );
    if (embedding === undefined)
      throw new RouterError('EMBEDDING_FAILED', 'embedder returned no row');

    const tokens = createTokenCounter(full);
    const asked = catalog.models.filter(
      (model) => model.disabled !== true || request.candidates !== undefined,
    );
    const estimates = new Map(
      this.deps.predictor.estimate(embedding, asked).map((estimate, i) => [asked[i]?.id, estimate]),
    );
    const outputOf = (model: CatalogModel): number =>
      Math.round(estimates.get(model.id)?.outputTokens ?? 0);
    const { eligible, excluded } = filterStatic({
      models: asked,
      ...(request.candidates === undefined ? {} : { candidates: request.candidates }),
      ...(request.capabilities === undefined ? {} : { capabilities: request.capabilities }),
      promptTokens: (model) => tokens(model.tokenizer),
      expectedOutputTokens: outputOf,
    });

    const wtp =
      request.willingnessToPay ?? tradeoffToWillingness(request.tradeoff ?? DEFAULT_TRADEOFF);
    const ranked: RankedArm[] = [];
    const tagsOf = new Map<string, SelectionArmTags>();
    for (const model of eligible) {
      const estimate = estimates.get(model.id);
      const inputTokens = tokens(model.tokenizer);
      const outputTokens = outputOf(model);
      const cost = estimateCost(model, { inputTokens, outputTokens });
      const latency = this.deps.health?.latencyP95Ms(model.id);
      if (request.maxCostUsd !== undefined && cost > request.maxCostUsd) {
        excluded.push({
          model: model.id,
          reason: 'OVER_COST_CAP',
          message: `estimated ${cost.toPrecision(3)} USD exceeds max_cost_usd ${request.maxCostUsd}`,
        });
        continue;
      }
      if (
        request.maxLatencyMs !== undefined &&
        latency !== undefined &&
        latency > request.maxLatencyMs
      ) {
        excluded.push({
          model: model.id,
          reason: 'OVER_LATENCY_SLO',
          message: `observed p95 ${Math.round(latency)} ms exceeds max_latency_ms ${request.maxLatencyMs}`,
        });
        continue;
      }
      const quality = estimate?.quality ?? 0;
      ranked.push({
        model: model.id,
        predictedQuality: quality,
        estimatedCostUsd: cost,
        score: utility(quality, cost, wtp),
        inputTokens,
        outputTokens,
        latencyP95Ms: latency ?? null,
        source: estimate?.source ?? 'prior',
      });
      tagsOf.set(model.id, {
        tier: model.tags.tier,
        family: model.tags.family,
        source: estimate?.source ?? 'prior',
      });
    }
    if (ranked.length === 0) {
      throw new RouterError('NO_ELIGIBLE_ARM', 'no candidate model satisfies the request', {
        details: { excluded },
      });
    }
    ranked.sort((a, b) => b.score - a.score || a.estimatedCostUsd - b.estimatedCostUsd);

    const policy = this.policy;
    const selection = policy.select({
      arms: ranked,
      embedding,
      willingnessToPay: wtp,
      rng: this.deps.rng,
      tags: ranked.map((arm) => tagsOf.get(arm.model)),
      tenant: request.tenant ?? 'default',
    });
    const chosen = ranked[selection.index] ?? ranked[0];
    // The chosen model leads the fallback order; the rest keep their offline ranking.
    const ordered =
      chosen === undefined ? ranked : [chosen, ...ranked.filter((arm) => arm !== chosen)];
    return {
      decisionId: (this.deps.ids ?? uuidGenerator)(),
      createdAtMs: (this.deps.clock ?? systemClock).now(),
      tenant: request.tenant ?? 'default',
      model: ordered[0]?.model ?? '',
      ranked: ordered,
      excluded,
      policy: policy.name,
      policyVersion: policy.version,
      propensity: selection.propensity,
      explored: selection.explored,
      predictorVersion: this.deps.predictor.version,
      willingnessToPay: wtp,
      promptHash: sha256Hex(text),
      routedText: text,
      embedding,
      embedderId: this.deps.embedder.modelId,
      ...(selection.features === undefined ? {} : { policyFeatures: selection.features }),
    };
  }
}
