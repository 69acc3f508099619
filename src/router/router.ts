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
import { exhausted, pacingFactor, periodAdjective } from './budget.js';
import { filterStatic, matchesPattern, unmatchedPatterns, type Exclusion } from './candidates.js';
import type { RoutingControls } from './controls.js';
import { piiKinds, type PiiKind } from './pii.js';
import { pinnedIndex, sessionKey, sessionSwitchPenalty } from './sessions.js';
import { complianceExclusion } from './tenant-policy.js';
import { fullPromptText, routingText, type RouteRequest } from './request.js';
import {
  greedyPolicy,
  type ScoredArm,
  type SelectionArmTags,
  type SelectionPolicy,
} from './selection.js';
import { DEFAULT_TRADEOFF, tradeoffToWillingness } from './tradeoff.js';
import {
  armScore,
  chooseArm,
  compareArms,
  DEFAULT_QUALITY_FLOOR,
  eligibleCount,
  qualityThreshold,
} from './decision-rule.js';
import { isDefaultCandidate } from '../catalog/index.js';

/** One ranked candidate in a decision (the ranking doubles as the fallback order). */
export interface RankedArm extends ScoredArm {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Observed p95 latency, ms, when known. */
  readonly latencyP95Ms: number | null;
  /** Where the quality estimate came from. */
  readonly source: 'predictor' | 'prior';
  /** Standard deviation of the predicted quality (ensemble spread, plus the prior's for priors). */
  readonly qualityUncertainty: number;
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
  /** Kinds of PII found in the prompt (the request was restricted to cleared models). */
  readonly pii: readonly PiiKind[];
  /** Multiplier budget pacing applied to willingness to pay (1 = on or under pace). */
  readonly budgetPacing: number;
  /** True when the session's pinned model was kept. */
  readonly sessionPinned: boolean;
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
  /** Compliance, circuit breakers, capacity, sessions and budgets. */
  readonly controls?: RoutingControls;
  readonly rng: Rng;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /**
   * The calibrated 0-10 knob: willingness to pay for a slider value (see knob.ts).
   * @default tradeoffToWillingness (the uncalibrated log-uniform map)
   */
  readonly knob?: (slider: number) => number;
  /** The quality floor of the calibrated knob for a slider value. @default DEFAULT_QUALITY_FLOOR */
  readonly knobFloor?: (slider: number) => number;
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
    const controls = this.deps.controls ?? {};
    const tenant = request.tenant ?? 'default';
    const tenantPolicy = controls.policyFor?.(tenant) ?? {};
    const budgets = controls.budgets?.(tenant, tenantPolicy) ?? [];
    const spent = exhausted(budgets);
    if (spent !== undefined && tenantPolicy.budget?.hard_stop === true) {
      throw new RouterError(
        'BUDGET_EXCEEDED',
        `the ${periodAdjective(spent.period)} budget of tenant ${tenant} is spent`,
        {
          details: { period: spent.period, budget_usd: spent.budgetUsd, spent_usd: spent.spentUsd },
        },
      );
    }
    const text = routingText(request);
    const full = fullPromptText(request);
    const piiMode = tenantPolicy.pii ?? 'restrict';
    const pii = piiMode === 'allow' ? [] : piiKinds(full);
    if (pii.length > 0 && piiMode === 'block') {
      throw new RouterError(
        'PII_BLOCKED',
        `the prompt contains ${pii.join(', ')}; tenant policy blocks it`,
        {
          details: { kinds: pii },
        },
      );
    }
    const [embedding] = await this.deps.embedder.embed(
      [text],
      options.signal === undefined ? {} : { signal: options.signal },
    );
    if (embedding === undefined)
      throw new RouterError('EMBEDDING_FAILED', 'embedder returned no row');

    const tokens = createTokenCounter(full);
    // Disabled and legacy (dataset-only) models are routed only when a request names candidates.
    const asked = catalog.models.filter(
      (model) => isDefaultCandidate(model) || request.candidates !== undefined,
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

    const pacing = pacingFactor(budgets);
    const wtp =
      (request.willingnessToPay ??
        (this.deps.knob ?? tradeoffToWillingness)(request.tradeoff ?? DEFAULT_TRADEOFF)) * pacing;
    const ranked: RankedArm[] = [];
    const tagsOf = new Map<string, SelectionArmTags>();
    for (const model of eligible) {
      const estimate = estimates.get(model.id);
      const inputTokens = tokens(model.tokenizer);
      const outputTokens = outputOf(model);
      const cost = estimateCost(model, { inputTokens, outputTokens });
      const latency = (controls.health ?? this.deps.health)?.latencyP95Ms(model.id);
      const blocked = this.controlExclusion(model, {
        request,
        tenantPolicy,
        pii,
        tokens: inputTokens + outputTokens,
      });
      if (blocked !== undefined) {
        excluded.push(blocked);
        continue;
      }
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
        score: armScore(quality, cost, wtp),
        inputTokens,
        outputTokens,
        latencyP95Ms: latency ?? null,
        source: estimate?.source ?? 'prior',
        qualityUncertainty: estimate?.uncertainty ?? 0,
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
    const qualityFloor = request.qualityFloor ?? DEFAULT_QUALITY_FLOOR;
    const threshold = qualityThreshold(ranked, qualityFloor);
    ranked.sort((a, b) => compareArms(a, b, threshold));

    const policy = this.policy;
    // The bandit chooses among the candidates that reach the quality floor (a prefix of `ranked`);
    // the others stay in the fallback order. A policy that corrects the predictions gets them all
    // and applies the same rule to its corrected values.
    const everyArm = policy.candidates === 'all';
    const floorArms = everyArm ? ranked : ranked.slice(0, eligibleCount(ranked, threshold));
    const selection = policy.select({
      ...(everyArm
        ? { rule: (arms) => chooseArm(arms, { willingnessToPay: wtp, qualityFloor }) }
        : {}),
      arms: floorArms,
      embedding,
      willingnessToPay: wtp,
      rng: this.deps.rng,
      tags: floorArms.map((arm) => tagsOf.get(arm.model)),
      tenant: request.tenant ?? 'default',
    });
    const key = sessionKey({
      tenant,
      ...(request.sessionId === undefined ? {} : { sessionId: request.sessionId }),
      ...(request.messages === undefined ? {} : { messages: request.messages }),
    });
    const pinned = key === undefined ? undefined : controls.sessions?.get(key);
    const pinIndex =
      pinned === undefined
        ? -1
        : pinnedIndex(
            ranked,
            pinned,
            sessionSwitchPenalty(key, tenantPolicy.session_switch_penalty),
          );
    const sessionPinned = pinIndex >= 0 && ranked[pinIndex]?.model === pinned;
    const chosen = (sessionPinned ? ranked[pinIndex] : ranked[selection.index]) ?? ranked[0];
    // The chosen model leads the fallback order; the rest keep their offline ranking.
    const ordered =
      chosen === undefined ? ranked : [chosen, ...ranked.filter((arm) => arm !== chosen)];
    const decisionId = (this.deps.ids ?? uuidGenerator)();
    if (chosen !== undefined) {
      if (key !== undefined) controls.sessions?.set(key, chosen.model);
      controls.capacity?.start(chosen.model, decisionId, chosen.inputTokens + chosen.outputTokens);
      const provider = catalog.get(chosen.model)?.provider;
      if (provider !== undefined) controls.health?.admit(chosen.model, provider, true);
    }
    return {
      decisionId,
      createdAtMs: (this.deps.clock ?? systemClock).now(),
      tenant: request.tenant ?? 'default',
      model: ordered[0]?.model ?? '',
      ranked: ordered,
      excluded,
      policy: policy.name,
      policyVersion: policy.version,
      propensity: sessionPinned ? 1 : selection.propensity,
      explored: sessionPinned ? false : selection.explored,
      predictorVersion: this.deps.predictor.version,
      willingnessToPay: wtp,
      promptHash: sha256Hex(text),
      routedText: text,
      embedding,
      embedderId: this.deps.embedder.modelId,
      ...(selection.features === undefined ? {} : { policyFeatures: selection.features }),
      pii,
      budgetPacing: pacing,
      sessionPinned,
    };
  }

  /** Request excludes, tenant compliance, open circuits and saturation, in that order. */
  private controlExclusion(
    model: CatalogModel,
    context: {
      request: RouteRequest;
      tenantPolicy: ReturnType<NonNullable<RoutingControls['policyFor']>>;
      pii: readonly PiiKind[];
      tokens: number;
    },
  ): Exclusion | undefined {
    const controls = this.deps.controls ?? {};
    if (context.request.exclude?.some((pattern) => matchesPattern(pattern, model)) === true) {
      return { model: model.id, reason: 'EXCLUDED_BY_REQUEST', message: 'listed in exclude' };
    }
    const compliance = complianceExclusion(model, context.tenantPolicy, context.pii);
    if (compliance !== undefined) return compliance;
    const admission = controls.health?.admit(model.id, model.provider);
    if (admission !== undefined && !admission.allowed) {
      return {
        model: model.id,
        reason: 'CIRCUIT_OPEN',
        message: `${admission.scope === 'provider' ? `provider ${model.provider}` : 'model'} is failing; retry in ${Math.ceil(admission.retryInMs / 1000)} s`,
      };
    }
    const saturation = controls.capacity?.saturation(model, context.tokens);
    if (saturation !== undefined) {
      return { model: model.id, reason: 'SATURATED', message: saturation };
    }
    return undefined;
  }
}
