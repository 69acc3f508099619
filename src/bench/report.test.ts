import { describe, expect, it } from 'vitest';
import { renderFrontierSvg } from './report.js';
import type { SuiteResult } from './types.js';

const estimate = (value: number) => ({ estimate: value, low: value, high: value });

describe('frontier plot', () => {
  it('lists each series once in its legend, each in its own colour', () => {
    const models = Array.from({ length: 11 }, (_, i) => `vendor/model-${i}`);
    const result = {
      suite: 'routerbench',
      qualityScale: 'quality in [0, 1]',
      routers: ['router-knn', 'router-logistic', 'router-mf', 'oracle'].map((name, i) => ({
        name,
        sweep: [
          { costUsd: 0.001 * (i + 1), quality: 0.5 + i / 10 },
          { costUsd: 0.002 * (i + 1), quality: 0.55 + i / 10 },
        ],
      })),
      baselines: [
        'oracle',
        'random',
        'cheapest',
        'best-single',
        ...models.map((m) => `single:${m}`),
      ].map((name, i) => ({
        name,
        costUsd: estimate(0.001 + i / 1000),
        quality: estimate(0.4 + i / 50),
      })),
    } as unknown as SuiteResult;
    const svg = renderFrontierSvg(result);
    const legend = [...svg.matchAll(/<text x="[^"]+" y="[^"]+">([^<]+)<\/text>/gu)].map(
      (m) => m[1],
    );
    const names = legend.filter((name) => name !== undefined && !/^\$|^[0-9.]+$/u.test(name));
    expect(names.filter((name) => name === 'oracle')).toHaveLength(1);
    const entries = 4 + 2 + models.length + 1; // routers, random + cheapest, models, hull
    const colours = [...svg.matchAll(/(?:fill|stroke)="(#[0-9a-f]{6})"/gu)];
    expect(new Set(colours.map((m) => m[1])).size).toBeGreaterThanOrEqual(entries);
  });
});
