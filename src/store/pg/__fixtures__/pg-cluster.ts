/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp folder, pg_ctl start on a free
 * loopback port, a fresh database per test, stop and delete at the end. Binaries are looked up in
 * ARBITER_PG_BIN, /usr/local/bin, /usr/lib/postgresql/<version>/bin (Debian's `postgresql`
 * package) and PATH. initdb refuses to run as root, so under root the cluster runs as the
 * `postgres` user (or `nobody`) through runuser, in a folder that user owns.
 *
 * Readiness is waited on, never slept for: `pg_ctl start -w` returns once the server accepts
 * connections, and {@link waitForConnection} polls a real connection.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where the PostgreSQL server binaries are, or why they are not usable. */
export type PgBinaries =
  | { readonly ok: true; readonly bin: string; readonly runAs: string | undefined }
  | { readonly ok: false; readonly reason: string };

function candidateDirs(): string[] {
  const dirs: string[] = [];
  const fromEnv = process.env['ARBITER_PG_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') dirs.push(fromEnv);
  dirs.push('/usr/local/bin');
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) dirs.push(join(debian, version, 'bin'));
  }
  dirs.push(...(process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== ''));
  return dirs;
}

/** Find initdb and pg_ctl (side by side) and decide which user runs them. Synchronous, for skipIf. */
export function findPgBinaries(): PgBinaries {
  const bin = candidateDirs().find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
  if (bin === undefined) {
    return {
      ok: false,
      reason:
        'PostgreSQL not installed (no initdb/pg_ctl in ARBITER_PG_BIN, /usr/local/bin, ' +
        '/usr/lib/postgresql/*/bin or PATH); install Debian package `postgresql` to run these tests',
    };
  }
  if (userInfo().uid !== 0) return { ok: true, bin, runAs: undefined };
  // initdb refuses root: run the cluster as an unprivileged user that exists here.
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find(existsSync);
  if (runuser === undefined) {
    return { ok: false, reason: 'running as root and runuser is missing: cannot run initdb' };
  }
  const users = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '';
  const runAs = /^postgres:/mu.test(users) ? 'postgres' : 'nobody';
  return { ok: true, bin, runAs };
}

/** A running throwaway cluster. */
export interface PgCluster {
  /** URL of the `postgres` database (for admin statements). */
  readonly adminUrl: string;
  readonly port: number;
  /** A new empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stop the server (fast shutdown), keeping the data folder. */
  stopServer(): Promise<void>;
  /** Start it again on the same port and wait until it accepts connections. */
  startServer(): Promise<void>;
  /** Stop the server and delete the folder. Idempotent. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Poll until a connection to `url` succeeds (or `attempts` run out). */
export async function waitForConnection(url: string, attempts = 200): Promise<void> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error: unknown) {
      last = error;
      await client.end().catch(() => undefined);
      // Yield to the event loop between attempts; the loop bound, not a delay, ends it.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  throw new Error(`PostgreSQL at ${url} did not accept connections`, { cause: last });
}

function usernameToUid(name: string): Promise<{ uid: number; gid: number }> {
  return run('id', ['-u', name]).then(async ({ stdout }) => {
    const gid = (await run('id', ['-g', name])).stdout;
    return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
  });
}

/** initdb + pg_ctl start in a temp folder on a free port. */
export async function startPgCluster(binaries: PgBinaries = findPgBinaries()): Promise<PgCluster> {
  if (!binaries.ok) throw new Error(binaries.reason);
  const { bin, runAs } = binaries;
  const root = mkdtempSync(join(tmpdir(), 'arbiter-pg-'));
  if (runAs !== undefined) {
    const { uid, gid } = await usernameToUid(runAs);
    chownSync(root, uid, gid);
  }
  const dataDir = join(root, 'data');
  const exec = (file: string, args: readonly string[]): Promise<unknown> =>
    runAs === undefined
      ? run(join(bin, file), [...args])
      : run('runuser', ['-u', runAs, '--', join(bin, file), ...args]);
  await exec('initdb', [
    '-D',
    dataDir,
    '-U',
    'arbiter',
    '-A',
    'trust',
    '--no-sync',
    '--locale=C',
    '-E',
    'UTF8',
  ]);
  const port = await freePort();
  const pgCtl = (action: string[]): Promise<unknown> =>
    exec('pg_ctl', ['-D', dataDir, '-l', join(root, 'server.log'), ...action]);
  const start = (): Promise<unknown> =>
    pgCtl([
      '-w',
      '-t',
      '120',
      '-o',
      `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  const adminUrl = `postgres://arbiter@127.0.0.1:${port}/postgres`;
  await start();
  await waitForConnection(adminUrl);
  let counter = 0;
  let destroyed = false;
  return {
    adminUrl,
    port,
    async createDatabase(name) {
      const database = name ?? `t_${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // A generated identifier (letters, digits, underscore), never request data.
        await client.query(`CREATE DATABASE ${database}`);
      } finally {
        await client.end();
      }
      return `postgres://arbiter@127.0.0.1:${port}/${database}`;
    },
    async stopServer() {
      await pgCtl(['-m', 'fast', '-w', 'stop']);
    },
    async startServer() {
      await start();
      await waitForConnection(adminUrl);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        await pgCtl(['-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
