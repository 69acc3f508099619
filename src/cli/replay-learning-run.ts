/** `arbiter replay learning`: parse --residual, prepare the streams, run the benchmark (src/replay). */
import { DEFAULT_RESIDUAL_OPTIONS, type ResidualOptions } from '../bandit/index.js';
import { loadConfig } from '../config/index.js';
import { RouterError } from '../core/index.js';
import {
  prepareTransferStream,
  runLearningBenchmark,
  type LearningStreamName,
  type ReplayOptions,
  type TransferStream,
} from '../replay/index.js';
import { createEmbedder } from './create-embedder.js';

/** `--residual a=1,b=2` as residual options (INPUT_INVALID for an unknown key or a non-number). */
export function residualOptions(raw: string | undefined): ResidualOptions {
  if (raw === undefined) return {};
  const out: Record<string, number> = {};
  for (const pair of raw.split(',')) {
    const [key, value] = pair.split('=');
    if (
      key === undefined ||
      !(key in DEFAULT_RESIDUAL_OPTIONS) ||
      !Number.isFinite(Number(value))
    ) {
      throw new RouterError('INPUT_INVALID', `bad --residual entry "${pair}"`);
    }
    out[key] = Number(value);
  }
  return out;
}

/** Prepare every stream (artifact trained without it) with the chosen embedder, then run them. */
export async function runLearning(options: {
  readonly flags: ReplayOptions & { readonly embedder: 'use-lite' | 'hash' };
  readonly streams: readonly LearningStreamName[];
  readonly residual: ResidualOptions;
  readonly argv: readonly string[];
}): Promise<void> {
  const { flags } = options;
  const embedder = await createEmbedder(
    loadConfig({ env: {}, overrides: { embedder: flags.embedder } }),
  );
  const prepared: TransferStream[] = [];
  try {
    for (const stream of options.streams) {
      prepared.push(
        await prepareTransferStream({ stream, embedder, seed: flags.seed, log: flags.log }),
      );
    }
  } finally {
    await embedder.close();
  }
  runLearningBenchmark({
    flags: {
      slider: flags.sliders[0] ?? 5,
      seed: flags.seed,
      runs: flags.runs,
      write: flags.write,
      log: flags.log,
      residual: options.residual,
      policies: flags.policies,
    },
    streams: prepared,
    command: `arbiter replay ${options.argv.join(' ')}`.trim(),
  });
}
