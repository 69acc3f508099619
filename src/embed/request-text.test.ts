import { describe, expect, it } from 'vitest';
import {
  REQUEST_ALONE_CHARS,
  REQUEST_FILL_CHARS,
  REQUEST_MAX_CHARS,
  REQUEST_MIN_CHARS,
  requestText,
} from './request-text.js';

const NOTES =
  'Team sync. Priya opened with the launch date: the beta is still planned for the 14th, but the ' +
  'payments vendor has not confirmed the sandbox credentials, so Marcus will chase them today. Lena ' +
  'reported that the onboarding screens are done except for the dark-mode icons. Tom raised that the ' +
  'staging database ran out of disk twice last week; he added an alert at 80% and will ask for a ' +
  'bigger volume. Next sync on Thursday.';

const CODE = [
  'def load_users(path):',
  '    with open(path) as f:',
  '        return json.load(f)',
  '',
  'def save_users(path, users):',
  '    with open(path, "w") as f:',
  '        json.dump(users, f, indent=2)',
  '',
  'def find_user(users, email):',
  '    for user in users:',
  '        if user["email"] == email:',
  '            return user',
  '    return None',
].join('\n');

describe('requestText', () => {
  it('embeds a long text that ends with a request in prose as that request', () => {
    const ask = 'Summarize the notes above in three bullet points.';
    expect(NOTES.length).toBeGreaterThan(REQUEST_MIN_CHARS);
    expect(requestText(`${NOTES}\n\n${ask}`)).toBe(ask);
  });

  it('fills a terse request with the end of the material before it', () => {
    const got = requestText(`${NOTES}\n\nFix this.`);
    expect(got.endsWith('\n\nFix this.')).toBe(true);
    expect(got.length).toBeLessThanOrEqual(REQUEST_FILL_CHARS);
    expect(got.length).toBeGreaterThan('Fix this.'.length + 2);
    expect(NOTES.endsWith(got.slice(0, got.indexOf('\n\n')))).toBe(true);
    // From REQUEST_ALONE_CHARS on, a request says what it asks and is embedded alone.
    const ask = 'Who will chase the vendor today?';
    expect(ask.length).toBeGreaterThanOrEqual(REQUEST_ALONE_CHARS);
    expect(requestText(`${NOTES}\n\n${ask}`)).toBe(ask);
  });

  it('reads Windows line ends alike', () => {
    const ask = 'Summarize the notes above in three bullet points.';
    expect(requestText(`${NOTES}\r\n\r\n${ask}`)).toBe(ask);
    const first =
      'Extract every person named in the following meeting notes, with their action items:';
    expect(requestText(`${first}\r\n${NOTES}`)).toBe(first);
  });

  it('embeds a long text whose first line is a request ending in a colon as that line', () => {
    const ask =
      'Extract every person named in the following meeting notes, with their action items:';
    expect(requestText(`${ask}\n${NOTES}`)).toBe(ask);
    expect(requestText(`${ask}\n\n${NOTES}`)).toBe(ask);
  });

  it('leaves short texts, code, data and long final paragraphs alone', () => {
    const short = 'Notes: the beta ships on the 14th.\n\nSummarize them.';
    expect(requestText(short)).toBe(short);
    // The last paragraph is code, not a request.
    const code = `${CODE}\n\n${CODE}`;
    expect(code.length).toBeGreaterThan(REQUEST_MIN_CHARS);
    expect(requestText(code)).toBe(code);
    // A docstring's last paragraph is part of the code.
    const docstring = `def f(x):\n    """${NOTES}\n\n    Return the decimal part of x.\n    >>> f(3.5)\n    0.5\n    """`;
    expect(requestText(docstring)).toBe(docstring);
    // A final paragraph longer than a request is material itself.
    const essay = `${NOTES}\n\n${NOTES} ${NOTES}`;
    expect(`${NOTES} ${NOTES}`.length).toBeGreaterThan(REQUEST_MAX_CHARS);
    expect(requestText(essay)).toBe(essay);
    // One paragraph with no request line: embedded whole.
    expect(requestText(NOTES)).toBe(NOTES);
  });

  it('embeds a few-shot prompt and a multiple-choice question whole', () => {
    const item = (question: string, answer: string): string =>
      `${question}\nA) first option\nB) second option\nPrint only a single choice from "A" or "B" without explanation.\nAnswer:${answer}`;
    const fewShot = [
      item('Which of these conducts electricity best in a kitchen drawer?', '\nA'),
      item('Which planet in the solar system has the shortest orbital period?', '\nB'),
      item('Which of these processes turns liquid water into water vapour?', '\nA'),
      item('Which tool would a student use to measure the mass of a rock?', ''),
    ].join('\n\n');
    expect(fewShot.length).toBeGreaterThan(REQUEST_MIN_CHARS);
    expect(requestText(fewShot)).toBe(fewShot);
    // Without the repeated template line, the same last paragraph is a request after material.
    const pasted = `${NOTES}\n\nWhich tool would a student use to measure the mass of a rock?`;
    expect(requestText(pasted)).toBe(
      'Which tool would a student use to measure the mass of a rock?',
    );

    const stem = `${'In a long clinical vignette about a patient with chest pain and a raised troponin, '.repeat(3)}the next step is:`;
    const choices =
      'A. an exercise stress test\nB. coronary angiography\nC. discharge home\nD. a chest radiograph';
    const question = `${stem}\n${choices}`;
    expect(question.length).toBeGreaterThan(REQUEST_MIN_CHARS);
    expect(requestText(question)).toBe(question);
  });

  it('is idempotent', () => {
    for (const text of [
      `${NOTES}\n\nSummarize the notes above in three bullet points.`,
      `${NOTES}\n\nFix this.`,
      `Extract the names:\n${NOTES}`,
      NOTES,
      CODE,
    ]) {
      expect(requestText(requestText(text))).toBe(requestText(text));
    }
  });
});
