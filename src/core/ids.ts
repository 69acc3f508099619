import { createHash, randomUUID } from 'node:crypto';

/** Produces unique ids; injected so tests can make them predictable. */
export type IdGenerator = () => string;

/** Random UUID v4 ids. */
export const uuidGenerator: IdGenerator = () => randomUUID();

/** Hex SHA-256 of a UTF-8 string (prompt hashes, cache keys). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
