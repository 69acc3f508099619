/**
 * The pure stages of {@link Router.route} that need no router state: candidate patterns, prompt
 * screening, the request's cost and latency limits, and the contexts the stages pass along.
 */
import type { Catalog, CatalogModel } from '../catalog/index.js';
import { RouterError } from '../core/index.js';
import type { ArmEstimate } from './arm-predictor.js';
import { unmatchedPatterns, type Exclusion } from './candidates.js';
import type { RoutingControls } from './controls.js';
import { piiKinds, type PiiKind } from './pii.js';
import { fullPromptText, routingText, type RouteRequest } from './request.js';

/** The tenant a request routes for: its policy and the budget pacing multiplier. */
export interface TenantContext {
  readonly name: string;
  readonly policy: ReturnType<NonNullable<RoutingControls['policyFor']>>;
  /** Multiplier budget pacing applies to willingness to pay (1 = on or under pace). */
  readonly pacing: number;
}

/** The routed text, the full prompt and the PII found in it. */
export interface PromptContext {
  readonly text: string;
  readonly full: string;
  readonly pii: PiiKind[];
}

/** Models left after the static filters, with the predictor's estimates and token counts. */
export interface Candidates {
  readonly eligible: readonly CatalogModel[];
  /** Exclusions so far; later stages append theirs. */
  readonly excluded: Exclusion[];
  readonly estimates: ReadonlyMap<string | undefined, ArmEstimate>;
  readonly inputTokens: (tokenizer: CatalogModel['tokenizer']) => number;
  readonly outputTokens: (model: CatalogModel) => number;
}

/** MODEL_UNKNOWN when a requested candidate pattern matches no catalog model. */
export function checkCandidatePatterns(request: RouteRequest, catalog: Catalog): void {
  if (request.candidates === undefined) return;
  const unknown = unmatchedPatterns(request.candidates, catalog.models);
  if (unknown.length > 0) {
    throw new RouterError('MODEL_UNKNOWN', `no catalog model matches ${unknown.join(', ')}`, {
      details: { candidates: unknown },
    });
  }
}

/** The routed and full prompt text and its PII kinds; PII_BLOCKED when the tenant blocks PII. */
export function screenPrompt(
  request: RouteRequest,
  tenantPolicy: TenantContext['policy'],
): PromptContext {
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
  return { text, full, pii };
}

/** The request's cost cap and latency SLO: the exclusion of a model over either, else undefined. */
export function limitExclusion(
  request: RouteRequest,
  model: CatalogModel,
  cost: number,
  latency: number | undefined,
): Exclusion | undefined {
  if (request.maxCostUsd !== undefined && cost > request.maxCostUsd) {
    return {
      model: model.id,
      reason: 'OVER_COST_CAP',
      message: `estimated ${cost.toPrecision(3)} USD exceeds max_cost_usd ${request.maxCostUsd}`,
    };
  }
  if (
    request.maxLatencyMs !== undefined &&
    latency !== undefined &&
    latency > request.maxLatencyMs
  ) {
    return {
      model: model.id,
      reason: 'OVER_LATENCY_SLO',
      message: `observed p95 ${Math.round(latency)} ms exceeds max_latency_ms ${request.maxLatencyMs}`,
    };
  }
  return undefined;
}
