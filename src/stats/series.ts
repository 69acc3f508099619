/**
 * The overview's per-bucket columns: one value per bucket of the window for every model (and, when
 * asked, every tenant), plus the scope's totals. Pure.
 */
import type { StatsOverviewBody } from './schema.js';
import type { OverviewInput } from './overview.js';

/** Columns aligned with `input.window.buckets` for the given models and tenants. */
export function buildSeries(
  input: OverviewInput,
  models: readonly string[],
  tenants: readonly string[],
): StatsOverviewBody['series'] {
  const { buckets } = input.window;
  const index = new Map(buckets.map((start, i) => [start, i]));
  const column = (): number[] => buckets.map(() => 0);
  const nullColumn = (): (number | null)[] => buckets.map(() => null);
  const total = {
    decisions: column(),
    explored: column(),
    estimated_cost_usd: column(),
    counterfactual_cost_usd: column(),
    reported_cost_usd: column(),
    outcomes: column(),
    errors: column(),
    quality_sum: column(),
    quality_count: column(),
  };
  const perModel = new Map(
    models.map((model) => [
      model,
      {
        model,
        decisions: column(),
        traffic_share: nullColumn(),
        explored: column(),
        outcomes: column(),
        quality_mean: nullColumn(),
        errors: column(),
        error_rate: nullColumn(),
        latency_p50_ms: nullColumn(),
        latency_p95_ms: nullColumn(),
        estimated_cost_usd: column(),
        reported_cost_usd: column(),
        counterfactual_cost_usd: column(),
      },
    ]),
  );
  const perTenant = new Map(
    tenants.map((tenant) => [
      tenant,
      { tenant, decisions: column(), estimated_cost_usd: column(), reported_cost_usd: column() },
    ]),
  );
  for (const row of input.decisions) {
    const i = row.bucketMs === null ? undefined : index.get(row.bucketMs);
    if (i === undefined) continue;
    if (row.grouping === 'bucket_model' && row.model !== null) {
      const series = perModel.get(row.model);
      if (series === undefined) continue;
      series.decisions[i] = row.decisions;
      series.explored[i] = row.explored;
      series.estimated_cost_usd[i] = row.estimatedCostUsd;
      series.counterfactual_cost_usd[i] = row.counterfactualCostUsd;
      total.decisions[i] = (total.decisions[i] ?? 0) + row.decisions;
      total.explored[i] = (total.explored[i] ?? 0) + row.explored;
      total.estimated_cost_usd[i] = (total.estimated_cost_usd[i] ?? 0) + row.estimatedCostUsd;
      total.counterfactual_cost_usd[i] =
        (total.counterfactual_cost_usd[i] ?? 0) + row.counterfactualCostUsd;
    } else if (row.grouping === 'bucket_tenant' && row.tenant !== null) {
      const series = perTenant.get(row.tenant);
      if (series === undefined) continue;
      series.decisions[i] = row.decisions;
      series.estimated_cost_usd[i] = row.estimatedCostUsd;
    }
  }
  for (const row of input.outcomes) {
    const i = row.bucketMs === null ? undefined : index.get(row.bucketMs);
    if (i === undefined) continue;
    if (row.grouping === 'bucket_model' && row.model !== null) {
      const series = perModel.get(row.model);
      if (series === undefined) continue;
      series.outcomes[i] = row.outcomes;
      series.quality_mean[i] = row.qualityCount > 0 ? row.qualitySum / row.qualityCount : null;
      series.errors[i] = row.errors;
      series.error_rate[i] = row.outcomes > 0 ? row.errors / row.outcomes : null;
      series.latency_p50_ms[i] = row.latencyP50Ms;
      series.latency_p95_ms[i] = row.latencyP95Ms;
      series.reported_cost_usd[i] = row.reportedCostUsd;
      total.outcomes[i] = (total.outcomes[i] ?? 0) + row.outcomes;
      total.errors[i] = (total.errors[i] ?? 0) + row.errors;
      total.quality_sum[i] = (total.quality_sum[i] ?? 0) + row.qualitySum;
      total.quality_count[i] = (total.quality_count[i] ?? 0) + row.qualityCount;
      total.reported_cost_usd[i] = (total.reported_cost_usd[i] ?? 0) + row.reportedCostUsd;
    } else if (row.grouping === 'bucket_tenant' && row.tenant !== null) {
      const series = perTenant.get(row.tenant);
      if (series !== undefined) series.reported_cost_usd[i] = row.reportedCostUsd;
    }
  }
  for (const series of perModel.values()) {
    // A bucket without decisions has no share (null), not a share of 0.
    series.traffic_share = series.decisions.map((n, i) =>
      (total.decisions[i] ?? 0) > 0 ? n / (total.decisions[i] ?? 1) : null,
    );
  }
  const rate = (part: number[], whole: number[]): (number | null)[] =>
    part.map((value, i) => ((whole[i] ?? 0) > 0 ? value / (whole[i] ?? 1) : null));
  return {
    buckets: [...input.window.buckets],
    total: {
      decisions: total.decisions,
      exploration_rate: rate(total.explored, total.decisions),
      quality_mean: rate(total.quality_sum, total.quality_count),
      error_rate: rate(total.errors, total.outcomes),
      estimated_cost_usd: total.estimated_cost_usd,
      counterfactual_cost_usd: total.counterfactual_cost_usd,
      savings_usd: total.counterfactual_cost_usd.map(
        (value, i) => value - (total.estimated_cost_usd[i] ?? 0),
      ),
      reported_cost_usd: total.reported_cost_usd,
    },
    by_model: [...perModel.values()],
    by_tenant: [...perTenant.values()],
  };
}
