/**
 * Screenshot of a running dashboard (docs/dashboard.png):
 *   npx tsx test/support/dashboard-screenshot.ts --url http://127.0.0.1:8080 --key arb_... \
 *     --out docs/dashboard.png
 * Debian's chromium through playwright-core, as the browser test drives it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    key: { type: 'string' },
    out: { type: 'string', default: 'docs/dashboard.png' },
    window: { type: 'string', default: '24h' },
    /** Page height captured, px (the charts, the model table and the first decisions). */
    height: { type: 'string', default: '1700' },
  },
});
if (values.key === undefined) throw new Error('--key is required');
const profile = mkdtempSync(join(tmpdir(), 'arbiter-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: Number(values.height) },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
});
try {
  const page = await context.newPage();
  await page.goto(`${values.url}/dashboard`);
  await page.fill('#key', values.key);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  await page.selectOption('#window', values.window);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  await page.screenshot({ path: values.out });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
