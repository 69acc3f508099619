/**
 * A minimal Prometheus text-format registry (counters and histograms with labels). Enough for
 * Arbiter's few metrics without a dependency; exposition format per
 * https://prometheus.io/docs/instrumenting/exposition_formats/.
 */

type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map(
      (name) =>
        `${name}="${(labels[name] ?? '').replace(/\\/gu, '\\\\').replace(/"/gu, '\\"').replace(/\n/gu, '\\n')}"`,
    )
    .join(',');
}

/** A monotonically increasing counter. */
export class Counter {
  private readonly values = new Map<string, number>();
  readonly name: string;
  readonly help: string;

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values)
      lines.push(`${this.name}${key ? `{${key}}` : ''} ${value}`);
    return lines.join('\n');
  }
}

/** A cumulative histogram with fixed buckets. */
export class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i] = (entry.counts[i] ?? 0) + 1;
    });
    entry.sum += value;
    entry.count += 1;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, entry] of this.series) {
      const prefix = key ? `${key},` : '';
      this.buckets.forEach((bound, i) => {
        lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${entry.counts[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${entry.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ''} ${entry.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ''} ${entry.count}`);
    }
    return lines.join('\n');
  }
}

function startAtZero(counter: Counter): Counter {
  counter.inc({}, 0);
  return counter;
}

/** Arbiter's service metrics. */
export class ServiceMetrics {
  readonly decisions = new Counter(
    'arbiter_decisions_total',
    'Routing decisions made, by chosen model',
  );
  readonly explored = new Counter('arbiter_explored_total', 'Decisions that explored');
  readonly routeErrors = new Counter(
    'arbiter_route_errors_total',
    'Failed routing requests, by code',
  );
  /** Shown at 0 from the start, so an alert on its rate sees the series before an outage. */
  readonly unrecordedDecisions = startAtZero(
    new Counter(
      'arbiter_decisions_unrecorded_total',
      'Decisions answered while the database was unavailable, not recorded (no decision id, no feedback)',
    ),
  );
  readonly feedback = new Counter('arbiter_feedback_total', 'Feedback received, by status');
  readonly overhead = new Histogram(
    'arbiter_route_overhead_ms',
    'Time spent deciding a route, ms',
    [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
  );
  readonly httpDuration = new Histogram(
    'arbiter_http_request_duration_ms',
    'HTTP request duration, ms, by route and status class',
    [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
  );

  render(): string {
    return `${[
      this.decisions,
      this.unrecordedDecisions,
      this.explored,
      this.routeErrors,
      this.feedback,
      this.overhead,
      this.httpDuration,
    ]
      .map((metric) => metric.render())
      .join('\n')}\n`;
  }
}
