import { describe, expect, it } from 'vitest';
import { detectPii, luhnValid, piiKinds } from './pii.js';

describe('PII detector', () => {
  it('finds each kind in realistic text', () => {
    expect(piiKinds('mail me at jane.doe+work@example.co.uk please')).toEqual(['email']);
    expect(piiKinds('call +1 (415) 555-0123 after 5')).toEqual(['phone']);
    expect(piiKinds('call 020 7946 0958')).toEqual(['phone']);
    expect(piiKinds('my card is 4111 1111 1111 1111, exp 12/29')).toEqual(['card_number']);
    expect(piiKinds('SSN 123-45-6789')).toEqual(['national_id']);
    expect(piiKinds('NI number AB 12 34 56 C')).toEqual(['national_id']);
    expect(piiKinds('pay to GB82 WEST 1234 5698 7654 32')).toEqual(['iban']);
    expect(piiKinds('export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz123456')).toEqual([
      'secret_key',
    ]);
    expect(piiKinds('aws AKIAIOSFODNN7EXAMPLE')).toEqual(['secret_key']);
    expect(piiKinds('-----BEGIN RSA PRIVATE KEY-----\nMIIE...')).toEqual(['secret_key']);
  });

  it('does not flag ordinary numbers, code or maths', () => {
    for (const text of [
      'What is 1234567890123 divided by 7?',
      'Compute 4111 1111 1111 1112 mod 9', // fails Luhn
      'The year 2024 had 366 days and 8784 hours.',
      'for (let i = 0; i < 100; i++) { total += i * 3.14159; }',
      'Version 1.2.3-beta.4 was released on 2023-10-01.',
      'The answer is 42, see section 3.4.5.',
    ]) {
      expect(detectPii(text), text).toEqual([]);
    }
  });

  it('reports positions, never the matched text', () => {
    const text = 'a@b.io and 4111-1111-1111-1111';
    const findings = detectPii(text);
    expect(findings.map((f) => f.kind)).toEqual(['email', 'card_number']);
    expect(text.slice(findings[1]?.start, findings[1]?.end)).toBe('4111-1111-1111-1111');
    expect(Object.keys(findings[0] ?? {})).toEqual(['kind', 'start', 'end']);
  });

  it('implements the Luhn checksum', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('')).toBe(false);
  });
});
