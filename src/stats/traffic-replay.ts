/**
 * A seeded replay of routing traffic through the real routing service, spread over a time span,
 * so the stats API and the dashboard have something true to show: every prompt is routed by the
 * service as it runs, and the outcome reported for the chosen model is the one the dataset
 * observed for that prompt (its quality, and its cost where the data has one). What the dataset
 * does not hold is drawn from the seeded generator: latency (log-normal around a per-model
 * median), a 2% background error rate, and one outage (the model the router chose most so far
 * fails every call for a tenth of the timeline) that trips its circuit breaker.
 */
import { randomInt, randomNormal, type Rng } from '../core/index.js';
import type { RoutingDataset } from '../data/index.js';

/** What the replay needs from a routing decision. */
export interface ReplayedDecision {
  readonly decisionId: string;
  readonly model: string;
  readonly tenant: string;
  readonly ranked: readonly { readonly model: string; readonly estimatedCostUsd: number }[];
}

/** Options for {@link replayTraffic}. */
export interface TrafficReplayOptions {
  readonly dataset: RoutingDataset;
  /** Decisions to make. */
  readonly decisions: number;
  readonly rng: Rng;
  /** First decision time, epoch ms. */
  readonly startMs: number;
  /** Last decision time, epoch ms. */
  readonly endMs: number;
  /** Tenants the traffic is spread over (round robin with jitter). */
  readonly tenants: readonly string[];
  /** Moves the service's clock (the replay's time source). */
  readonly setTime: (ms: number) => void;
  /** Route one prompt as `tenant` among `candidates`. */
  readonly route: (request: {
    readonly prompt: string;
    readonly candidates: readonly string[];
    readonly tenant: string;
  }) => Promise<ReplayedDecision | undefined>;
  /** Report the outcome of a decision. */
  readonly feedback: (report: {
    readonly decisionId: string;
    readonly tenant: string;
    readonly quality: number | null;
    readonly latencyMs: number;
    readonly costUsd?: number;
    readonly errorClass?: string;
  }) => Promise<void>;
  /** Called every 500 decisions with the count so far. */
  readonly onProgress?: (done: number) => void;
}

/** What a replay did. */
export interface TrafficReplaySummary {
  readonly decisions: number;
  /** Prompts the service refused (nothing eligible, e.g. every candidate's circuit open). */
  readonly refused: number;
  readonly outcomes: number;
  readonly errors: number;
  /** The model made to fail, and when (epoch ms). */
  readonly outage: { readonly model: string; readonly fromMs: number; readonly untilMs: number };
}

/** Background error rate of every call. */
const BASE_ERROR_RATE = 0.02;
const ERROR_CLASSES = ['timeout', 'rate_limited', 'server_error'] as const;

/** Replay `decisions` prompts through the service; see the module comment. */
export async function replayTraffic(options: TrafficReplayOptions): Promise<TrafficReplaySummary> {
  const { dataset, rng } = options;
  const span = Math.max(options.endMs - options.startMs, 1);
  const step = span / Math.max(options.decisions - 1, 1);
  // Per-model median latency, ms: seeded, between 300 ms and 3 s.
  const medianLatency = new Map(dataset.models.map((model) => [model, 300 + rng.next() * 2700]));
  // The outage hits the model the router chose most before it starts.
  const chosen = new Map<string, number>();
  let outageModel: string | undefined;
  const outageFromMs = options.startMs + 0.55 * span;
  const outageUntilMs = options.startMs + 0.65 * span;
  let refused = 0;
  let outcomes = 0;
  let errors = 0;
  for (let i = 0; i < options.decisions; i++) {
    const at = options.startMs + i * step + rng.next() * step * 0.5;
    options.setTime(at);
    const prompt = dataset.prompts[randomInt(rng, dataset.prompts.length)];
    const tenant = options.tenants[randomInt(rng, options.tenants.length)];
    if (prompt === undefined || tenant === undefined) continue;
    if (outageModel === undefined && at >= outageFromMs) outageModel = mostChosen(chosen);
    const decision = await options.route({
      prompt: prompt.text,
      candidates: dataset.models,
      tenant,
    });
    if (decision === undefined) {
      refused += 1;
      continue;
    }
    chosen.set(decision.model, (chosen.get(decision.model) ?? 0) + 1);
    const column = dataset.models.indexOf(decision.model);
    const inOutage = decision.model === outageModel && at < outageUntilMs;
    const failed = inOutage || rng.next() < BASE_ERROR_RATE;
    const latencyMs =
      (medianLatency.get(decision.model) ?? 1000) * Math.exp(0.35 * randomNormal(rng));
    const observed = column < 0 ? Number.NaN : (prompt.quality[column] ?? Number.NaN);
    const dataCost = column < 0 ? Number.NaN : (prompt.costUsd?.[column] ?? Number.NaN);
    const estimated = decision.ranked.find((arm) => arm.model === decision.model)?.estimatedCostUsd;
    const costUsd = Number.isFinite(dataCost)
      ? dataCost
      : estimated === undefined
        ? undefined
        : estimated * (0.8 + 0.4 * rng.next());
    options.setTime(at + latencyMs);
    await options.feedback({
      decisionId: decision.decisionId,
      tenant: decision.tenant,
      quality: failed || !Number.isFinite(observed) ? null : observed,
      latencyMs: failed ? latencyMs * 3 : latencyMs,
      ...(failed
        ? { errorClass: ERROR_CLASSES[randomInt(rng, ERROR_CLASSES.length)] ?? 'timeout' }
        : costUsd === undefined
          ? {}
          : { costUsd }),
    });
    outcomes += 1;
    if (failed) errors += 1;
    if ((i + 1) % 500 === 0) options.onProgress?.(i + 1);
  }
  return {
    decisions: options.decisions - refused,
    refused,
    outcomes,
    errors,
    outage: { model: outageModel ?? '', fromMs: outageFromMs, untilMs: outageUntilMs },
  };
}

/** The most frequent key (ties: the first counted). */
function mostChosen(counts: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  for (const [model, count] of counts) {
    if (best === undefined || count > (counts.get(best) ?? 0)) best = model;
  }
  return best;
}

/** Topics of the synthetic prompts. */
const TOPICS = ['algebra', 'biology', 'contracts', 'databases', 'essays', 'French', 'geometry'];

/**
 * A seeded synthetic dataset for machines without the shared data: prompts on a few topics and,
 * per model, a quality that rises with the model's rank and falls with the prompt's difficulty.
 */
export function syntheticDataset(options: {
  readonly models: readonly string[];
  readonly prompts: number;
  readonly rng: Rng;
}): RoutingDataset {
  const { models, rng } = options;
  return {
    name: 'synthetic',
    models,
    prompts: Array.from({ length: options.prompts }, (_, i) => {
      const topic = TOPICS[i % TOPICS.length] ?? 'algebra';
      const difficulty = rng.next();
      return {
        id: `synthetic/${i}`,
        text: `Question ${i} on ${topic}: explain step ${1 + (i % 9)} of the worked example.`,
        group: topic,
        quality: Float64Array.from(models, (_, rank) => {
          const skill = (rank + 1) / models.length;
          return rng.next() < 0.25 + 0.7 * skill * (1 - 0.5 * difficulty) ? 1 : 0;
        }),
      };
    }),
  };
}
