/**
 * Arbiter replica processes for integration tests and benchmarks: `bin/arbiter.js serve` children
 * sharing one PostgreSQL database, each on its own loopback port, started in parallel and waited on
 * through their start-up line ("ready on http://..."), never a sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'arbiter.js');

/** One running replica. */
export interface Replica {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far (for failure messages). */
  readonly stderr: () => string;
  /** Everything it wrote to stdout so far (its start-up line and pino's log lines). */
  readonly stdout: () => string;
}

/** Options for {@link startReplica}. */
export interface StartReplicaOptions {
  readonly id: string;
  readonly databaseUrl: string;
  /** Extra environment (ARBITER_POLICY, ...). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Spawn `arbiter serve` on a free port and resolve once it prints its URL. */
export function startReplica(options: StartReplicaOptions): Promise<Replica> {
  const state = mkdtempSync(join(tmpdir(), `arbiter-${options.id}-`));
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ARBITER_STATE_DIR: state,
      ARBITER_DATABASE_URL: options.databaseUrl,
      ARBITER_REPLICA_ID: options.id,
      ARBITER_EMBEDDER: 'hash',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const ready = /ready on (http:\/\/\S+)/u.exec(out);
      if (ready?.[1] !== undefined) {
        resolve({ id: options.id, url: ready[1], child, stderr: () => err, stdout: () => out });
      }
    });
    child.once('exit', (code, signal) =>
      reject(
        new Error(`replica ${options.id} exited (${code ?? signal}) before ready: ${out}${err}`),
      ),
    );
  });
}

/** Stop a replica with `signal` and wait for it to exit. */
export async function stopReplica(
  replica: Replica,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  const { child } = replica;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** A keys file with one tenant key, shared by every replica (ARBITER_KEYS_FILE); returns both. */
export function writeSharedKeys(tenant = 'acme'): { readonly file: string; readonly key: string } {
  const key = `arb_test_${tenant}`;
  const file = join(mkdtempSync(join(tmpdir(), 'arbiter-keys-')), 'keys.json');
  const sha256 = createHash('sha256').update(key).digest('hex');
  writeFileSync(file, JSON.stringify({ keys: [{ sha256, tenant, role: 'tenant' }] }));
  return { file, key };
}
