import type { Catalog, CatalogModel } from '../catalog/index.js';
import { RouterError } from '../core/index.js';
import { matchesPattern, unmatchedPatterns, type RouteDecision } from '../router/index.js';
import type { CooldownTracker } from './cooldown.js';
import type { ProxyCandidate } from './failover.js';
import { upstreamFor, type UpstreamConfig } from './upstream-config.js';

/** Why proxy mode left a model out before routing (beside the router's own exclusions). */
export interface ProxyExclusion {
  readonly model: string;
  readonly reason: 'NO_UPSTREAM' | 'COOLING_DOWN';
  readonly message: string;
}

/** The models the router may choose among in proxy mode, and those left out. */
export interface ProxyCandidateSet {
  /** Canonical ids, to pass as the route request's candidates. */
  readonly ids: readonly string[];
  readonly excluded: readonly ProxyExclusion[];
}

/** The model name an upstream knows: `upstream_model`, else the id after its slash. */
export function upstreamModelName(model: Pick<CatalogModel, 'id' | 'upstream_model'>): string {
  return model.upstream_model ?? model.id.slice(model.id.indexOf('/') + 1);
}

/**
 * Restrict routing to models whose provider has an upstream and that no upstream asked us to leave
 * alone. `patterns` are lists of ids/aliases/wildcards (the request's `model` and
 * `arbiter.candidates`); a model must match every list given. Throws MODEL_UNKNOWN for a pattern
 * that matches no catalog model, UPSTREAM_UNAVAILABLE (503, with `retry-after` in details) when
 * no upstream is configured or every remaining model is cooling down, NO_ELIGIBLE_ARM (422, with
 * every reason) when no asked-for model has an upstream.
 */
export function proxyCandidates(options: {
  readonly catalog: Catalog;
  readonly config: UpstreamConfig;
  readonly cooldown: CooldownTracker;
  readonly patterns: readonly (readonly string[])[];
}): ProxyCandidateSet {
  const { catalog } = options;
  const unknown = options.patterns.flatMap((list) => unmatchedPatterns(list, catalog.models));
  if (unknown.length > 0) {
    throw new RouterError('MODEL_UNKNOWN', `no catalog model matches ${unknown.join(', ')}`, {
      details: { candidates: unknown },
    });
  }
  const asked = catalog.models.filter((model) =>
    options.patterns.length === 0
      ? model.disabled !== true
      : options.patterns.every((list) => list.some((pattern) => matchesPattern(pattern, model))),
  );
  if (asked.length === 0) {
    throw new RouterError('NO_ELIGIBLE_ARM', 'no catalog model matches every model list given', {
      details: { excluded: [] },
    });
  }
  if (options.config.upstreams.size === 0) {
    throw new RouterError('UPSTREAM_UNAVAILABLE', 'proxy mode has no upstream configured');
  }
  const ids: string[] = [];
  const excluded: ProxyExclusion[] = [];
  let shortestWait: number | undefined;
  for (const model of asked) {
    if (upstreamFor(options.config, model.provider) === undefined) {
      excluded.push({
        model: model.id,
        reason: 'NO_UPSTREAM',
        message: `no upstream configured for provider ${model.provider}`,
      });
      continue;
    }
    const wait = options.cooldown.remainingMs(model.id);
    if (wait > 0) {
      shortestWait = Math.min(shortestWait ?? wait, wait);
      excluded.push({
        model: model.id,
        reason: 'COOLING_DOWN',
        message: `upstream asked to retry after ${Math.ceil(wait / 1000)} s`,
      });
      continue;
    }
    ids.push(model.id);
  }
  if (ids.length > 0) return { ids, excluded };
  if (shortestWait !== undefined) {
    throw new RouterError('UPSTREAM_UNAVAILABLE', 'every candidate model is cooling down', {
      details: { excluded, retry_after_s: Math.ceil(shortestWait / 1000) },
    });
  }
  throw new RouterError('NO_ELIGIBLE_ARM', 'no candidate model has an upstream configured', {
    details: { excluded },
  });
}

/** The decision's ranking as a fallback order, each model with its upstream. */
export function fallbackOrder(options: {
  readonly decision: Pick<RouteDecision, 'ranked'>;
  readonly catalog: Catalog;
  readonly config: UpstreamConfig;
}): ProxyCandidate[] {
  const order: ProxyCandidate[] = [];
  for (const arm of options.decision.ranked) {
    const model = options.catalog.get(arm.model);
    const upstream = model === undefined ? undefined : upstreamFor(options.config, model.provider);
    if (model === undefined || upstream === undefined) continue;
    order.push({
      model,
      upstream,
      upstreamModel: upstreamModelName(model),
      inputTokens: arm.inputTokens,
    });
  }
  return order;
}
