/** `arbiter replay learning`: prepare the streams, run them, write the summary (flags parsed in replay.ts). */
import { DEFAULT_RESIDUAL_OPTIONS, type ResidualOptions } from '../bandit/index.js';
import { loadConfig } from '../config/index.js';
import { RouterError } from '../core/index.js';
import { createEmbedder } from './create-embedder.js';
import { learningMarkdown, learningMode } from './replay-learning.js';
import { log, type ReplayFlags } from './replay-modes.js';
import { writeOutput } from './replay-report.js';
import {
  prepareTransferStream,
  type LearningStreamName,
  type TransferStream,
} from './replay-transfer.js';

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

/** Prepare every stream (artifact trained without it), run the policies, write Markdown, JSON, SVG. */
export async function runLearning(options: {
  readonly flags: ReplayFlags;
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
      prepared.push(await prepareTransferStream({ stream, embedder, seed: flags.seed, log }));
    }
  } finally {
    await embedder.close();
  }
  const learning = {
    slider: flags.sliders[0] ?? 5,
    seed: flags.seed,
    runs: flags.runs,
    out: flags.out,
    log,
    residual: options.residual,
    policies: flags.policies,
  };
  const rows = prepared.flatMap((stream) => learningMode(learning, stream));
  const slug = options.streams.length === 1 ? `-${options.streams[0] as string}` : '';
  writeOutput(
    flags.out,
    `learning${slug}.md`,
    learningMarkdown({
      flags: learning,
      streams: prepared,
      rows,
      command: `arbiter replay ${options.argv.join(' ')}`.trim(),
    }),
  );
}
