import { tmpdir } from 'node:os';
import path from 'node:path';
import { HELD_OUT_PROMPTS } from './transformers-embedder.fixture.js';

const LONG_PARAGRAPH =
  'Routing engines decide, for every request, which language model should answer it. They weigh the ' +
  'predicted quality of each candidate against its price per token, the latency it has shown lately and ' +
  'the rules of the tenant who sent the request. A good router sends easy questions to cheap models and ' +
  'keeps the expensive ones for hard reasoning, code and long documents, and it keeps learning from the ' +
  'outcomes that callers report after each call.';

/**
 * About fifty prompts of mixed length for the always-on ONNX/tfjs parity test: single words, router
 * traffic, code, numbers, non-Latin and unknown symbols (USE-Lite id 0), repeated text, and prompts past
 * USE-Lite's 128-token window (clipped by both runtimes).
 */
export const PARITY_PROMPTS: readonly string[] = [
  'x',
  'Hi',
  'hello world',
  '42',
  '[empty]',
  ...HELD_OUT_PROMPTS.slice(0, 36),
  'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)',
  'SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 10;',
  'Résumé naïve café — déjà vu: ¿qué pasa? Straße ÆØÅ',
  '你好，世界。请用中文回答这个问题。',
  'Emoji test 🚀🔥✨ with a snowman ☃ and check ✓ marks',
  'Ω≈ç√∫˜µ≤≥÷ ∑∏ ∂ƒ©˙∆˚¬… unusual symbols everywhere',
  'a',
  'the the the the the the the the the the',
  LONG_PARAGRAPH,
  `${LONG_PARAGRAPH} ${LONG_PARAGRAPH}`,
  `${LONG_PARAGRAPH} ${LONG_PARAGRAPH} ${LONG_PARAGRAPH} ${LONG_PARAGRAPH}`,
  'word '.repeat(300).trim(),
  Array.from({ length: 60 }, (_, i) => `item ${i}: value ${i * 7}`).join('; '),
];

/** State directory of the ONNX tests, shared across test files so the graph is built once (writes are atomic). */
export const TEST_STATE_DIR = path.join(tmpdir(), 'arbiter-test-use-lite-onnx');
