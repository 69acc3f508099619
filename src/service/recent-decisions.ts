/**
 * The recent decisions a service keeps in memory so that their feedback needs no store read, packed.
 *
 * A decision summary as plain objects (37 candidates: 37 prediction objects with two boxed numbers
 * each, the candidate and feature arrays) held 4.8 KB of V8 heap; the cache keeps up to 100,000, and
 * in a 10-minute soak at 150 req/s (43.7k decisions) it was the largest part of the RSS growth
 * (heap snapshots 90 s apart: +39 objects, +77 heap numbers and +3 arrays per decision;
 * benchmarks/results/reliability.md, run 4). Here one entry is a small object plus one ArrayBuffer:
 * qualities, costs and the feature vector as float64 (every number reads back exactly), the ranked
 * order as u16 indexes into the sorted candidate set (one shared array per distinct set), and each
 * estimate's source as a byte: 0.8 KB of heap and 0.84 KB of buffer for the same decision.
 */
import { LruCache } from '../embed/index.js';
import type { DecisionPrediction, DecisionSummary } from './routing-service.js';

/** A summary that fits the packed form. */
interface PackedDecision {
  readonly tenant: string;
  readonly chosenModel: string;
  readonly createdAtMs: number;
  readonly willingnessToPay: number | undefined;
  /** The sorted candidate set; `order` indexes it. */
  readonly set: readonly string[];
  /** Candidate count. */
  readonly arms: number;
  /** Whether the summary had `predicted`. */
  readonly hasPredicted: boolean;
  /** Feature count, or -1 when the summary had no features. */
  readonly featureCount: number;
  /**
   * float64 [quality × arms, cost × arms, features], then u16 [order × arms], then u8
   * [source × arms] (0: none, 1: predictor, 2: prior).
   */
  readonly bytes: ArrayBuffer;
}

const SOURCES = [undefined, 'predictor', 'prior'] as const;

/** A shared sorted candidate set and each model's position in it. */
interface InternedSet {
  readonly set: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}
/** Distinct candidate sets kept for sharing; a set evicted here stays alive in its entries. */
const SET_CACHE = 1024;
const MAX_SET = 0xffff;

/** Options for {@link RecentDecisions}. */
export interface RecentDecisionsOptions {
  /** Most decisions kept; 0 keeps none. */
  readonly capacity: number;
}

/**
 * A least-recently-used map from decision id to {@link DecisionSummary}, holding each summary in a
 * packed form. A summary whose predictions are not one per candidate in the same order, or that
 * carries an embedding (neither is the case for the service's own decisions), is kept as it is.
 */
export class RecentDecisions {
  private readonly entries: LruCache<string, PackedDecision | DecisionSummary>;
  private readonly sets = new LruCache<string, InternedSet>(SET_CACHE);

  constructor(options: RecentDecisionsOptions) {
    this.entries = new LruCache(options.capacity);
  }

  /** Decisions held. */
  get size(): number {
    return this.entries.size;
  }

  /** Remember `summary` under its id (the most recently used). */
  set(summary: DecisionSummary): void {
    this.entries.set(summary.id, this.pack(summary) ?? summary);
  }

  /** The summary of decision `id` (now the most recently used), or undefined. */
  get(id: string): DecisionSummary | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || !('bytes' in entry)) return entry;
    return unpack(id, entry);
  }

  private pack(summary: DecisionSummary): PackedDecision | undefined {
    const arms = summary.candidates.length;
    const predicted = summary.predicted;
    if (predicted !== undefined) {
      if (predicted.length !== arms) return undefined;
      for (let i = 0; i < arms; i++) {
        if (predicted[i]?.model !== summary.candidates[i]) return undefined;
      }
    }
    if (arms > MAX_SET || summary.embedding !== undefined) return undefined;
    const sorted = [...summary.candidates].sort();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return undefined;
    const { set, index } = this.internSet(sorted);
    const features = summary.features?.length ?? -1;
    const doubles = (predicted === undefined ? 0 : 2 * arms) + Math.max(0, features);
    const bytes = new ArrayBuffer(doubles * 8 + arms * 2 + (predicted === undefined ? 0 : arms));
    const numbers = new Float64Array(bytes, 0, doubles);
    const order = new Uint16Array(bytes, doubles * 8, arms);
    summary.candidates.forEach((model, i) => {
      order[i] = index.get(model) ?? 0;
    });
    if (predicted !== undefined) {
      const sources = new Uint8Array(bytes, doubles * 8 + arms * 2, arms);
      predicted.forEach((arm, i) => {
        numbers[i] = arm.quality;
        numbers[arms + i] = arm.costUsd;
        sources[i] = arm.source === undefined ? 0 : SOURCES.indexOf(arm.source);
      });
    }
    if (summary.features !== undefined) numbers.set(summary.features, doubles - features);
    return {
      tenant: summary.tenant,
      chosenModel: summary.chosenModel,
      createdAtMs: summary.createdAtMs,
      willingnessToPay: summary.willingnessToPay,
      set,
      arms,
      hasPredicted: predicted !== undefined,
      featureCount: features,
      bytes,
    };
  }

  /** One shared array (and its model-to-position map) per distinct candidate set. */
  private internSet(sorted: readonly string[]): InternedSet {
    const key = sorted.join('\n');
    const known = this.sets.get(key);
    if (known !== undefined) return known;
    const interned = { set: sorted, index: new Map(sorted.map((model, i) => [model, i])) };
    this.sets.set(key, interned);
    return interned;
  }
}

/** The summary a packed entry holds. */
function unpack(id: string, entry: PackedDecision): DecisionSummary {
  const { arms, bytes } = entry;
  const doubles = (entry.hasPredicted ? 2 * arms : 0) + Math.max(0, entry.featureCount);
  const numbers = new Float64Array(bytes, 0, doubles);
  const order = new Uint16Array(bytes, doubles * 8, arms);
  const candidates = Array.from(order, (i) => entry.set[i] ?? '');
  let predicted: DecisionPrediction[] | undefined;
  if (entry.hasPredicted) {
    const sources = new Uint8Array(bytes, doubles * 8 + arms * 2, arms);
    predicted = candidates.map((model, i) => {
      const source = SOURCES[sources[i] ?? 0];
      return {
        model,
        quality: numbers[i] ?? Number.NaN,
        costUsd: numbers[arms + i] ?? Number.NaN,
        ...(source === undefined ? {} : { source }),
      };
    });
  }
  return {
    id,
    tenant: entry.tenant,
    chosenModel: entry.chosenModel,
    candidates,
    createdAtMs: entry.createdAtMs,
    ...(entry.willingnessToPay === undefined ? {} : { willingnessToPay: entry.willingnessToPay }),
    ...(predicted === undefined ? {} : { predicted }),
    ...(entry.featureCount < 0
      ? {}
      : { features: Array.from(numbers.subarray(doubles - entry.featureCount)) }),
  };
}
