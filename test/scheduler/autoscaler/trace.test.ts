// The synthetic trace of bench/autoscale has the published shape of the Azure Functions 2019 trace.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachInvocation, generateApps, measureTrace, rateAtQuantile, TRACE_DEFAULTS, type AppSpec } from '../../../bench/autoscale/trace.ts';

const MIN = 60_000, DAY = 86_400_000;

function starts(app: AppSpec, ms: number): number[] {
  const out: number[] = [];
  forEachInvocation(app, ms, {}, (t) => out.push(t));
  return out;
}

function cv(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length) / mean;
}

describe('synthetic Azure-shaped trace', () => {
  it('meets the published shape statistics within tolerances', () => {
    const s = measureTrace({ apps: 200, durationMs: DAY, seed: 42 });
    assert.equal(s.apps, 200);
    assert.ok(Math.abs(s.atMostHourly - 0.45) <= 0.04, `at most once an hour: ${s.atMostHourly}`);
    assert.ok(Math.abs(s.atMostMinutely - 0.81) <= 0.04, `at most once a minute: ${s.atMostMinutely}`);
    assert.ok(s.overOncePerSecond >= 0.015 && s.overOncePerSecond <= 0.045, `more than once a second: ${s.overOncePerSecond}`);
    assert.ok(s.top19Share > 0.995, `top 19% make ${s.top19Share}`);
    assert.ok(s.meanUnder1s >= 0.42 && s.meanUnder1s <= 0.65, `mean execution under 1 s: ${s.meanUnder1s}`);
    assert.ok(s.byKind.timer > 20 && s.byKind['http-poisson'] > 20 && s.byKind['http-bursty'] > 20);
  });

  it('is reproducible from its seed, app by app', () => {
    const a = generateApps({ apps: 50, seed: 7 });
    const b = generateApps({ apps: 50, seed: 7 });
    assert.deepEqual(a, b);
    const app = a.find((x) => x.kind === 'http-bursty')!;
    assert.deepEqual(starts(app, DAY), starts(b[app.index]!, DAY));
    const c = generateApps({ apps: 50, seed: 8 });
    assert.notDeepEqual(a.map((x) => x.ratePerMin), c.map((x) => x.ratePerMin));
  });

  it('fires timers periodically with bounded jitter, and HTTP traffic as Poisson or bursts', () => {
    const apps = generateApps({ apps: 300, seed: 3 });
    const timer = apps.find((x) => x.kind === 'timer' && x.periodMs! <= 30 * MIN)!;
    const ts = starts(timer, DAY);
    for (let i = 1; i < ts.length; i++) {
      const gap = ts[i]! - ts[i - 1]!;
      assert.ok(Math.abs(gap - timer.periodMs!) <= timer.jitterMs! + 1e-6, `gap ${gap} vs period ${timer.periodMs}`);
    }
    const gaps = (app: AppSpec) => { const s = starts(app, DAY); return s.slice(1).map((t, i) => t - s[i]!); };
    const mid = (a: AppSpec) => a.ratePerMin > 1 && a.ratePerMin < 20;
    const poisson = apps.find((x) => x.kind === 'http-poisson' && mid(x))!;
    const bursty = apps.find((x) => x.kind === 'http-bursty' && mid(x))!;
    const cvP = cv(gaps(poisson)), cvB = cv(gaps(bursty));
    assert.ok(Math.abs(cvP - 1) < 0.1, `Poisson inter-arrival CV ${cvP}`);
    assert.ok(cvB > 1.3, `bursty inter-arrival CV ${cvB}`);
    const n = starts(poisson, DAY).length;
    assert.ok(Math.abs(n / (poisson.ratePerMin * 1440) - 1) < 0.1, 'rate as specified');
  });

  it('interpolates the rate quantiles log-linearly through the published points', () => {
    const k = TRACE_DEFAULTS.rateKnots;
    assert.ok(Math.abs(rateAtQuantile(k, 0.45) - 1 / 60) < 1e-12);
    assert.ok(Math.abs(rateAtQuantile(k, 0.81) - 1) < 1e-12);
    assert.ok(Math.abs(rateAtQuantile(k, 0.97) - 60) < 1e-9);
    assert.ok(Math.abs(rateAtQuantile(k, 0.63) - Math.sqrt(1 / 60)) < 1e-12, 'geometric midpoint');
  });
});
