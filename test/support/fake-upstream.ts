/**
 * A fake OpenAI-compatible upstream on 127.0.0.1 for proxy tests. Every request takes the next
 * behaviour from a script (by arrival order); requests past the script get a 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake upstream does with one request. */
export type Behaviour =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'json'; body: unknown }
  | { kind: 'hang' }
  /** 200 text/event-stream, the given `data:` payloads, then a clean end or a dropped connection. */
  | { kind: 'sse'; data: readonly string[]; then: 'end' | 'drop' | 'hang' }
  /** Anything else: the test writes the response itself (tracked, so reset() ends it). */
  | { kind: 'custom'; respond: (response: ServerResponse) => void };

/** A request the fake upstream received. */
export interface SeenRequest {
  readonly provider: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

/** The fake upstream server. */
export class FakeUpstream {
  readonly seen: SeenRequest[] = [];
  private script: Behaviour[] = [];
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Behaviours for the next requests, in arrival order; requests past the script get a 500. */
  play(...behaviours: Behaviour[]): void {
    this.script = [...behaviours];
    this.seen.length = 0;
  }

  /** Upstream model names requested, in order. */
  models(): string[] {
    return this.seen.map((request) => String(request.body['model']));
  }

  /** Drop connections left hanging by a test. */
  reset(): void {
    for (const response of this.open) response.destroy();
    this.open.clear();
    this.script = [];
    this.seen.length = 0;
  }

  async close(): Promise<void> {
    this.reset();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.seen.push({
        provider: request.url?.split('/')[1] ?? '',
        authorization: request.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      this.respond(this.script.shift() ?? { kind: 'status', status: 500 }, response);
    });
  }

  private respond(behaviour: Behaviour, response: ServerResponse): void {
    switch (behaviour.kind) {
      case 'status':
        response.writeHead(behaviour.status, {
          'content-type': 'application/json',
          ...behaviour.headers,
        });
        response.end(JSON.stringify(behaviour.body ?? { error: { message: 'scripted' } }));
        return;
      case 'json':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(behaviour.body));
        return;
      case 'hang':
        this.open.add(response);
        return;
      case 'custom':
        this.open.add(response);
        behaviour.respond(response);
        return;
      case 'sse': {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.flushHeaders();
        for (const data of behaviour.data) response.write(`data: ${data}\n\n`);
        if (behaviour.then === 'end') {
          response.end();
        } else if (behaviour.then === 'hang') {
          this.open.add(response);
        } else {
          // Let the written events leave before the connection drops.
          setTimeout(() => response.socket?.destroy(), 50);
        }
        return;
      }
    }
  }
}
