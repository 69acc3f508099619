import type { UpstreamConfig } from './upstream-config.js';

/** Replaces every configured upstream credential in a text with {@link REDACTED}. */
export type Scrubber = (text: string) => string;

/** What a scrubbed credential is replaced with. */
export const REDACTED = '[REDACTED]';

/** Credentials shorter than this are not scrubbed: replacing 1-3 characters would garble bodies. */
const MIN_SECRET_LENGTH = 4;

/**
 * A scrubber for the given secrets, in the forms an upstream can echo them: as written, JSON-escaped
 * (inside a JSON string) and URL-encoded. Upstream bodies, stream events and error messages pass
 * through it before they reach a client or a log.
 */
export function createScrubber(secrets: readonly string[]): Scrubber {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so a key that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
}

/** The scrubber for every upstream key of a config. */
export function scrubberFor(config: UpstreamConfig): Scrubber {
  const keys: string[] = [];
  for (const upstream of config.upstreams.values()) {
    if (upstream.apiKey !== undefined) keys.push(upstream.apiKey);
  }
  return createScrubber(keys);
}
