import { RouterError, sha256Hex, systemClock, type Clock } from '../core/index.js';
import { DEFAULT_RECENT_DECISIONS } from '../config/schema.js';
import type { Catalog } from '../catalog/index.js';
import { estimateCost } from '../tokens/index.js';
import type { RouteDecision, RouteRequest, Router } from '../router/index.js';
import type { DecisionRecord, ModelStats, OutcomeRecord, Store } from '../store/index.js';
import type { InfluenceLimiter } from './influence-limiter.js';
import { RecentDecisions } from './recent-decisions.js';
import {
  isStoreUnavailable,
  StoreOutageTracker,
  type RoutedDecision,
  type StoreOutage,
} from './store-outage.js';

/** An outcome report for one decision. */
export interface FeedbackInput {
  readonly decisionId: string;
  /** The tenant sending it (from its API key). */
  readonly tenant: string;
  readonly idempotencyKey: string;
  /** Quality in [0, 1]; null when only an error or latency is reported. */
  readonly quality: number | null;
  /** The model that actually answered, when the caller fell back down the ranking. */
  readonly model?: string;
  readonly latencyMs?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
  readonly errorClass?: string;
  /** Retry-after the provider sent with a failure, ms (opens the model's circuit for that long). */
  readonly retryAfterMs?: number;
}

/** What happened to a feedback report. */
export interface FeedbackResult {
  readonly status: 'recorded' | 'duplicate';
  readonly decisionId: string;
  readonly model: string;
}

/** Called after each recorded outcome (the bandit and health tracking subscribe here). */
export type OutcomeListener = (
  outcome: OutcomeRecord,
  decision: DecisionSummary,
  extra: OutcomeExtra,
) => void;

/** What an outcome carried beyond its stored row. */
export interface OutcomeExtra {
  /** The provider's retry-after with a failure, ms. */
  readonly retryAfterMs?: number;
}

/** What the service remembers of a recent decision. */
export interface DecisionSummary {
  readonly id: string;
  readonly tenant: string;
  readonly chosenModel: string;
  readonly candidates: readonly string[];
  readonly createdAtMs: number;
  /** USD per unit quality in force for the decision. */
  readonly willingnessToPay?: number;
  /** The offline estimates per candidate at decision time (the bandit's prior for each arm). */
  readonly predicted?: readonly DecisionPrediction[];
  /** Context features the policy stored (bandit policies). */
  readonly features?: readonly number[];
  /** The prompt embedding, when the decision was read back from the store (not kept in memory). */
  readonly embedding?: Float32Array;
}

/** One candidate's offline estimate at decision time. */
export interface DecisionPrediction {
  readonly model: string;
  /** Predicted quality in [0, 1]. */
  readonly quality: number;
  /** Estimated cost, USD. */
  readonly costUsd: number;
  /** Where the quality estimate came from (kept in memory only; unknown after a read-back). */
  readonly source?: 'predictor' | 'prior';
}

/** Key of the bandit's context features in the decisions.features JSON column. */
export const POLICY_FEATURES_KEY = 'policy_features';

/** Options for {@link RoutingService}. */
export interface RoutingServiceOptions {
  readonly router: Router;
  readonly store: Store;
  readonly catalog: () => Catalog;
  /** Keep prompt text in the decisions table (otherwise only its hash). @default false */
  readonly storePrompts?: boolean;
  /** Feedback for decisions older than this is refused as expired, ms. @default 30 days */
  readonly decisionTtlMs?: number;
  /** Recent decisions kept in memory for their feedback (older ones are read from the store). @default 20000 */
  readonly recentCapacity?: number;
  readonly clock?: Clock;
  /**
   * Bounds how many outcomes of one tenant per model per window reach *learning* listeners
   * (feedback-poisoning bound); health and budget listeners see every outcome. @default unbounded
   */
  readonly influence?: InfluenceLimiter;
  /** Errors thrown by outcome listeners (the outcome is already recorded). @default ignored */
  readonly onListenerError?: (error: unknown) => void;
}

const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

/**
 * Hash of what an outcome report says (decision, model, quality, latency, tokens, cost, error,
 * retry-after), stored with its idempotency key: the same key with another report is refused
 * (FEEDBACK_DUPLICATE) instead of being answered "duplicate" and lost.
 */
export function outcomeFingerprint(
  report: Omit<FeedbackInput, 'tenant' | 'idempotencyKey' | 'model'> & { readonly model: string },
): string {
  return sha256Hex(
    JSON.stringify([
      report.decisionId,
      report.model,
      report.quality,
      report.latencyMs ?? null,
      report.inputTokens ?? null,
      report.outputTokens ?? null,
      report.costUsd ?? null,
      report.errorClass ?? null,
      report.retryAfterMs ?? null,
    ]),
  );
}

/** The first non-finite number of a decision (a score, quality, cost or propensity), if any. */
function nonFinite(decision: RouteDecision): string | undefined {
  if (!Number.isFinite(decision.propensity)) return 'propensity';
  if (!Number.isFinite(decision.willingnessToPay)) return 'willingness_to_pay';
  for (const arm of decision.ranked) {
    for (const [field, value] of [
      ['score', arm.score],
      ['predicted_quality', arm.predictedQuality],
      ['estimated_cost_usd', arm.estimatedCostUsd],
    ] as const) {
      if (!Number.isFinite(value)) return `${field} of ${arm.model}`;
    }
  }
  return undefined;
}

/**
 * Routes requests and records what happens: a decision is durable in DuckDB before its id is handed
 * out (concurrent routes share one commit), feedback is written before it is acknowledged, and
 * listeners (bandit, health) see every recorded outcome.
 */
export class RoutingService {
  private readonly options: RoutingServiceOptions;
  private readonly recent: RecentDecisions;
  private readonly listeners: { listener: OutcomeListener; learning: boolean }[] = [];
  private readonly clock: Clock;
  private readonly outage: StoreOutageTracker;

  constructor(options: RoutingServiceOptions) {
    this.options = options;
    this.recent = new RecentDecisions({
      capacity: options.recentCapacity ?? DEFAULT_RECENT_DECISIONS,
    });
    this.clock = options.clock ?? systemClock;
    this.outage = new StoreOutageTracker(this.clock);
  }

  /**
   * Subscribe to recorded outcomes. A `learning` listener (the bandit) skips outcomes over the
   * influence limit; others (health, budgets) see all.
   */
  onOutcome(listener: OutcomeListener, options: { learning?: boolean } = {}): void {
    this.listeners.push({ listener, learning: options.learning ?? false });
  }

  /**
   * Decide, then store the decision durably before returning it, so any id handed out accepts its
   * feedback even after a crash. A decision with a non-finite number is refused (INTERNAL) and
   * never stored, so a request that fails leaves no decision behind.
   */
  async route(request: RouteRequest, signal?: AbortSignal): Promise<RouteDecision> {
    const decision = await this.decide(request, signal);
    await this.record(decision);
    this.remember(decision);
    return decision;
  }

  /**
   * {@link route}, except that while the store is unavailable (PostgreSQL restarting:
   * {@link isStoreUnavailable}) the decision is still answered, from memory, as not recorded: its id
   * is never handed out and no feedback can refer to it. Whenever the store is up the decision is
   * durable before it is returned, as with route(); other store failures are thrown. During a known
   * outage one decision at a time tries to write (see store-outage.ts).
   */
  async routeOrUnrecorded(request: RouteRequest, signal?: AbortSignal): Promise<RoutedDecision> {
    const decision = await this.decide(request, signal);
    const attempt = this.outage.attempt();
    if (attempt.skip) return { recorded: false, decision, outageBegan: false };
    try {
      await this.record(decision);
    } catch (error: unknown) {
      if (!isStoreUnavailable(error)) {
        this.outage.release(attempt);
        throw error;
      }
      return { recorded: false, decision, outageBegan: this.outage.unavailable(attempt), error };
    }
    this.remember(decision);
    const ended = this.outage.recorded(attempt);
    return { recorded: true, decision, ...(ended === undefined ? {} : { outageEnded: ended }) };
  }

  /** The store outage in force, as routeOrUnrecorded() saw it (undefined when the store is up). */
  storeOutage(): StoreOutage | undefined {
    return this.outage.current();
  }

  /** Ask the router; refuse (INTERNAL) a decision with a non-finite number. */
  private async decide(request: RouteRequest, signal?: AbortSignal): Promise<RouteDecision> {
    const decision = await this.options.router.route(
      request,
      signal === undefined ? {} : { signal },
    );
    const broken = nonFinite(decision);
    if (broken !== undefined) {
      throw new RouterError('INTERNAL', `the router produced a non-finite ${broken}`, {
        details: { field: broken },
      });
    }
    return decision;
  }

  /**
   * Warm-up before serving, so the first request pays none of the route path's first-use work: one
   * decision through every stage of `router` (a stand-in that shares the real router's catalog,
   * embedder, predictor and policy but none of its state: no session pins, capacity slots, circuit
   * probes or random draws; see bootstrap.ts), its stored row built and its write rehearsed in a
   * transaction that is rolled back (DecisionRepo.rehearse), its in-memory summary built. Nothing is
   * recorded, remembered, learned or counted, and no listener hears of it.
   */
  async rehearse(router: Router, request: RouteRequest): Promise<void> {
    const decision = await router.route(request);
    const broken = nonFinite(decision);
    if (broken !== undefined) {
      throw new RouterError('INTERNAL', `the router produced a non-finite ${broken}`);
    }
    await this.options.store.decisions.rehearse?.(this.toRecord(decision));
    summaryOf(decision);
  }

  /**
   * Write the decision and wait until it is durable: the id goes out only then. A DuckDB file store
   * syncs it to the decision journal (decision-journal.ts; concurrent decisions share one sync) and
   * appends it to the table in the next batch; other stores commit it to the table, concurrent
   * decisions in one batch and one commit (batch-writer.ts).
   */
  private async record(decision: RouteDecision): Promise<void> {
    await this.options.store.decisions.persist(this.toRecord(decision));
  }

  /** The stored row of a decision. */
  private toRecord(decision: RouteDecision): DecisionRecord {
    return {
      id: decision.decisionId,
      createdAtMs: decision.createdAtMs,
      tenant: decision.tenant,
      promptHash: decision.promptHash,
      promptText: this.options.storePrompts === true ? decision.routedText : null,
      embedding: decision.embedding,
      embedderId: decision.embedderId,
      candidates: decision.ranked.map((arm) => arm.model),
      chosenModel: decision.model,
      propensity: decision.propensity,
      explored: decision.explored,
      policy: decision.policy,
      policyVersion: decision.policyVersion,
      predictorVersion: decision.predictorVersion,
      predicted: decision.ranked.map((arm) => ({
        model: arm.model,
        quality: arm.predictedQuality,
        costUsd: arm.estimatedCostUsd,
        score: arm.score,
      })),
      features: {
        willingness_to_pay: decision.willingnessToPay,
        // Kept for the dashboard's recent-decisions table (reason codes, no message text).
        excluded: decision.excluded.map((entry) => ({
          model: entry.model,
          reason: entry.reason,
        })),
        ...(decision.policyFeatures === undefined
          ? {}
          : { [POLICY_FEATURES_KEY]: decision.policyFeatures }),
      },
    };
  }

  /** Keep a recorded decision in memory for its feedback. */
  private remember(decision: RouteDecision): void {
    this.recent.set(summaryOf(decision));
  }

  /**
   * Record an outcome. DECISION_UNKNOWN for an unknown, expired or other tenant's decision (the
   * three are not told apart, so ids of other tenants do not leak); INPUT_INVALID for a model that
   * was not among the decision's candidates; FEEDBACK_DUPLICATE for an idempotency key already used
   * by a different report (the same report again is `duplicate`).
   */
  async feedback(input: FeedbackInput): Promise<FeedbackResult> {
    const decision = await this.findDecision(input.decisionId, input.tenant);
    const model =
      input.model === undefined
        ? decision.chosenModel
        : this.options.catalog().resolveModelId(input.model);
    if (model === undefined || !decision.candidates.includes(model)) {
      throw new RouterError(
        'INPUT_INVALID',
        `model ${input.model ?? ''} was not a candidate of this decision`,
        {
          details: { field: 'model' },
        },
      );
    }
    const fingerprint = outcomeFingerprint({ ...input, decisionId: decision.id, model });
    const outcome: OutcomeRecord = {
      fingerprint,
      decisionId: decision.id,
      idempotencyKey: input.idempotencyKey,
      receivedAtMs: this.clock.now(),
      tenant: input.tenant,
      model,
      quality: input.quality,
      latencyMs: input.latencyMs ?? null,
      inputTokens: input.inputTokens ?? null,
      outputTokens: input.outputTokens ?? null,
      costUsd: input.costUsd ?? this.costOfUsage(model, input) ?? null,
      errorClass: input.errorClass ?? null,
    };
    // The decision is durable already (record() waited for it before its id went out: in the
    // journal or the table), and a store opened after a crash writes the journal's decisions to the
    // table before anything reads outcomes with their decisions; so feedback does not flush the
    // decisions table (it cost a batch per feedback once decisions waited in the journal).
    const result = await this.options.store.recordFeedback(outcome);
    if (
      !result.recorded &&
      result.storedFingerprint !== null &&
      result.storedFingerprint !== fingerprint
    ) {
      throw new RouterError(
        'FEEDBACK_DUPLICATE',
        'this idempotency key was already used for a different report',
        { details: { decision_id: decision.id } },
      );
    }
    const status = result.recorded ? 'recorded' : 'duplicate';
    if (result.recorded) {
      const learn = this.options.influence?.admit(input.tenant, model) ?? true;
      const extra = input.retryAfterMs === undefined ? {} : { retryAfterMs: input.retryAfterMs };
      for (const { listener, learning } of this.listeners) {
        if (learning && !learn) continue;
        // The outcome is stored; a failing listener (bandit update) must not fail the feedback call.
        try {
          listener(outcome, decision, extra);
        } catch (error: unknown) {
          this.options.onListenerError?.(error);
        }
      }
    }
    return { status, decisionId: decision.id, model };
  }

  /**
   * What a call cost at the catalog's list price when feedback reports its token usage (both counts)
   * but no cost, as the proxy computes it from the provider's usage: reasoning tokens, billed as
   * output, then reach the learned cost ratios, the budgets and the usage report instead of the
   * pre-call estimate. Undefined without both counts or for a model the catalog no longer holds.
   */
  private costOfUsage(
    model: string,
    input: Pick<FeedbackInput, 'inputTokens' | 'outputTokens'>,
  ): number | undefined {
    if (input.inputTokens === undefined || input.outputTokens === undefined) return undefined;
    const entry = this.options.catalog().get(model);
    return entry === undefined
      ? undefined
      : estimateCost(entry, { inputTokens: input.inputTokens, outputTokens: input.outputTokens });
  }

  /** Per-model outcome statistics over the last `windowMs`. */
  modelStats(windowMs: number, tenant?: string): Promise<ModelStats[]> {
    const now = this.clock.now();
    return this.options.store.outcomes.modelStats({
      sinceMs: now - windowMs,
      untilMs: now + 1,
      ...(tenant === undefined ? {} : { tenant }),
    });
  }

  private async findDecision(id: string, tenant: string): Promise<DecisionSummary> {
    const cached = this.recent.get(id);
    let summary = cached?.tenant === tenant ? cached : undefined;
    if (summary === undefined) {
      // An unknown id and another tenant's id take the same path at the same cost (the cache, then
      // one indexed lookup filtered by tenant that finds nothing), so timing cannot tell them apart.
      const found = await this.options.store.decisions.get({ id, tenant });
      if (found.ok) summary = summaryFromRecord(found.value);
    }
    const ttl = this.options.decisionTtlMs ?? THIRTY_DAYS_MS;
    if (
      summary === undefined ||
      summary.tenant !== tenant ||
      this.clock.now() - summary.createdAtMs > ttl
    ) {
      throw new RouterError(
        'DECISION_UNKNOWN',
        `no decision ${id} for this tenant (unknown or expired)`,
        {
          details: { decision_id: id },
        },
      );
    }
    return summary;
  }
}

/** Rebuild a decision summary from its stored row (feedback for a decision no longer in memory). */
export function summaryFromRecord(record: DecisionRecord): DecisionSummary {
  const features = record.features?.[POLICY_FEATURES_KEY];
  const wtp = record.features?.['willingness_to_pay'];
  return {
    id: record.id,
    tenant: record.tenant,
    chosenModel: record.chosenModel,
    candidates: record.candidates,
    createdAtMs: record.createdAtMs,
    predicted: record.predicted.map((arm) => ({
      model: arm.model,
      quality: arm.quality,
      costUsd: arm.costUsd,
    })),
    ...(typeof wtp === 'number' ? { willingnessToPay: wtp } : {}),
    ...(Array.isArray(features) && features.every((v) => typeof v === 'number')
      ? { features: features }
      : {}),
    ...(record.embedding === null ? {} : { embedding: record.embedding }),
  };
}

/** What the service keeps in memory of a decision for its feedback. */
function summaryOf(decision: RouteDecision): DecisionSummary {
  return {
    id: decision.decisionId,
    tenant: decision.tenant,
    chosenModel: decision.model,
    candidates: decision.ranked.map((arm) => arm.model),
    createdAtMs: decision.createdAtMs,
    willingnessToPay: decision.willingnessToPay,
    predicted: decision.ranked.map((arm) => ({
      model: arm.model,
      quality: arm.predictedQuality,
      costUsd: arm.estimatedCostUsd,
      source: arm.source,
    })),
    ...(decision.policyFeatures === undefined ? {} : { features: decision.policyFeatures }),
  };
}
