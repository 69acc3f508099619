/**
 * The README is executable: the commands and curl examples of its Quick start, HTTP API and CLI
 * sections run against a real `arbiter serve` on a free port, placeholders (`arb_...`,
 * `<from the route answer>`) filled from earlier answers; each must succeed and answer the shape the
 * README documents. Every `arbiter <verb>` the README names must answer `--help`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'arbiter.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of a `## Title` section, up to the next `## `. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The commands of the ```sh blocks of a text: continuation lines joined, comments dropped. */
export function shellCommands(text: string): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/gu)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/gu, ' ')
      .split('\n')
      .map((line) => stripComment(line).trim())
      .filter((line) => line.length > 0),
  );
}

/** A line without its trailing `# comment` (a `#` outside quotes, after whitespace). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/u.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Shell words of a command (single and double quotes; no expansion). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const c of command) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/u.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** A curl command as a fetch: URL, method, headers and body (-s, -H, -d, -X). */
export function parseCurl(command: string): {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
} {
  const words = shellWords(command);
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${command}`);
  const headers: Record<string, string> = {};
  let url: string | undefined;
  let body: string | undefined;
  let method: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '-s') continue;
    if (word === '-H') {
      const header = words[++i] ?? '';
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d') {
      body = words[++i];
    } else if (word === '-X') {
      method = words[++i];
    } else if (word.startsWith('-')) {
      throw new Error(`curl flag ${word} is not understood by this test: ${command}`);
    } else {
      url = word;
    }
  }
  if (url === undefined) throw new Error(`curl without a URL: ${command}`);
  return {
    url,
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

/** Run the CLI (what `npx arbiter` runs) with the service's environment. */
function arbiter(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** What the README says each endpoint answers (the keys of its JSON), by path. */
const DOCUMENTED_SHAPE: Readonly<Record<string, readonly string[]>> = {
  // "names the model to call, a ranked fallback list ..., every excluded model with its reason,
  // the decision_id, propensity and Arbiter's overhead_ms"
  '/v1/route': ['model', 'candidates', 'excluded', 'decision_id', 'propensity', 'overhead_ms'],
  // "Answers recorded or duplicate"
  '/v1/feedback': ['status'],
  '/v1/usage': ['object', 'since', 'until', 'tenants'],
};

const state = mkdtempSync(join(tmpdir(), 'arbiter-readme-'));
const env = { ARBITER_STATE_DIR: state, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
let server: ChildProcess | undefined;
let base = '';

/** Start `npm start`'s command and wait for its start-up summary (the readiness signal). */
function startService(): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [node, script, ...args] = pkg.scripts.start.split(' ');
  expect([node, script]).toEqual(['node', 'bin/arbiter.js']);
  const child = spawn(process.execPath, [join(ROOT, script ?? ''), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const ready = /ready on (http:\/\/\S+)/u.exec(out);
      if (ready?.[1] !== undefined) resolve(ready[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('exit', (code) =>
      reject(new Error(`serve exited (${code}) before ready: ${out}${err}`)),
    );
  });
}

describe('the README, executed', () => {
  beforeAll(async () => {
    base = await startService();
  }, 180_000);

  afterAll(async () => {
    const child = server;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('prints the start-up summary and serves the docs it names', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/u);
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(openapi.paths)).toContain('/v1/route');
  });

  it('runs every command and curl example of the Quick start, HTTP API and CLI sections', async () => {
    const commands = ['Quick start', 'HTTP API', 'CLI'].flatMap((title) =>
      shellCommands(section(title)),
    );
    expect(commands.length).toBeGreaterThanOrEqual(6);
    const filled: Record<string, string> = {};
    const ran: string[] = [];
    for (const command of commands) {
      if (command === 'npm ci && npm start' || command === 'npm test') {
        // npm ci and npm test are what CI itself runs; npm start is the service started above.
        ran.push(command);
        continue;
      }
      if (command.startsWith('npx arbiter ')) {
        const result = await arbiter(shellWords(command).slice(2), env);
        expect(result.code, `${command}\n${result.stderr}`).toBe(0);
        const key = /^(arb_[A-Za-z0-9_-]+)$/mu.exec(result.stdout)?.[1];
        if (command.includes(' keys add ')) {
          expect(key, command).toBeDefined();
          filled['arb_...'] = key ?? '';
        }
        ran.push(command);
        continue;
      }
      expect(command.startsWith('curl '), `not runnable: ${command}`).toBe(true);
      let text = command.replace(/localhost:8080/gu, base.replace(/^http:\/\//u, ''));
      for (const [placeholder, value] of Object.entries(filled)) {
        text = text.split(placeholder).join(value);
      }
      expect(text, `unfilled placeholder in ${command}`).not.toMatch(/arb_\.\.\.|<[^>]+>/u);
      const request = parseCurl(text);
      const url = request.url.startsWith('http') ? request.url : `http://${request.url}`;
      const response = await fetch(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status, `${command}\n${JSON.stringify(body)}`).toBeLessThan(300);
      const path = new URL(url).pathname;
      for (const field of DOCUMENTED_SHAPE[path] ?? []) {
        expect(body, `${command}: documented field ${field}`).toHaveProperty(field);
      }
      if (path === '/v1/route') filled['<from the route answer>'] = String(body['decision_id']);
      if (path === '/v1/feedback') expect(body['status']).toBe('recorded');
      ran.push(command);
    }
    expect(ran).toHaveLength(commands.length);
  }, 120_000);

  it('runs the CLI table: embed prints {"model","dimension","ms"}, keys list shows the key', async () => {
    const cli = section('CLI');
    expect(cli).toContain('`arbiter embed --text "..." [--vector]`');
    const embed = await arbiter(['embed', '--text', 'What is 2 + 2?'], env);
    expect(embed.code, embed.stderr).toBe(0);
    expect(Object.keys(JSON.parse(embed.stdout) as object).sort()).toEqual([
      'dimension',
      'model',
      'ms',
    ]);
    const list = await arbiter(['keys', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^acme\ttenant\t/mu);
  }, 60_000);

  it('answers --help for every `arbiter <verb>` the README names', async () => {
    const verbs = [...new Set([...README.matchAll(/`arbiter ([a-z]+)/gu)].map((m) => m[1] ?? ''))];
    expect(verbs).toEqual(
      expect.arrayContaining(['serve', 'embed', 'keys', 'ingest', 'train', 'bench', 'replay']),
    );
    const { main } = await import('../../src/cli/main.js');
    for (const verb of verbs) {
      const chunks: string[] = [];
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        chunks.push(String(chunk));
        return true;
      });
      let code: number;
      try {
        code = await main([verb, '--help']);
      } finally {
        stdout.mockRestore();
      }
      expect(code, `arbiter ${verb} --help`).toBe(0);
      expect(chunks.join(''), `arbiter ${verb} --help`).toMatch(
        new RegExp(`Usage: arbiter ${verb}`, 'u'),
      );
    }
  }, 60_000);
});
