import { isRouterError, errorMessage } from '../core/index.js';
import { hintFor } from './store-hints.js';

/** A CLI verb: parses its own argv and returns an exit code. */
export interface Command {
  /** One line for `arbiter --help`. */
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

/** Verbs load lazily so `arbiter embed` does not pay for Fastify or DuckDB. */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  embed: async () => (await import('./embed.js')).embedCommand,
  train: async () => (await import('./train.js')).trainCommand,
  replay: async () => (await import('./replay.js')).replayCommand,
  bench: async () => (await import('./bench.js')).benchCommand,
  ingest: async () => (await import('./ingest.js')).ingestCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  promote: async () => (await import('./promote.js')).promoteCommand,
  rollback: async () => (await import('./promote.js')).rollbackCommand,
  snapshot: async () => (await import('./snapshot.js')).snapshotCommand,
  'replay-traffic': async () => (await import('./replay-traffic.js')).replayTrafficCommand,
};

function usage(): string {
  const lines = Object.keys(COMMANDS).map((name) => `  ${name}`);
  return [
    'arbiter — a learning, quality-aware LLM router',
    '',
    'Usage: arbiter <command> [options]   (arbiter <command> --help for details)',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

/** Entry point: dispatch to a verb; prints coded errors as `error CODE: message`. */
export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    const summaries = await Promise.all(
      Object.entries(COMMANDS).map(
        async ([name, load]) => `  ${name.padEnd(8)} ${(await load()).summary}`,
      ),
    );
    process.stdout.write(
      usage().replace(/Commands:\n[\s\S]*$/u, `Commands:\n${summaries.join('\n')}\n`),
    );
    return verb === undefined ? 1 : 0;
  }
  const load = COMMANDS[verb];
  if (load === undefined) {
    process.stderr.write(`arbiter: unknown command "${verb}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await load()).run(rest);
  } catch (error: unknown) {
    if (isRouterError(error)) {
      process.stderr.write(`error ${error.code}: ${error.message}\n`);
      const hint = hintFor(error);
      if (hint !== undefined) process.stderr.write(`${hint}\n`);
      return 1;
    }
    process.stderr.write(`error INTERNAL: ${errorMessage(error)}\n`);
    return 1;
  }
}
