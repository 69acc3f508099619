/**
 * Offline observations for training and evaluation: one row per (dataset, prompt, model) label,
 * written in bulk by the ingest CLI. Prompt text lives once in `prompts` (see prompt-repo.ts).
 */
import type { StoreError } from '../core/index.js';
import type { BatchWriter } from './batch-writer.js';
import { createBatchWriter } from './batch-writer.js';
import type { Database, SqlRow } from './db.js';
import { asNumber, asNumberOrNull, asString, asStringOrNull } from './values.js';

/** One labelled model response from a dataset or a log. */
export interface ObservationRecord {
  /** Dataset name, e.g. `mmlu` or `routerbench/arc_challenge`. */
  readonly dataset: string;
  /** sha256 hex of the prompt text (stored in `prompts`). */
  readonly promptHash: string;
  /** The dataset's own prompt id, when it has one. */
  readonly promptId: string | null;
  /** Subject, task or cluster, for held-out-by-group splits. */
  readonly promptGroup: string | null;
  /** Catalog model id. */
  readonly model: string;
  /** Quality in [0, 1], or null when unlabelled. */
  readonly quality: number | null;
  /** Prompt tokens. */
  readonly inputTokens: number | null;
  /** Completion tokens. */
  readonly outputTokens: number | null;
  /** Cost of the call, USD. */
  readonly costUsd: number | null;
  /** Latency, ms. */
  readonly latencyMs: number | null;
  readonly tenant: string | null;
  /** When the response was observed, epoch ms, if known. */
  readonly observedAtMs: number | null;
  /** Where the row came from, for provenance. */
  readonly sourceFile: string | null;
  /** 1-based line (or record index) in `sourceFile`. */
  readonly sourceLine: number | null;
}

/** An observation with its prompt text joined in. */
export interface ObservationWithText extends ObservationRecord {
  readonly promptText: string;
}

/** Summary of one stored dataset. */
export interface DatasetSummary {
  readonly dataset: string;
  readonly observations: number;
  readonly prompts: number;
  readonly models: number;
}

/** Options for {@link createObservationRepo}. */
export interface ObservationRepoOptions {
  readonly db: Database;
  /** Batch size threshold for {@link ObservationRepo.enqueue}. @default 2048 */
  readonly maxBatchRows?: number;
  /** Timer flush for enqueued rows, ms. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Failures of background flushes; without it they reject the next flush() or close(). */
  readonly onError?: (error: StoreError) => void;
}

/** observations table access. */
export interface ObservationRepo {
  /** Buffer one observation for the appender. Store its prompt with PromptRepo.put first. */
  enqueue(observation: ObservationRecord): void;
  /** Append observations and flush; resolves when stored. */
  writeNow(observations: readonly ObservationRecord[]): Promise<void>;
  /** Write buffered observations. */
  flush(): Promise<void>;
  /** Remove a dataset's observations (before re-ingesting it); returns the number removed. */
  deleteDataset(dataset: string): Promise<number>;
  /** Every dataset with row, prompt and model counts, sorted by name. */
  listDatasets(): Promise<DatasetSummary[]>;
  /** One dataset's observations with prompt text, ordered by prompt hash then model. */
  list(dataset: string): Promise<ObservationWithText[]>;
}

const DELETE_SQL = 'DELETE FROM observations WHERE dataset = $dataset RETURNING 1';
const DATASETS_SQL = `SELECT dataset, count(*)::INTEGER AS observations,
    count(DISTINCT prompt_hash)::INTEGER AS prompts, count(DISTINCT model)::INTEGER AS models
  FROM observations GROUP BY dataset ORDER BY dataset`;
const LIST_SQL = `SELECT o.dataset, o.prompt_hash, o.prompt_id, o.prompt_group, o.model, o.quality,
    o.input_tokens, o.output_tokens, o.cost_usd, o.latency_ms, o.tenant,
    epoch_ms(o.observed_at)::DOUBLE AS observed_at_ms, o.source_file, o.source_line,
    p.text AS prompt_text
  FROM observations o JOIN prompts p ON p.hash = o.prompt_hash
  WHERE o.dataset = $dataset
  ORDER BY o.prompt_hash, o.model, o.source_line`;

function fromRow(row: SqlRow): ObservationWithText {
  return {
    dataset: asString(row['dataset'], 'dataset'),
    promptHash: asString(row['prompt_hash'], 'prompt_hash'),
    promptId: asStringOrNull(row['prompt_id'], 'prompt_id'),
    promptGroup: asStringOrNull(row['prompt_group'], 'prompt_group'),
    model: asString(row['model'], 'model'),
    quality: asNumberOrNull(row['quality'], 'quality'),
    inputTokens: asNumberOrNull(row['input_tokens'], 'input_tokens'),
    outputTokens: asNumberOrNull(row['output_tokens'], 'output_tokens'),
    costUsd: asNumberOrNull(row['cost_usd'], 'cost_usd'),
    latencyMs: asNumberOrNull(row['latency_ms'], 'latency_ms'),
    tenant: asStringOrNull(row['tenant'], 'tenant'),
    observedAtMs: asNumberOrNull(row['observed_at_ms'], 'observed_at'),
    sourceFile: asStringOrNull(row['source_file'], 'source_file'),
    sourceLine: asNumberOrNull(row['source_line'], 'source_line'),
    promptText: asString(row['prompt_text'], 'prompt_text'),
  };
}

/** Create the observations repo; its batch writer flushes and closes with `db`. */
export function createObservationRepo(options: ObservationRepoOptions): ObservationRepo {
  const { db } = options;
  const writer: BatchWriter<ObservationRecord> = createBatchWriter({
    db,
    table: 'observations',
    ...(options.maxBatchRows === undefined ? {} : { maxRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    toRow: (o) => [
      o.dataset,
      o.promptHash,
      o.promptId,
      o.promptGroup,
      o.model,
      o.quality,
      o.inputTokens,
      o.outputTokens,
      o.costUsd,
      o.latencyMs,
      o.tenant,
      o.observedAtMs === null ? null : new Date(o.observedAtMs),
      o.sourceFile,
      o.sourceLine,
    ],
  });

  async function flushPending(): Promise<void> {
    if (writer.pending > 0) await writer.flush();
  }

  return {
    enqueue: (o) => writer.enqueue(o),
    writeNow: (rows) => writer.writeNow(rows),
    flush: () => writer.flush(),
    async deleteDataset(dataset) {
      await flushPending();
      const rows = await db.use((session) => session.all(DELETE_SQL, { dataset }));
      return rows.length;
    },
    async listDatasets() {
      await flushPending();
      const rows = await db.use((session) => session.all(DATASETS_SQL));
      return rows.map((row) => ({
        dataset: asString(row['dataset'], 'dataset'),
        observations: asNumber(row['observations'], 'observations'),
        prompts: asNumber(row['prompts'], 'prompts'),
        models: asNumber(row['models'], 'models'),
      }));
    },
    async list(dataset) {
      await flushPending();
      const rows = await db.use((session) => session.prepared(LIST_SQL, { dataset }));
      return rows.map(fromRow);
    },
  };
}
