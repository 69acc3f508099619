import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFrontierSvg, renderPgrSvg, renderReport } from './report.js';
import type { SuiteResult } from './types.js';

/** Write results.json, report.md, frontier.svg and (two-model) pgr.svg into `dir`; returns the paths. */
export function writeSuiteOutputs(result: SuiteResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['results.json', `${JSON.stringify(result, null, 2)}\n`],
    ['report.md', renderReport(result)],
    ['frontier.svg', renderFrontierSvg(result)],
  ];
  if (result.strongModel !== undefined) files.push(['pgr.svg', renderPgrSvg(result)]);
  return files.map(([name, content]) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  });
}
