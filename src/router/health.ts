import type { Clock } from '../core/index.js';
import { RouterError } from '../core/index.js';

/** Circuit states (Nygard, "Release It!", ch. 5). */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Options for {@link HealthTracker}. Times in ms. */
export interface HealthOptions {
  readonly clock: Clock;
  /** Recent outcomes kept per model/provider for the windowed error rate. @default 20 */
  readonly window?: number;
  /** Outcomes needed in the window before the error rate can open the circuit. @default 10 */
  readonly minSamples?: number;
  /** Windowed error rate that opens the circuit. @default 0.5 */
  readonly errorRateThreshold?: number;
  /** Consecutive failures that open the circuit. @default 5 */
  readonly consecutiveFailures?: number;
  /** First cool-down; doubles after each failed probe up to `maxCooldownMs`. @default 30000 */
  readonly cooldownMs?: number;
  /** Cap on the doubled cool-down: bounds how long a recovered provider stays out. @default 120000 */
  readonly maxCooldownMs?: number;
  /** In half-open, at most one probe decision per this interval. @default 5000 */
  readonly probeIntervalMs?: number;
  /** Latencies kept per model for percentiles. @default 200 */
  readonly latencyWindow?: number;
  /** Told of every state change of a breaker (the stats API records them). @default none */
  readonly onTransition?: (transition: CircuitTransition) => void;
}

/** One state change of a model's or a provider's breaker. */
export interface CircuitTransition {
  readonly scope: 'model' | 'provider';
  /** Model id or provider name. */
  readonly target: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** Epoch ms. */
  readonly atMs: number;
}

/** One reported outcome, as health sees it. */
export interface HealthOutcome {
  readonly model: string;
  readonly provider: string;
  /** False for an error (timeout, 5xx, rate limit, ...). */
  readonly ok: boolean;
  readonly latencyMs?: number;
  /** A retry-after the provider reported with a failure, ms. */
  readonly retryAfterMs?: number;
}

/** Whether a model may be routed to now. */
export type Admission =
  | { readonly allowed: true; readonly probe: boolean }
  | { readonly allowed: false; readonly scope: 'model' | 'provider'; readonly retryInMs: number };

interface Circuit {
  state: CircuitState;
  outcomes: boolean[];
  consecutiveFailures: number;
  openUntilMs: number;
  cooldownMs: number;
  lastProbeMs: number;
}

/** Per-model health as reported to clients. */
export interface ModelHealth {
  readonly model: string;
  readonly state: CircuitState;
  readonly errorRate: number | null;
  readonly samples: number;
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly openUntilMs: number | null;
}

/** Serialised tracker state (JSON), so health survives restarts. */
export interface HealthState {
  readonly version: 1;
  readonly circuits: Readonly<Record<string, Circuit>>;
  readonly latencies: Readonly<Record<string, number[]>>;
}

function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}

/**
 * Error rates, latency percentiles and circuit breakers per model and per provider, fed by feedback.
 * A circuit opens on `consecutiveFailures` failures in a row or a windowed error rate above the
 * threshold, stays open for a cool-down (or the provider's retry-after, whichever is longer), then
 * lets one probe decision through per `probeIntervalMs`: a success closes it, a failure re-opens it
 * with a doubled cool-down.
 */
export class HealthTracker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly latencies = new Map<string, number[]>();
  private readonly options: Required<Omit<HealthOptions, 'clock' | 'onTransition'>> &
    Pick<HealthOptions, 'clock' | 'onTransition'>;

  constructor(options: HealthOptions, state?: HealthState) {
    this.options = {
      window: 20,
      minSamples: 10,
      errorRateThreshold: 0.5,
      consecutiveFailures: 5,
      cooldownMs: 30_000,
      maxCooldownMs: 120_000,
      probeIntervalMs: 5_000,
      latencyWindow: 200,
      ...options,
    };
    if (state !== undefined) {
      if (state.version !== 1) {
        throw new RouterError(
          'POLICY_STATE_INVALID',
          `unknown health state version ${String(state.version)}`,
        );
      }
      for (const [key, circuit] of Object.entries(state.circuits))
        this.circuits.set(key, { ...circuit });
      for (const [key, values] of Object.entries(state.latencies))
        this.latencies.set(key, [...values]);
    }
  }

  /** Feed one outcome. */
  record(outcome: HealthOutcome): void {
    for (const key of [`model:${outcome.model}`, `provider:${outcome.provider}`]) {
      this.update(key, outcome.ok, outcome.retryAfterMs);
    }
    if (outcome.ok && outcome.latencyMs !== undefined && Number.isFinite(outcome.latencyMs)) {
      const values = this.latencies.get(outcome.model) ?? [];
      values.push(outcome.latencyMs);
      if (values.length > this.options.latencyWindow) values.shift();
      this.latencies.set(outcome.model, values);
    }
  }

  /**
   * May `model` (served by `provider`) be routed to now? A half-open circuit admits one probe per
   * interval; calling this with `reserve` counts the admission as that probe.
   */
  admit(model: string, provider: string, reserve = false): Admission {
    const now = this.options.clock.now();
    let probe = false;
    for (const [scope, key] of [
      ['provider', `provider:${provider}`],
      ['model', `model:${model}`],
    ] as const) {
      const circuit = this.circuits.get(key);
      if (circuit === undefined || circuit.state === 'closed') continue;
      if (circuit.state === 'open' && now < circuit.openUntilMs) {
        return { allowed: false, scope, retryInMs: circuit.openUntilMs - now };
      }
      if (circuit.state === 'open') this.transition(key, circuit, 'half_open', now);
      if (now - circuit.lastProbeMs < this.options.probeIntervalMs) {
        return {
          allowed: false,
          scope,
          retryInMs: circuit.lastProbeMs + this.options.probeIntervalMs - now,
        };
      }
      probe = true;
    }
    if (probe && reserve) {
      for (const key of [`provider:${provider}`, `model:${model}`]) {
        const circuit = this.circuits.get(key);
        if (circuit !== undefined && circuit.state === 'half_open') circuit.lastProbeMs = now;
      }
    }
    return { allowed: true, probe };
  }

  /** Observed p95 latency, ms, when at least 5 successful outcomes are known. */
  latencyP95Ms(model: string): number | undefined {
    const values = this.latencies.get(model) ?? [];
    return values.length >= 5 ? (percentile(values, 0.95) ?? undefined) : undefined;
  }

  /** Health of one model. */
  health(model: string): ModelHealth {
    const circuit = this.circuits.get(`model:${model}`);
    const values = this.latencies.get(model) ?? [];
    const outcomes = circuit?.outcomes ?? [];
    return {
      model,
      state: circuit?.state ?? 'closed',
      errorRate:
        outcomes.length === 0 ? null : outcomes.filter((ok) => !ok).length / outcomes.length,
      samples: outcomes.length,
      latencyP50Ms: percentile(values, 0.5),
      latencyP95Ms: percentile(values, 0.95),
      latencyP99Ms: percentile(values, 0.99),
      openUntilMs: circuit?.state === 'open' ? circuit.openUntilMs : null,
    };
  }

  /** JSON-safe state. */
  toState(): HealthState {
    return {
      version: 1,
      circuits: Object.fromEntries(
        [...this.circuits].map(([key, c]) => [key, { ...c, outcomes: [...c.outcomes] }]),
      ),
      latencies: Object.fromEntries([...this.latencies].map(([key, v]) => [key, [...v]])),
    };
  }

  private update(key: string, ok: boolean, retryAfterMs: number | undefined): void {
    const now = this.options.clock.now();
    const circuit = this.circuits.get(key) ?? {
      state: 'closed' as CircuitState,
      outcomes: [],
      consecutiveFailures: 0,
      openUntilMs: 0,
      cooldownMs: this.options.cooldownMs,
      lastProbeMs: 0,
    };
    this.circuits.set(key, circuit);
    circuit.outcomes.push(ok);
    if (circuit.outcomes.length > this.options.window) circuit.outcomes.shift();
    circuit.consecutiveFailures = ok ? 0 : circuit.consecutiveFailures + 1;

    if (circuit.state === 'half_open' || (circuit.state === 'open' && now >= circuit.openUntilMs)) {
      if (ok) {
        this.transition(key, circuit, 'closed', now);
        circuit.cooldownMs = this.options.cooldownMs;
        circuit.outcomes = [true];
      } else {
        circuit.cooldownMs = Math.min(circuit.cooldownMs * 2, this.options.maxCooldownMs);
        this.open(key, circuit, now, retryAfterMs);
      }
      return;
    }
    if (circuit.state === 'open') {
      if (!ok && retryAfterMs !== undefined)
        circuit.openUntilMs = Math.max(circuit.openUntilMs, now + retryAfterMs);
      return;
    }
    const failures = circuit.outcomes.filter((value) => !value).length;
    const windowed =
      circuit.outcomes.length >= this.options.minSamples &&
      failures / circuit.outcomes.length > this.options.errorRateThreshold;
    if (
      !ok &&
      (circuit.consecutiveFailures >= this.options.consecutiveFailures ||
        windowed ||
        retryAfterMs !== undefined)
    ) {
      this.open(key, circuit, now, retryAfterMs);
    }
  }

  private transition(key: string, circuit: Circuit, to: CircuitState, now: number): void {
    const from = circuit.state;
    circuit.state = to;
    if (from === to || this.options.onTransition === undefined) return;
    const [scope, ...rest] = key.split(':');
    this.options.onTransition({
      scope: scope === 'provider' ? 'provider' : 'model',
      target: rest.join(':'),
      from,
      to,
      atMs: now,
    });
  }

  private open(key: string, circuit: Circuit, now: number, retryAfterMs: number | undefined): void {
    this.transition(key, circuit, 'open', now);
    circuit.openUntilMs = now + Math.max(circuit.cooldownMs, retryAfterMs ?? 0);
  }
}
