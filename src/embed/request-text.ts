/**
 * What of one message the router embeds: the request, not the material pasted with it.
 *
 * USE-Lite reads the first 128 tokens of a text (about 500 characters) and averages what it reads. A
 * message that pastes a page of notes, an email, a log or a source file and asks for something short
 * about it ("Summarize the notes above in three bullet points.") embeds as the pasted material: the
 * request is past the window or outweighed by it, and the router predicts the material's difficulty,
 * not the task's. Routed at the default knob, 12 of 15 such easy requests of the dev prompts went to
 * the frontier tier (training/dev/dev-long.jsonl; training/experiments/README.md, "Pasted material").
 *
 * So a message longer than {@link REQUEST_MIN_CHARS} whose last paragraph (after a blank line) is a
 * short request in prose is embedded as that paragraph, and so is one whose first line is a short
 * request in prose ending in a colon ("Extract every city name from this list:"), unless what follows
 * is the lettered options of a multiple-choice question. A request shorter than
 * {@link REQUEST_ALONE_CHARS} ("Fix this.", "What's wrong with this?") says little alone, so it is
 * filled up to {@link REQUEST_FILL_CHARS} characters with the material next to it. A few-shot
 * prompt, whose last paragraph repeats a line of the examples before it, is one request and is
 * embedded whole, and so is anything else. Training, benchmarks and `/v1/route` all embed this text
 * (the embedding cache applies it), so the predictor is trained on what it is asked about.
 */

/**
 * Messages up to this many characters are embedded whole. 300 rather than the encoder's window
 * (about 500): USE-Lite averages what it reads, so material well inside the window outweighs a short
 * request too (a 480-character log followed by "Any errors?" in the dev prompts).
 */
export const REQUEST_MIN_CHARS = 300;

/** A request paragraph is at most this long (longer, it is the material itself). */
export const REQUEST_MAX_CHARS = 400;

/**
 * A request shorter than {@link REQUEST_ALONE_CHARS} is filled up to this many characters with the
 * material next to it. Chosen with REQUEST_ALONE_CHARS on the hand-written dev prompts
 * (training/dev/dev-long.jsonl): see training/experiments/README.md, "Pasted material".
 */
export const REQUEST_FILL_CHARS = 60;

/** A request of at least this many characters says what is asked by itself and is embedded alone. */
export const REQUEST_ALONE_CHARS = 30;

/** Prose, not code or data: mostly letters and spaces, with at least two words. */
function isProse(text: string): boolean {
  const trimmed = text.trim();
  if (!/^[\p{L}"'(]/u.test(trimmed)) return false;
  if (trimmed.split(/\s+/u).length < 2) return false;
  if (
    /^(def|class|function|import|from|return|const|let|var|public|private|#include)\b/u.test(
      trimmed,
    )
  )
    return false;
  if (/```|"""|'''|>>>/u.test(trimmed)) return false;
  const visible = trimmed.replace(/\s+/gu, '');
  const letters = visible.replace(/[^\p{L}]/gu, '').length;
  return letters >= 0.6 * visible.length;
}

/**
 * True when `paragraph` repeats a line of `material` of at least 20 characters: the items of a
 * few-shot prompt ("Print only a single choice ... Answer:") or another templated series, where the
 * examples define the task and the message is one request, embedded whole.
 */
function repeatsTemplate(paragraph: string, material: string): boolean {
  const lines = new Set(
    material
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length >= 20),
  );
  return paragraph.split('\n').some((line) => lines.has(line.trim()));
}

/** Lettered options ("A. ...", "B) ..."): the lines after a question's stem, part of the question. */
function isMultipleChoice(material: string): boolean {
  return (material.match(/^\s*\(?[A-Ea-e][.)]\s/gmu) ?? []).length >= 2;
}

/** The last `max` characters of `text`, starting at a word boundary where one is near. */
export function tailChars(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const space = cut.search(/\s/u);
  return space >= 0 && space < max / 3 ? cut.slice(space + 1) : cut;
}

/** The first `max` characters of `text`, ending at a word boundary where one is near. */
function headChars(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return space > (max * 2) / 3 ? cut.slice(0, space) : cut;
}

/**
 * The text the router embeds for one message (a prompt, or a chat turn): the message itself, or,
 * for a long message that pastes material around a short request, the request (when shorter than
 * {@link REQUEST_ALONE_CHARS}, filled to {@link REQUEST_FILL_CHARS} characters with the material
 * next to it). Idempotent.
 */
export function requestText(
  text: string,
  fillChars = REQUEST_FILL_CHARS,
  aloneChars = REQUEST_ALONE_CHARS,
): string {
  // Applied until nothing changes (each step shortens the text), so that applying it again, as the
  // embedding cache does to a logged routing text, changes nothing.
  let current = text;
  for (;;) {
    const next = requestTextOnce(current, fillChars, aloneChars);
    if (next === current) return current;
    current = next;
  }
}

function requestTextOnce(text: string, fillChars: number, aloneChars: number): string {
  if (text.length <= REQUEST_MIN_CHARS) return text;
  const trimmed = text.trim();
  const paragraphs = trimmed.split(/\r?\n[ \t\r]*\n/u);
  const last = paragraphs[paragraphs.length - 1]?.trim() ?? '';
  if (paragraphs.length >= 2 && last.length <= REQUEST_MAX_CHARS && isProse(last)) {
    const material = trimmed.slice(0, trimmed.length - last.length).trimEnd();
    if (repeatsTemplate(last, material)) return text;
    const fill = last.length >= aloneChars ? '' : tailChars(material, fillChars - last.length - 2);
    return fill.length > 0 ? `${fill}\n\n${last}` : last;
  }
  const newline = trimmed.indexOf('\n');
  const first = newline < 0 ? '' : trimmed.slice(0, newline).trim();
  if (
    first.length > 0 &&
    first.length <= REQUEST_MAX_CHARS &&
    first.endsWith(':') &&
    isProse(first)
  ) {
    const material = trimmed.slice(newline + 1).trimStart();
    if (isMultipleChoice(material)) return text;
    const fill =
      first.length >= aloneChars ? '' : headChars(material, fillChars - first.length - 1);
    return fill.length > 0 ? `${first}\n${fill}` : first;
  }
  return text;
}
