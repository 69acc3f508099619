/**
 * The promotion log: every promotion, refusal and rollback of the served artifact, kept in the
 * store's `meta` table under one key as a JSON list (promotions are rare; any Store has `meta`, so
 * the DuckDB and PostgreSQL stores both keep it without a schema change).
 */
import type { MetaRepo } from '../store/index.js';

/** The meta key of the log. */
export const PROMOTION_LOG_KEY = 'artifact_promotions';

/** What happened. */
export type PromotionAction = 'promote' | 'refused' | 'rollback';

/** One entry of the log. */
export interface PromotionRecord {
  /** Sequence number, 1 for the first entry. */
  readonly id: number;
  /** ISO time. */
  readonly at: string;
  readonly action: PromotionAction;
  /** Who asked: `<tenant>/<first 12 hex of the API key's sha256>`. */
  readonly actor: string;
  readonly fromVersion: string;
  readonly fromDir: string;
  readonly toVersion: string;
  readonly toDir: string;
  /** A promotion made despite the gate's verdict. */
  readonly forced: boolean;
  /** The gate's report (promote, refused), JSON. */
  readonly metrics?: unknown;
}

/** Read and append the log. */
export class PromotionLog {
  private readonly meta: MetaRepo;
  /** Appends are chained so two never read the same list. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(meta: MetaRepo) {
    this.meta = meta;
  }

  /** Every entry, oldest first. */
  async list(): Promise<PromotionRecord[]> {
    const raw = await this.meta.get(PROMOTION_LOG_KEY);
    if (raw === undefined) return [];
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as PromotionRecord[]) : [];
  }

  /** The last entry that changed what serves (promote or rollback). */
  async lastApplied(): Promise<PromotionRecord | undefined> {
    return (await this.list()).filter((r) => r.action !== 'refused').at(-1);
  }

  /** Append an entry (its id is assigned here). */
  append(entry: Omit<PromotionRecord, 'id'>): Promise<PromotionRecord> {
    const run = this.writing.then(async () => {
      const list = await this.list();
      const record: PromotionRecord = { id: (list.at(-1)?.id ?? 0) + 1, ...entry };
      await this.meta.set(PROMOTION_LOG_KEY, JSON.stringify([...list, record]));
      return record;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}
