/**
 * Promote a candidate artifact into the running service, or roll back to the one before: the gate
 * (promotion-gate.ts) judges the candidate on the logged decisions first, a regression is refused
 * unless forced, the artifact is copied under `<state dir>/artifacts/<version>/` (so what serves
 * cannot change under the service, and a rollback finds it again), the slot is swapped, and every
 * step is appended to the promotion log with who asked and the gate's numbers.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE, type ArtifactManifest } from '../artifact/index.js';
import type { Catalog } from '../catalog/index.js';
import {
  RouterError,
  errorMessage,
  isRouterError,
  systemClock,
  type Clock,
} from '../core/index.js';
import type { Store } from '../store/index.js';
import { decisionSplitKey, isHeldOut } from './log-split.js';
import { readLoggedEntries } from './logged-outcomes.js';
import { gateCandidateAsync, type GateReport } from './promotion-gate.js';
import { PromotionLog, type PromotionRecord } from './promotion-log.js';
import {
  loadServedArtifact,
  priorServedArtifact,
  type ArtifactSlot,
  type EmbedderIdentity,
  type ServedArtifact,
} from './served-artifact.js';

/**
 * Most recent logged decisions the gate reads: re-making each costs two predictions on the
 * service's event loop, and the bootstrap resamples them (about a second at this size).
 */
export const MAX_GATE_DECISIONS = 10_000;

/** Dataset name an artifact trained on the service's own decisions records in its manifest. */
export const LOGGED_DECISIONS_DATASET = 'arbiter-db';

/** The artifact serving now, as reported. */
export interface ArtifactSummary {
  readonly version: string;
  readonly dir: string;
  readonly createdAt?: string;
  readonly trainedOn?: string[];
}

/** What a promotion did. */
export interface PromotionResult {
  readonly status: 'promoted';
  readonly from: ArtifactSummary;
  readonly to: ArtifactSummary;
  readonly forced: boolean;
  readonly gate: GateReport;
  readonly record: PromotionRecord;
}

/** What a rollback did. */
export interface RollbackResult {
  readonly status: 'rolled_back';
  readonly from: ArtifactSummary;
  readonly to: ArtifactSummary;
  readonly record: PromotionRecord;
}

/** Dependencies of {@link ArtifactPromoter}. */
export interface PromoterOptions {
  readonly slot: ArtifactSlot;
  readonly store: Pick<Store, 'decisions' | 'outcomes' | 'meta' | 'flush'>;
  readonly catalog: () => Catalog;
  readonly embedder: EmbedderIdentity;
  /** Promoted artifacts are copied under `<stateDir>/artifacts/`. */
  readonly stateDir: string;
  readonly clock?: Clock;
  /** Bootstrap seed of the gate. @default 0 */
  readonly seed?: number;
  /** Fewest logged decisions the gate judges on. @default DEFAULT_MIN_GATE_DECISIONS */
  readonly minDecisions?: number;
}

/** A served artifact as reported. */
export function summarise(artifact: ServedArtifact): ArtifactSummary {
  return {
    version: artifact.version,
    dir: artifact.dir,
    ...(artifact.manifest === undefined
      ? {}
      : {
          createdAt: artifact.manifest.createdAt,
          trainedOn: [...artifact.manifest.trainedOn.datasets],
        }),
  };
}

/**
 * The decisions an artifact trained with `--db` did not see: its manifest's hash split (seed,
 * held-out share) applied to each decision's prompt hash. Undefined (use every decision) for
 * artifacts that did not train on the service's decisions.
 */
export function heldOutFilter(
  manifest: ArtifactManifest | undefined,
): ((promptHash: string) => boolean) | undefined {
  if (manifest === undefined || !manifest.trainedOn.datasets.includes(LOGGED_DECISIONS_DATASET))
    return undefined;
  const seed = Number(manifest.split['seed']);
  const heldOutFraction = Number(manifest.split['heldOutFraction']);
  if (!Number.isFinite(seed) || !(heldOutFraction > 0)) return () => false;
  return (hash) => isHeldOut(decisionSplitKey(hash), { seed, heldOutFraction });
}

/** Copy an artifact folder's files (flat) to `target` unless it is there already. */
function copyArtifact(source: string, target: string): void {
  if (resolve(source) === resolve(target) || existsSync(join(target, MANIFEST_FILE))) return;
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(source)) {
    if (name.endsWith('.json') || name.endsWith('.md'))
      copyFileSync(join(source, name), join(target, name));
  }
}

/** Promote, roll back and report the served artifact; one operation at a time. */
export class ArtifactPromoter {
  private readonly options: PromoterOptions;
  private readonly log: PromotionLog;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: PromoterOptions) {
    this.options = options;
    this.log = new PromotionLog(options.store.meta);
  }

  /** The artifact serving now, what a rollback would restore, and the latest log entries. */
  async status(options: { readonly limit?: number } = {}): Promise<{
    current: ArtifactSummary;
    rollbackTo: { version: string; dir: string } | null;
    history: PromotionRecord[];
  }> {
    const list = await this.log.list();
    const last = list.filter((r) => r.action !== 'refused').at(-1);
    return {
      current: summarise(this.options.slot.current),
      rollbackTo: last === undefined ? null : { version: last.fromVersion, dir: last.fromDir },
      history: list.slice(-(options.limit ?? 20)).reverse(),
    };
  }

  /** Gate `dir` against the artifact in service and serve it unless it regresses (or `force`). */
  promote(request: {
    readonly dir: string;
    readonly actor: string;
    readonly force?: boolean;
  }): Promise<PromotionResult> {
    return this.serialised(() => this.promoteNow(request));
  }

  /** Serve again the artifact the last promotion or rollback replaced. */
  rollback(request: { readonly actor: string }): Promise<RollbackResult> {
    return this.serialised(() => this.rollbackNow(request));
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private load(dir: string): ServedArtifact {
    if (dir === 'prior') return priorServedArtifact(this.options.catalog);
    try {
      return loadServedArtifact(dir, {
        embedder: this.options.embedder,
        catalog: this.options.catalog,
      });
    } catch (error: unknown) {
      throw new RouterError(
        'INPUT_INVALID',
        `artifact ${dir} cannot serve: ${errorMessage(error)}`,
        {
          cause: error,
          details: {
            field: 'dir',
            dir,
            reason: isRouterError(error) ? error.code : 'ARTIFACT_INVALID',
            ...(isRouterError(error) && error.details !== undefined
              ? { cause: error.details }
              : {}),
          },
        },
      );
    }
  }

  private now(): string {
    return new Date((this.options.clock ?? systemClock).now()).toISOString();
  }

  private async promoteNow(request: {
    readonly dir: string;
    readonly actor: string;
    readonly force?: boolean;
  }): Promise<PromotionResult> {
    const candidate = this.load(request.dir);
    const current = this.options.slot.current;
    await this.options.store.flush();
    const include = heldOutFilter(candidate.manifest);
    const gate = await gateCandidateAsync({
      entries: await readLoggedEntries(this.options.store, { limit: MAX_GATE_DECISIONS }),
      current: current.predictor,
      candidate: candidate.predictor,
      catalog: this.options.catalog(),
      embedderId: this.options.embedder.modelId,
      seed: this.options.seed ?? 0,
      ...(include === undefined ? {} : { include }),
      ...(this.options.minDecisions === undefined
        ? {}
        : { minDecisions: this.options.minDecisions }),
    });
    const forced = request.force === true && gate.verdict === 'regression';
    const base = {
      at: this.now(),
      actor: request.actor,
      fromVersion: current.version,
      fromDir: current.dir,
      toVersion: candidate.version,
      metrics: gate,
    };
    if (gate.verdict === 'regression' && !forced) {
      await this.log.append({ ...base, action: 'refused', toDir: candidate.dir, forced: false });
      throw new RouterError(
        'ARTIFACT_REGRESSION',
        `candidate ${candidate.version} routes worse than ${current.version} on the logged outcomes: ${gate.reason} (force to promote anyway)`,
        { details: { gate } },
      );
    }
    const keptDir = join(resolve(this.options.stateDir), 'artifacts', candidate.version);
    copyArtifact(candidate.dir, keptDir);
    const kept = this.load(keptDir);
    if (kept.version !== candidate.version) {
      throw new RouterError(
        'ARTIFACT_INVALID',
        `${keptDir} holds ${kept.version}, not ${candidate.version}`,
        {
          details: { dir: keptDir },
        },
      );
    }
    this.options.slot.swap(kept);
    const record = await this.log.append({ ...base, action: 'promote', toDir: kept.dir, forced });
    return {
      status: 'promoted',
      from: summarise(current),
      to: summarise(kept),
      forced,
      gate,
      record,
    };
  }

  private async rollbackNow(request: { readonly actor: string }): Promise<RollbackResult> {
    const last = await this.log.lastApplied();
    if (last === undefined) {
      throw new RouterError('ROLLBACK_UNAVAILABLE', 'no promotion to roll back');
    }
    const target = this.load(last.fromDir);
    if (target.version !== last.fromVersion) {
      throw new RouterError(
        'ROLLBACK_UNAVAILABLE',
        `${last.fromDir} now holds ${target.version}, not ${last.fromVersion}: promote the artifact you want instead`,
        { details: { dir: last.fromDir, expected: last.fromVersion, actual: target.version } },
      );
    }
    const current = this.options.slot.swap(target);
    const record = await this.log.append({
      at: this.now(),
      action: 'rollback',
      actor: request.actor,
      fromVersion: current.version,
      fromDir: current.dir,
      toVersion: target.version,
      toDir: target.dir,
      forced: false,
    });
    return { status: 'rolled_back', from: summarise(current), to: summarise(target), record };
  }
}

/**
 * The artifact a starting service serves: the last one promoted or rolled back to (when it still
 * loads as the recorded version), else `fallbackDir` (ARBITER_ARTIFACT), else catalog priors.
 */
export async function restoreServedArtifact(options: {
  readonly meta: Store['meta'];
  readonly fallbackDir: string;
  readonly embedder: EmbedderIdentity;
  readonly catalog: () => Catalog;
  readonly warn: (message: string) => void;
}): Promise<ServedArtifact> {
  const { embedder, catalog, warn } = options;
  const last = await new PromotionLog(options.meta).lastApplied();
  if (last !== undefined) {
    try {
      const artifact =
        last.toDir === 'prior'
          ? priorServedArtifact(catalog)
          : loadServedArtifact(last.toDir, { embedder, catalog });
      if (artifact.version === last.toVersion) return artifact;
      warn(
        `promoted artifact ${last.toDir} now holds ${artifact.version}, not ${last.toVersion}: serving ${options.fallbackDir}`,
      );
    } catch (error: unknown) {
      warn(
        `promoted artifact ${last.toDir} not usable (${errorMessage(error)}): serving ${options.fallbackDir}`,
      );
    }
  }
  if (!existsSync(join(options.fallbackDir, MANIFEST_FILE))) {
    warn(`no predictor artifact at ${options.fallbackDir}: routing on catalog tier priors`);
    return priorServedArtifact(catalog);
  }
  try {
    return loadServedArtifact(options.fallbackDir, { embedder, catalog });
  } catch (error: unknown) {
    warn(`predictor artifact not usable (${errorMessage(error)}): routing on catalog tier priors`);
    return priorServedArtifact(catalog);
  }
}
