import { parseArgs } from 'node:util';
import { RouterError } from '../core/index.js';
import { loadConfig } from '../config/index.js';
import { createEmbedder } from './create-embedder.js';
import type { Command } from './main.js';

const HELP = `Usage: arbiter embed --text "..." [--embedder use-lite|transformers|hash] [--model-path DIR] [--vector]

Embed one text with the configured embedder (offline; no network is used) and print JSON:
  {"model": "...", "dimension": N, "ms": <embed time>, "vector": [...]?}

Options:
  --text TEXT        text to embed (required; empty text is allowed and maps to a placeholder)
  --embedder KIND    use-lite (default, 512-d), transformers (ONNX folder), hash (test fake)
  --model-path DIR   local model folder for --embedder transformers (default models/static-use-lite)
  --vector           include the vector in the output
  -h, --help         show this help
`;

/** `arbiter embed`. */
export const embedCommand: Command = {
  summary: 'embed a text offline and print its model, dimension and latency',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        text: { type: 'string' },
        embedder: { type: 'string' },
        'model-path': { type: 'string' },
        vector: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (values.text === undefined) {
      throw new RouterError('INPUT_INVALID', '--text is required (see arbiter embed --help)');
    }
    const config = loadConfig({
      overrides: {
        ...(values.embedder === undefined ? {} : { embedder: values.embedder as never }),
        ...(values['model-path'] === undefined ? {} : { embedderPath: values['model-path'] }),
      },
    });
    const embedder = await createEmbedder(config);
    try {
      const started = performance.now();
      const [row] = await embedder.embed([values.text]);
      const ms = performance.now() - started;
      const out: Record<string, unknown> = {
        model: embedder.modelId,
        dimension: embedder.dimension,
        ms: Math.round(ms * 1000) / 1000,
      };
      if (values.vector) out.vector = Array.from(row ?? []);
      process.stdout.write(`${JSON.stringify(out)}\n`);
      return 0;
    } finally {
      await embedder.close();
    }
  },
};
