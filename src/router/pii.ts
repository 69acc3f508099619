/**
 * A local PII detector: finds kinds of sensitive data in a prompt without sending it anywhere, so a
 * request that carries them can be restricted to models cleared for sensitive data
 * (catalog `tags.sensitive_data`). Patterns favour precision: card numbers must pass the Luhn check,
 * phone numbers need 10-15 digits in a phone-like layout.
 */

/** Kinds of sensitive data the detector knows. */
export type PiiKind = 'email' | 'phone' | 'card_number' | 'national_id' | 'iban' | 'secret_key';

/** One finding: the kind and where it is (never the matched text, to keep it out of logs). */
export interface PiiFinding {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

const EMAIL =
  /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/gu;
const PHONE =
  /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]?\d{3,4}(?!\w)/gu;
const CARD = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/gu;
// US SSN (not 000/666/9xx area), UK National Insurance number.
const NATIONAL_ID =
  /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)|\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b/gu;
const IBAN = /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b/gu;
// Provider key formats: OpenAI, Anthropic, AWS access key id, GitHub, Slack, Google API, private keys.
const SECRET_KEY =
  /\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|xox[abpr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b|-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----/gu;

/** True when the digits pass the Luhn checksum (ISO/IEC 7812-1). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function findAll(
  text: string,
  pattern: RegExp,
  kind: PiiKind,
  accept?: (match: string) => boolean,
): PiiFinding[] {
  const findings: PiiFinding[] = [];
  for (const match of text.matchAll(pattern)) {
    if (accept !== undefined && !accept(match[0])) continue;
    findings.push({ kind, start: match.index, end: match.index + match[0].length });
  }
  return findings;
}

/** Longest text scanned, characters; longer prompts are scanned in full up to this cap. */
export const PII_SCAN_LIMIT = 200_000;

/** Every PII finding in `text`, in order of position; overlapping weaker findings are dropped. */
export function detectPii(text: string): PiiFinding[] {
  const scanned = text.length > PII_SCAN_LIMIT ? text.slice(0, PII_SCAN_LIMIT) : text;
  const cards = findAll(scanned, CARD, 'card_number', (m) => {
    const digits = m.replace(/\D/gu, '');
    return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
  });
  const strong = [
    ...findAll(scanned, SECRET_KEY, 'secret_key'),
    ...findAll(scanned, EMAIL, 'email'),
    ...cards,
    ...findAll(scanned, IBAN, 'iban', (m) => m.replace(/\s/gu, '').length >= 15),
    ...findAll(scanned, NATIONAL_ID, 'national_id'),
  ];
  // Long digit runs that fail Luhn are still not phone numbers (order ids, arithmetic).
  const digitRuns = findAll(scanned, CARD, 'card_number');
  const overlaps = (f: PiiFinding): boolean =>
    [...strong, ...digitRuns].some((s) => f.start < s.end && s.start < f.end);
  const phones = findAll(scanned, PHONE, 'phone', (m) => {
    const digits = m.replace(/\D/gu, '').length;
    return digits >= 10 && digits <= 15;
  }).filter((f) => !overlaps(f));
  return [...strong, ...phones].sort((a, b) => a.start - b.start);
}

/** The distinct kinds found, sorted. */
export function piiKinds(text: string): PiiKind[] {
  return [...new Set(detectPii(text).map((f) => f.kind))].sort();
}
