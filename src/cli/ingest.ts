/**
 * `arbiter ingest`: load routing observations (Arbiter's JSONL log or a shared dataset) into the
 * DuckDB store (prompts + observations), then embed every new prompt into the store's embedding
 * cache (resumable: prompts already cached are skipped, each batch is stored as it finishes).
 */
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../catalog/index.js';
import { loadConfig } from '../config/index.js';
import { RouterError, sha256Hex } from '../core/index.js';
import {
  isDatasetName,
  loadDataset,
  parseArbiterJsonl,
  readText,
  type BadRow,
  type RoutingDataset,
} from '../data/index.js';
import type { Embedder } from '../embed/index.js';
import { createUseLiteEmbedder, HashEmbedder, requestText } from '../embed/index.js';
import { openStore, type ObservationRecord, type Store } from '../store/index.js';
import { countTokens } from '../tokens/index.js';
import type { Command } from './main.js';
import { createProgress } from './progress.js';

/** Input formats `--format` accepts. */
export const INGEST_FORMATS = [
  'arbiter-jsonl',
  'routellm-mmlu',
  'routellm-gsm8k',
  'mtbench',
  'routerbench',
  'llmrouter',
] as const;

/** One input format. */
export type IngestFormat = (typeof INGEST_FORMATS)[number];

const DATASET_OF_FORMAT: Readonly<Record<Exclude<IngestFormat, 'arbiter-jsonl'>, string>> = {
  'routellm-mmlu': 'mmlu',
  'routellm-gsm8k': 'gsm8k',
  mtbench: 'mt-bench',
  routerbench: 'routerbench',
  llmrouter: 'llmrouter',
};

const HELP = `Usage: arbiter ingest PATH --format FORMAT [options]

Load routing observations into the DuckDB store, replacing the dataset's earlier rows, then embed
new prompts into the store's embedding cache (resumable; progress on stderr).

PATH is the JSONL file for arbiter-jsonl (see docs/log-format.md), or the shared data directory
(the folder holding RouteLLM/, RouterDC/, LLMRouter/) for the other formats.

Formats: ${INGEST_FORMATS.join(', ')}

Options:
  --format FORMAT    input format (required)
  --dataset NAME     dataset name for arbiter-jsonl rows (default: the file name without extension)
  --db PATH          DuckDB file (default $ARBITER_DB or the configured state dir)
  --strict           fail (exit 1, nothing written) when any row is bad; default skips bad rows
  --no-embed         store observations only
  --embedder NAME    use-lite | hash (default use-lite)
  -h, --help         this text
`;

/** Observations ready to store, plus the rows that were rejected. */
interface IngestBatch {
  readonly dataset: string;
  readonly prompts: Map<string, string>;
  readonly observations: ObservationRecord[];
  readonly badRows: BadRow[];
}

function fromDataset(dataset: RoutingDataset): IngestBatch {
  const prompts = new Map<string, string>();
  const observations: ObservationRecord[] = [];
  for (const prompt of dataset.prompts) {
    const hash = sha256Hex(prompt.text);
    prompts.set(hash, prompt.text);
    dataset.models.forEach((model, m) => {
      const quality = prompt.quality[m] ?? Number.NaN;
      const finite = (value: number | undefined): number | null =>
        value !== undefined && Number.isFinite(value) ? value : null;
      observations.push({
        dataset: dataset.name,
        promptHash: hash,
        promptId: prompt.id,
        promptGroup: prompt.group,
        model,
        quality: Number.isNaN(quality) ? null : quality,
        inputTokens: null,
        outputTokens: finite(prompt.outputTokens?.[m]),
        costUsd: finite(prompt.costUsd?.[m]),
        latencyMs: null,
        tenant: null,
        observedAtMs: null,
        sourceFile: null,
        sourceLine: null,
      });
    });
  }
  return { dataset: dataset.name, prompts, observations, badRows: [] };
}

function fromLog(
  path: string,
  dataset: string,
  resolveModelId: (name: string) => string | undefined,
): IngestBatch {
  const parsed = parseArbiterJsonl(readText(path), { file: path, resolveModelId });
  const prompts = new Map<string, string>();
  const observations = parsed.observations.map((row): ObservationRecord => {
    const hash = sha256Hex(row.prompt);
    prompts.set(hash, row.prompt);
    return {
      dataset,
      promptHash: hash,
      promptId: row.promptId,
      promptGroup: row.group,
      model: row.model,
      quality: row.quality,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      costUsd: row.costUsd,
      latencyMs: row.latencyMs,
      tenant: row.tenant,
      observedAtMs: row.observedAtMs,
      sourceFile: path,
      sourceLine: row.line,
    };
  });
  return { dataset, prompts, observations, badRows: parsed.badRows };
}

async function embedMissing(
  store: Store,
  embedder: Embedder,
  prompts: Map<string, string>,
): Promise<number> {
  const hashes = [...prompts.keys()];
  const cached = new Set<string>();
  for (let start = 0; start < hashes.length; start += 2048) {
    const found = await store.embeddings.getMany({
      embedderId: embedder.modelId,
      textHashes: hashes.slice(start, start + 2048),
    });
    for (const key of found.keys()) cached.add(key);
  }
  const missing = hashes.filter((hash) => !cached.has(hash));
  if (missing.length === 0) return 0;
  const progress = createProgress({ label: `embed ${embedder.modelId}`, total: missing.length });
  for (let start = 0; start < missing.length; start += 64) {
    const batch = missing.slice(start, start + 64);
    // What /v1/route embeds for the prompt (the request of a long text that pastes material).
    const vectors = await embedder.embed(
      batch.map((hash) => requestText(prompts.get(hash) as string)),
    );
    // Stored per batch: an interrupted run resumes from the first unstored prompt.
    await store.embeddings.put({
      embedderId: embedder.modelId,
      items: batch.map((textHash, i) => ({ textHash, embedding: vectors[i] as Float32Array })),
    });
    progress.tick(batch.length);
  }
  progress.done();
  return missing.length;
}

/** Run `arbiter ingest`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      dataset: { type: 'string' },
      db: { type: 'string' },
      strict: { type: 'boolean' },
      'no-embed': { type: 'boolean' },
      embedder: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const [path] = positionals;
  const format = values.format;
  if (
    path === undefined ||
    format === undefined ||
    !(INGEST_FORMATS as readonly string[]).includes(format)
  ) {
    process.stderr.write(
      `arbiter ingest: give PATH and --format (${INGEST_FORMATS.join(', ')})\n\n${HELP}`,
    );
    return 2;
  }
  const catalog = loadCatalog();
  const resolveModelId = (name: string): string | undefined => catalog.resolveModelId(name);
  let batch: IngestBatch;
  if (format === 'arbiter-jsonl') {
    batch = fromLog(
      resolve(path),
      values.dataset ?? basename(path).replace(/\.[^.]+$/u, ''),
      resolveModelId,
    );
  } else {
    const name = DATASET_OF_FORMAT[format as Exclude<IngestFormat, 'arbiter-jsonl'>];
    if (!isDatasetName(name)) throw new RouterError('INTERNAL', `no loader for ${format}`);
    // Loaders validate strictly: a malformed file fails with DATA_INVALID naming file and line.
    batch = fromDataset(
      loadDataset(name, {
        dataDir: resolve(path),
        resolveModelId,
        countTokens: (text, modelId) =>
          countTokens(text, catalog.get(modelId)?.tokenizer ?? 'cl100k_base'),
      }),
    );
  }
  for (const bad of batch.badRows)
    process.stderr.write(`bad row ${bad.file}:${bad.line}: ${bad.reason}\n`);
  if (batch.badRows.length > 0 && values.strict === true) {
    process.stderr.write(
      `arbiter ingest: ${batch.badRows.length} bad row(s); --strict: nothing written\n`,
    );
    return 1;
  }
  const dbPath = values.db ?? loadConfig().dbPath;
  const store = await openStore({ path: dbPath, flushIntervalMs: 0 });
  try {
    await store.prompts.put([...batch.prompts].map(([hash, text]) => ({ hash, text })));
    const removed = await store.observations.deleteDataset(batch.dataset);
    await store.observations.writeNow(batch.observations);
    process.stderr.write(
      `ingested ${batch.observations.length} observations (${batch.prompts.size} prompts) into ${batch.dataset}` +
        `${removed > 0 ? `, replacing ${removed}` : ''}; ${batch.badRows.length} bad row(s) skipped\n`,
    );
    if (values['no-embed'] !== true) {
      const embedder: Embedder =
        values.embedder === 'hash'
          ? new HashEmbedder({ dimension: 64 })
          : await createUseLiteEmbedder();
      try {
        const embedded = await embedMissing(store, embedder, batch.prompts);
        process.stderr.write(`embedded ${embedded} new prompt(s) with ${embedder.modelId}\n`);
      } finally {
        await embedder.close();
      }
    }
  } finally {
    await store.close();
  }
  return 0;
}

/** The `ingest` verb for src/cli/main.ts. */
export const ingestCommand: Command = {
  summary: 'load routing logs or a shared dataset into the store and embed new prompts',
  run,
};
