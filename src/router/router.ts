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
import { filterStatic, matchesPattern, type Exclusion } from './candidates.js';
import type { RoutingControls } from './controls.js';
import type { PiiKind } from './pii.js';
import { pinnedIndex, sessionKey, sessionSwitchPenalty, sessionThreshold } from './sessions.js';
import { complianceExclusion } from './tenant-policy.js';
import type { RouteRequest } from './request.js';
import {
  checkCandidatePatterns,
  limitExclusion,
  screenPrompt,
  type Candidates,
  type PromptContext,
  type TenantContext,
} from './route-stages.js';
import { greedyPolicy, type SelectionArmTags, type SelectionPolicy } from './selection.js';
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
import type { RankedArm, RouteDecision } from './route-decision.js';

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
    checkCandidatePatterns(request, catalog);
    const tenant = this.admitTenant(request);
    const prompt = screenPrompt(request, tenant.policy);
    const embedding = await this.embed(prompt.text, options.signal);
    const candidates = this.resolveCandidates({ request, catalog, embedding, prompt });
    const willingnessToPay = this.willingnessToPay(request, tenant.pacing);
    const ranked = this.rank({
      request,
      tenant,
      prompt,
      candidates,
      willingnessToPay,
    });
    const selection = this.select({ request, ranked, embedding, willingnessToPay });
    const pick = this.applySession({
      request,
      tenant,
      ranked: ranked.arms,
      threshold: ranked.threshold,
      selectedIndex: selection.index,
    });
    const decisionId = (this.deps.ids ?? uuidGenerator)();
    this.commit({ catalog, decisionId, pick });
    return {
      decisionId,
      createdAtMs: (this.deps.clock ?? systemClock).now(),
      tenant: tenant.name,
      model: pick.ordered[0]?.model ?? '',
      ranked: pick.ordered,
      excluded: candidates.excluded,
      policy: this.policy.name,
      policyVersion: this.policy.version,
      propensity: pick.sessionPinned ? 1 : selection.propensity,
      explored: pick.sessionPinned ? false : selection.explored,
      predictorVersion: this.deps.predictor.version,
      willingnessToPay,
      promptHash: sha256Hex(prompt.text),
      routedText: prompt.text,
      embedding,
      embedderId: this.deps.embedder.modelId,
      ...(selection.features === undefined ? {} : { policyFeatures: selection.features }),
      pii: prompt.pii,
      budgetPacing: tenant.pacing,
      sessionPinned: pick.sessionPinned,
    };
  }

  /** The tenant's policy and budgets; BUDGET_EXCEEDED when a spent budget is a hard stop. */
  private admitTenant(request: RouteRequest): TenantContext {
    const controls = this.deps.controls ?? {};
    const name = request.tenant ?? 'default';
    const policy = controls.policyFor?.(name) ?? {};
    const budgets = controls.budgets?.(name, policy) ?? [];
    const spent = exhausted(budgets);
    if (spent !== undefined && policy.budget?.hard_stop === true) {
      throw new RouterError(
        'BUDGET_EXCEEDED',
        `the ${periodAdjective(spent.period)} budget of tenant ${name} is spent`,
        {
          details: { period: spent.period, budget_usd: spent.budgetUsd, spent_usd: spent.spentUsd },
        },
      );
    }
    return { name, policy, pacing: pacingFactor(budgets) };
  }

  /** One embedding of the routed text (EMBEDDING_FAILED when the embedder returns no row). */
  private async embed(text: string, signal: AbortSignal | undefined): Promise<Float32Array> {
    const [embedding] = await this.deps.embedder.embed(
      [text],
      signal === undefined ? {} : { signal },
    );
    if (embedding === undefined)
      throw new RouterError('EMBEDDING_FAILED', 'embedder returned no row');
    return embedding;
  }

  /**
   * The models this request may use, with the predictor's estimates, after the static filters
   * (candidate patterns, capabilities, context window).
   */
  private resolveCandidates(context: {
    request: RouteRequest;
    catalog: Catalog;
    embedding: Float32Array;
    prompt: PromptContext;
  }): Candidates {
    const { request, catalog } = context;
    const tokens = createTokenCounter(context.prompt.full);
    // Disabled and legacy (dataset-only) models are routed only when a request names candidates.
    const asked = catalog.models.filter(
      (model) => isDefaultCandidate(model) || request.candidates !== undefined,
    );
    const estimates = new Map(
      this.deps.predictor
        .estimate(context.embedding, asked)
        .map((estimate, i) => [asked[i]?.id, estimate]),
    );
    // No answer is longer than the caller's max_tokens (hidden reasoning included).
    const outputTokens = (model: CatalogModel): number =>
      Math.min(
        Math.round(estimates.get(model.id)?.outputTokens ?? 0),
        request.maxOutputTokens ?? Number.POSITIVE_INFINITY,
      );
    const { eligible, excluded } = filterStatic({
      models: asked,
      ...(request.candidates === undefined ? {} : { candidates: request.candidates }),
      ...(request.capabilities === undefined ? {} : { capabilities: request.capabilities }),
      promptTokens: (model) => tokens(model.tokenizer),
      expectedOutputTokens: outputTokens,
    });
    return { eligible, excluded, estimates, inputTokens: tokens, outputTokens };
  }

  /** Willingness to pay, USD per quality point: the request's, or the knob's, times budget pacing. */
  private willingnessToPay(request: RouteRequest, pacing: number): number {
    return (
      (request.willingnessToPay ??
        (this.deps.knob ?? tradeoffToWillingness)(request.tradeoff ?? DEFAULT_TRADEOFF)) * pacing
    );
  }

  /**
   * Price and score every eligible model, drop those the controls, the cost cap or the latency SLO
   * exclude (recorded in `candidates.excluded`), and sort the rest by the decision rule.
   * NO_ELIGIBLE_ARM when none is left.
   */
  private rank(context: {
    request: RouteRequest;
    tenant: TenantContext;
    prompt: PromptContext;
    candidates: Candidates;
    willingnessToPay: number;
  }): Ranking {
    const { request, candidates, willingnessToPay } = context;
    const controls = this.deps.controls ?? {};
    const { excluded } = candidates;
    const ranked: RankedArm[] = [];
    const tagsOf = new Map<string, SelectionArmTags>();
    for (const model of candidates.eligible) {
      const estimate = candidates.estimates.get(model.id);
      const inputTokens = candidates.inputTokens(model.tokenizer);
      const outputTokens = candidates.outputTokens(model);
      const cost = estimateCost(model, { inputTokens, outputTokens });
      const latency = (controls.health ?? this.deps.health)?.latencyP95Ms(model.id);
      const blocked = this.controlExclusion(model, {
        request,
        tenantPolicy: context.tenant.policy,
        pii: context.prompt.pii,
        tokens: inputTokens + outputTokens,
      });
      if (blocked !== undefined) {
        excluded.push(blocked);
        continue;
      }
      const overLimit = limitExclusion(request, model, cost, latency);
      if (overLimit !== undefined) {
        excluded.push(overLimit);
        continue;
      }
      const quality = estimate?.quality ?? 0;
      ranked.push({
        model: model.id,
        predictedQuality: quality,
        estimatedCostUsd: cost,
        score: armScore(quality, cost, willingnessToPay),
        inputTokens,
        outputTokens,
        reasoningTokens: Math.min(outputTokens, Math.round(estimate?.reasoningTokens ?? 0)),
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
    const threshold = qualityThreshold(ranked, request.qualityFloor ?? DEFAULT_QUALITY_FLOOR);
    ranked.sort((a, b) => compareArms(a, b, threshold));
    return { arms: ranked, tagsOf, threshold };
  }

  /** The selection policy's choice among the ranked arms (index into `ranked`). */
  private select(context: {
    request: RouteRequest;
    ranked: Ranking;
    embedding: Float32Array;
    willingnessToPay: number;
  }): ReturnType<SelectionPolicy['select']> {
    const { request, willingnessToPay } = context;
    const { arms: ranked, threshold, tagsOf } = context.ranked;
    const policy = this.policy;
    const qualityFloor = request.qualityFloor ?? DEFAULT_QUALITY_FLOOR;
    // The bandit chooses among the candidates that reach the quality floor (a prefix of `ranked`);
    // the others stay in the fallback order. A policy that corrects the predictions gets them all
    // and applies the same rule to its corrected values.
    const everyArm = policy.candidates === 'all';
    const floorArms = everyArm ? ranked : ranked.slice(0, eligibleCount(ranked, threshold));
    return policy.select({
      ...(everyArm ? { rule: (arms) => chooseArm(arms, { willingnessToPay, qualityFloor }) } : {}),
      arms: floorArms,
      embedding: context.embedding,
      willingnessToPay,
      rng: this.deps.rng,
      tags: floorArms.map((arm) => tagsOf.get(arm.model)),
      tenant: request.tenant ?? 'default',
    });
  }

  /**
   * The chosen arm: the session's pinned model when it is still worth keeping, else the policy's
   * selection; it leads the fallback order, the rest keep their offline ranking. A fingerprinted
   * conversation keeps its model only while it reaches this turn's quality floor (an explicit
   * `session_id` asked for one model and keeps it while it is eligible).
   */
  private applySession(context: {
    request: RouteRequest;
    tenant: TenantContext;
    ranked: readonly RankedArm[];
    threshold: number | undefined;
    selectedIndex: number;
  }): SessionPick {
    const { request, ranked } = context;
    const controls = this.deps.controls ?? {};
    const key = sessionKey({
      tenant: context.tenant.name,
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
            sessionSwitchPenalty(key, context.tenant.policy.session_switch_penalty),
            sessionThreshold(key, context.threshold),
          );
    const sessionPinned = pinIndex >= 0 && ranked[pinIndex]?.model === pinned;
    const chosen = (sessionPinned ? ranked[pinIndex] : ranked[context.selectedIndex]) ?? ranked[0];
    const ordered =
      chosen === undefined ? [...ranked] : [chosen, ...ranked.filter((arm) => arm !== chosen)];
    return { chosen, ordered, sessionPinned, sessionKey: key };
  }

  /** Record the choice with the controls: session pin, capacity slot, circuit admission. */
  private commit(context: { catalog: Catalog; decisionId: string; pick: SessionPick }): void {
    const { chosen, sessionKey: key } = context.pick;
    if (chosen === undefined) return;
    const controls = this.deps.controls ?? {};
    if (key !== undefined) controls.sessions?.set(key, chosen.model);
    controls.capacity?.start(
      chosen.model,
      context.decisionId,
      chosen.inputTokens + chosen.outputTokens,
    );
    const provider = context.catalog.get(chosen.model)?.provider;
    if (provider !== undefined) controls.health?.admit(chosen.model, provider, true);
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

/** Eligible arms sorted by the decision rule, with their selection tags and quality threshold. */
interface Ranking {
  readonly arms: RankedArm[];
  readonly tagsOf: ReadonlyMap<string, SelectionArmTags>;
  /** {@link qualityThreshold} of the arms (undefined without a floor). */
  readonly threshold: number | undefined;
}

/** The arm that answers and the fallback order it leads. */
interface SessionPick {
  readonly chosen: RankedArm | undefined;
  readonly ordered: RankedArm[];
  readonly sessionPinned: boolean;
  readonly sessionKey: string | undefined;
}
