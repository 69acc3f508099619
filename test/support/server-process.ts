/** `arbiter serve` as a child process on 127.0.0.1, for tests that kill it (SIGKILL) mid-run. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/arbiter.js', import.meta.url));

/** A running server process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
}

/** A port the OS says is free now (bound to 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Start `arbiter serve` on `port` with state in `dir` (hash embedder, no artifact). */
export function startServer(
  dir: string,
  port: number,
  env: Readonly<Record<string, string>> = {},
): ServerProcess {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', String(port), '--state-dir', dir],
    {
      env: {
        ...process.env,
        ARBITER_EMBEDDER: 'hash',
        LOG_LEVEL: 'error',
        ARBITER_ARTIFACT: join(dir, 'none'),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, stderr: () => stderr };
}

/** Wait until `/readyz` answers 200 (polled; fails if the process exits first). */
export async function waitReady(port: number, server: ServerProcess): Promise<void> {
  let done = false;
  void server.exited.then(() => {
    done = true;
  });
  for (let i = 0; i < 600 && !done; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server not ready: ${server.stderr()}`);
}
