import type { ModelIdResolver } from './loader-common.js';

/** One observation of Arbiter's own JSONL log format (docs/log-format.md), validated. */
export interface LogObservation {
  readonly line: number;
  readonly prompt: string;
  /** Catalog model id (aliases resolved). */
  readonly model: string;
  readonly quality: number | null;
  readonly promptId: string | null;
  readonly group: string | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly costUsd: number | null;
  readonly latencyMs: number | null;
  readonly tenant: string | null;
  /** Epoch ms. */
  readonly observedAtMs: number | null;
}

/** A rejected line: where and why. */
export interface BadRow {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** Parsed log: good observations and bad rows (the caller decides whether bad rows are fatal). */
export interface ParsedLog {
  readonly observations: LogObservation[];
  readonly badRows: BadRow[];
}

const KNOWN_FIELDS = new Set([
  'prompt',
  'model',
  'quality',
  'prompt_id',
  'group',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'latency_ms',
  'tenant',
  'timestamp',
]);

/** Maximum prompt length accepted, characters (the HTTP API's bound). */
export const MAX_LOG_PROMPT_CHARS = 200_000;

/**
 * Parse Arbiter JSONL: one object per line, blank lines ignored. Every problem becomes a bad row
 * (file, line, reason) rather than an exception, so `--strict` can decide.
 */
export function parseArbiterJsonl(text: string, options: { readonly file: string; readonly resolveModelId: ModelIdResolver }): ParsedLog {
  const observations: LogObservation[] = [];
  const badRows: BadRow[] = [];
  text.split(/\r?\n/u).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim().length === 0) return;
    const bad = (reason: string): void => {
      badRows.push({ file: options.file, line, reason });
    };
    let value: unknown;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      bad('invalid JSON');
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      bad('not a JSON object');
      return;
    }
    const record = value as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => !KNOWN_FIELDS.has(key));
    if (unknown.length > 0) return bad(`unknown field(s): ${unknown.join(', ')}`);
    const prompt = record['prompt'];
    if (typeof prompt !== 'string' || prompt.trim().length === 0) return bad('prompt must be a non-empty string');
    if (prompt.length > MAX_LOG_PROMPT_CHARS) return bad(`prompt longer than ${MAX_LOG_PROMPT_CHARS} characters`);
    const modelName = record['model'];
    if (typeof modelName !== 'string') return bad('model must be a string');
    const model = options.resolveModelId(modelName);
    if (model === undefined) return bad(`unknown model "${modelName}" (not in the catalog)`);
    const quality = record['quality'] ?? null;
    if (quality !== null && (typeof quality !== 'number' || !(quality >= 0 && quality <= 1))) {
      return bad('quality must be a number in [0, 1] or null');
    }
    const numbers: Record<string, number | null> = {};
    for (const key of ['input_tokens', 'output_tokens', 'cost_usd', 'latency_ms']) {
      const field = record[key] ?? null;
      if (field !== null && (typeof field !== 'number' || !Number.isFinite(field) || field < 0)) {
        return bad(`${key} must be a finite number >= 0`);
      }
      numbers[key] = field;
    }
    const strings: Record<string, string | null> = {};
    for (const key of ['prompt_id', 'group', 'tenant']) {
      const field = record[key] ?? null;
      if (field !== null && typeof field !== 'string') return bad(`${key} must be a string`);
      strings[key] = field;
    }
    const timestamp = record['timestamp'] ?? null;
    let observedAtMs: number | null = null;
    if (timestamp !== null) {
      observedAtMs = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
      if (!Number.isFinite(observedAtMs)) return bad('timestamp must be epoch ms or an ISO 8601 string');
    }
    observations.push({
      line,
      prompt,
      model,
      quality,
      promptId: strings['prompt_id'] ?? null,
      group: strings['group'] ?? null,
      inputTokens: numbers['input_tokens'] ?? null,
      outputTokens: numbers['output_tokens'] ?? null,
      costUsd: numbers['cost_usd'] ?? null,
      latencyMs: numbers['latency_ms'] ?? null,
      tenant: strings['tenant'] ?? null,
      observedAtMs,
    });
  });
  return { observations, badRows };
}
