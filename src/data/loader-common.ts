import { readFileSync } from 'node:fs';
import { RouterError, errorMessage } from '../core/index.js';
import { loadCatalog } from '../catalog/index.js';
import { countTokens } from '../tokens/index.js';
import { resolveDataDir } from './data-dir.js';

/** Maps a source's model name to a catalog id; undefined when unknown. */
export type ModelIdResolver = (name: string) => string | undefined;

/** Counts the tokens of a text as `modelId` would bill them. */
export type TokenCounter = (text: string, modelId: string) => number;

/** Options shared by every loader. */
export interface LoaderOptions {
  /** Root of the shared data. @default resolveDataDir() */
  readonly dataDir?: string;
  /** Source model name → catalog id. @default the shipped catalog's resolveModelId */
  readonly resolveModelId?: ModelIdResolver;
  /**
   * Token counter for response texts (output tokens). @default src/tokens' countTokens with the
   * model's catalog tokenizer family (tiktoken; cl100k_base for models the catalog lacks)
   */
  readonly countTokens?: TokenCounter;
}

/** Resolved loader options. */
export interface ResolvedLoaderOptions {
  readonly dataDir: string;
  readonly resolveModelId: ModelIdResolver;
  readonly countTokens: TokenCounter;
}

/** OpenAI's rule of thumb, about 4 characters per token of English text (a cheap stand-in for tests). */
export function approximateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.round(text.length / 4));
}

let defaults: { resolveModelId: ModelIdResolver; countTokens: TokenCounter } | undefined;

function catalogDefaults(): { resolveModelId: ModelIdResolver; countTokens: TokenCounter } {
  if (defaults === undefined) {
    const catalog = loadCatalog();
    defaults = {
      resolveModelId: (name) => catalog.resolveModelId(name),
      countTokens: (text, modelId) => countTokens(text, catalog.get(modelId)?.tokenizer ?? 'cl100k_base'),
    };
  }
  return defaults;
}

/** Fill in loader defaults (the catalog is read once per process). */
export function resolveLoaderOptions(options: LoaderOptions = {}): ResolvedLoaderOptions {
  return {
    dataDir: options.dataDir ?? resolveDataDir(),
    resolveModelId: options.resolveModelId ?? catalogDefaults().resolveModelId,
    countTokens: options.countTokens ?? catalogDefaults().countTokens,
  };
}

/** Map source model names to catalog ids; MODEL_UNKNOWN names the first that has no entry. */
export function mapModelIds(
  names: readonly string[],
  resolver: ModelIdResolver,
  source: string,
): string[] {
  return names.map((name) => {
    const id = resolver(name);
    if (id === undefined) {
      throw new RouterError('MODEL_UNKNOWN', `${source}: model "${name}" is not in the catalog`, {
        details: { file: source, model: name },
      });
    }
    return id;
  });
}

/** Read a UTF-8 file; DATA_INVALID (with the path) when it cannot be read. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new RouterError('DATA_INVALID', `${path}: cannot read: ${errorMessage(error)}`, {
      cause: error,
      details: { file: path },
    });
  }
}

/** Parse a JSON file; DATA_INVALID on read or syntax errors. */
export function readJson(path: string): unknown {
  try {
    return JSON.parse(readText(path)) as unknown;
  } catch (error: unknown) {
    if (error instanceof RouterError) throw error;
    throw new RouterError('DATA_INVALID', `${path}: invalid JSON: ${errorMessage(error)}`, {
      cause: error,
      details: { file: path },
    });
  }
}

/** One parsed JSONL line with its 1-based line number. */
export interface JsonlLine {
  readonly line: number;
  readonly value: unknown;
}

/** Parse JSON Lines (blank lines skipped); DATA_INVALID names the file and line. */
export function readJsonl(path: string): JsonlLine[] {
  return parseJsonl(readText(path), path);
}

/** Parse JSON Lines text (blank lines skipped); DATA_INVALID names the source and line. */
export function parseJsonl(text: string, source: string): JsonlLine[] {
  const out: JsonlLine[] = [];
  text.split(/\r?\n/u).forEach((raw, index) => {
    if (raw.trim().length === 0) return;
    try {
      out.push({ line: index + 1, value: JSON.parse(raw) as unknown });
    } catch (error: unknown) {
      throw new RouterError('DATA_INVALID', `${source}:${index + 1}: invalid JSON`, {
        cause: error,
        details: { file: source, line: index + 1, reason: 'invalid JSON' },
      });
    }
  });
  return out;
}

/** A string field of a parsed JSON object, or undefined. */
export function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

/** The `eval_prompt` set of a RouteLLM contaminated_prompts.jsonl (how RouteLLM decontaminates). */
export function readContaminatedPrompts(path: string): Set<string> {
  const out = new Set<string>();
  for (const { line, value } of readJsonl(path)) {
    const prompt = stringField(value, 'eval_prompt');
    if (prompt === undefined) {
      throw new RouterError('DATA_INVALID', `${path}:${line}: missing eval_prompt`, {
        details: { file: path, line, reason: 'missing eval_prompt' },
      });
    }
    out.add(prompt);
  }
  return out;
}

/** Parse a `True`/`False` (or 1/0) label to 1/0; NaN when empty or unrecognised. */
export function parseBooleanLabel(text: string): number {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1' || value === '1.0') return 1;
  if (value === 'false' || value === '0' || value === '0.0') return 0;
  return Number.NaN;
}
