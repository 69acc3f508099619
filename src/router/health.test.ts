import { describe, expect, it } from 'vitest';
import { HealthTracker, type HealthState } from './health.js';

function tracker() {
  const clock = { t: 0, now: () => clock.t };
  return { clock, health: new HealthTracker({ clock, cooldownMs: 1000, probeIntervalMs: 100 }) };
}

const fail = { model: 'm/a', provider: 'p', ok: false } as const;
const succeed = { model: 'm/a', provider: 'p', ok: true, latencyMs: 100 } as const;

describe('HealthTracker', () => {
  it('opens after consecutive failures, cools down, probes, and closes on a good probe', () => {
    const { clock, health } = tracker();
    for (let i = 0; i < 4; i++) health.record(fail);
    expect(health.admit('m/a', 'p').allowed).toBe(true);
    health.record(fail);
    expect(health.admit('m/a', 'p')).toMatchObject({ allowed: false, scope: 'provider' });
    expect(health.health('m/a').state).toBe('open');
    clock.t = 1000;
    expect(health.admit('m/a', 'p', true)).toEqual({ allowed: true, probe: true });
    expect(health.admit('m/a', 'p').allowed).toBe(false); // one probe per interval
    health.record(succeed);
    expect(health.health('m/a').state).toBe('closed');
    expect(health.admit('m/a', 'p')).toEqual({ allowed: true, probe: false });
  });

  it('doubles the cool-down after a failed probe', () => {
    const { clock, health } = tracker();
    for (let i = 0; i < 5; i++) health.record(fail);
    clock.t = 1000;
    expect(health.admit('m/a', 'p', true).allowed).toBe(true);
    health.record(fail);
    clock.t = 2500;
    expect(health.admit('m/a', 'p').allowed).toBe(false); // 2 s cool-down now
    clock.t = 3000;
    expect(health.admit('m/a', 'p').allowed).toBe(true);
  });

  it('opens on a windowed error rate and honours a reported retry-after', () => {
    const { clock, health } = tracker();
    for (let i = 0; i < 10; i++) health.record(i % 3 === 1 ? succeed : fail); // 7/10 failures, never 3 in a row
    expect(health.health('m/a').state).toBe('open');
    const other = new HealthTracker({ clock, cooldownMs: 1000 });
    other.record({ model: 'm/b', provider: 'q', ok: false, retryAfterMs: 60_000 });
    expect(other.admit('m/b', 'q')).toMatchObject({ allowed: false, retryInMs: 60_000 });
  });

  it('isolates a failing provider from other providers, and models from each other by provider', () => {
    const { health } = tracker();
    for (let i = 0; i < 5; i++) health.record({ model: 'x/1', provider: 'down', ok: false });
    expect(health.admit('x/2', 'down').allowed).toBe(false); // same provider
    expect(health.admit('y/1', 'up').allowed).toBe(true);
  });

  it('reports latency percentiles and survives a state round trip', () => {
    const { clock, health } = tracker();
    for (let i = 1; i <= 100; i++) health.record({ ...succeed, latencyMs: i * 10 });
    expect(health.latencyP95Ms('m/a')).toBe(960);
    expect(health.health('m/a')).toMatchObject({
      latencyP50Ms: 510,
      state: 'closed',
      errorRate: 0,
    });
    for (let i = 0; i < 5; i++) health.record(fail);
    const restored = new HealthTracker(
      { clock, cooldownMs: 1000 },
      JSON.parse(JSON.stringify(health.toState())) as HealthState,
    );
    expect(restored.admit('m/a', 'p').allowed).toBe(false);
    expect(restored.latencyP95Ms('m/a')).toBe(960);
  });
});
