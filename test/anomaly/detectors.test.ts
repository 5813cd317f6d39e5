import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createDetector, DETECTORS, RcfDetector, RobustBaselineDetector, ContextNoveltyDetector, CadDetector, AnomalyLikelihood,
  mulberry32, type Detector, type DetectorName,
} from '../../src/anomaly/index.ts';

const MIN = 60_000;
// Small parameters so each test runs in well under a second; defaults are exercised by bench:nab.
const SMALL = { rcf: { trees: 10, windowSize: 64, shingleSize: 4 }, likelihood: { learningPeriod: 100, estimationSamples: 100, historicWindow: 500 } };

/** Seasonal series with noise; `inject(i, x)` may alter values. */
function series(n: number, seed: number, inject: (i: number, x: number) => number = (_i, x) => x): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => inject(i, 10 + 3 * Math.sin((2 * Math.PI * i) / 48) + (r() - 0.5)));
}

function run(det: Detector, xs: number[]): number[] {
  return xs.map((x, i) => det.update(i * 5 * MIN, x));
}

const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);

test('every detector returns finite scores in [0,1]', () => {
  const xs = series(1500, 7, (i, x) => (i === 1000 ? 1e6 : i >= 1200 && i < 1210 ? 10 : x));
  for (const name of DETECTORS) {
    const scores = run(createDetector(name as DetectorName, SMALL), xs);
    for (const s of scores) assert.ok(Number.isFinite(s) && s >= 0 && s <= 1, `${name}: ${s}`);
  }
});

test('state size is bounded: it does not grow with stream length', () => {
  for (const name of DETECTORS) {
    const det = createDetector(name as DetectorName, SMALL);
    const xs = series(6000, 3);
    run(det, xs.slice(0, 3000));
    const mid = det.stateSize();
    xs.slice(3000).forEach((x, i) => det.update((3000 + i) * 5 * MIN, x));
    const end = det.stateSize();
    assert.ok(end <= mid * 1.05 + 64, `${name}: state grew from ${mid} to ${end}`);
  }
});

test('a spike is detected: its score stands far above the scores of ordinary points', () => {
  const at = 1200;
  const xs = series(1400, 11, (i, x) => (i === at ? x + 25 : x));
  for (const det of [new RobustBaselineDetector(), new RcfDetector({ trees: 20, windowSize: 128, shingleSize: 4, seed: 5 }), createDetector('ensemble', SMALL)]) {
    const s = run(det, xs);
    const before = max(s.slice(800, at));
    const spike = max(s.slice(at, at + 4));
    assert.ok(spike > before, `${det.name}: spike ${spike} vs ordinary max ${before}`);
    assert.ok(spike >= 0.5, `${det.name}: spike score ${spike}`);
  }
});

test('a level shift is detected by the ensemble soon after it starts', () => {
  const at = 1500;
  const xs = series(1800, 13, (i, x) => (i >= at ? x + 12 : x));
  const s = run(createDetector('ensemble', SMALL), xs);
  const before = max(s.slice(1000, at));
  const after = max(s.slice(at, at + 20));
  assert.ok(after >= 0.5 && after > before, `shift ${after} vs before ${before}`);
});

test('context novelty: a broken pattern scores high, the repeated pattern low', () => {
  const det = new ContextNoveltyDetector({ levels: 8, order: 2 });
  const pattern = [0, 1, 2, 3, 4, 5, 6, 7];
  const scores: number[] = [];
  for (let i = 0; i < 800; i++) scores.push(det.update(i, pattern[i % 8]!));
  assert.ok(max(scores.slice(400)) < 0.05);
  assert.ok(det.update(800, 7) > 0.9); // after 6,7 comes 0, never 7
});

test('CAD contexts: a repeated pattern becomes fully known, a broken one is novel', () => {
  const det = new CadDetector({ levels: 8, depth: 3, timeContext: false });
  const pattern = [0, 1, 2, 3, 4, 5, 6, 7];
  const scores: number[] = [];
  for (let i = 0; i < 400; i++) scores.push(det.update(i * MIN, pattern[i % 8]!));
  assert.equal(max(scores.slice(24)), 0); // the first cycles differ: the running range was still growing
  // After 5, 6, 7 comes 0: the contexts (6,7)→7 and (5,6,7)→7 are new; 7→7 occurred while the range grew.
  assert.ok(det.update(400 * MIN, 7) > 0.6);
  // Bounded memory: the least recently seen contexts are forgotten, so an old context is novel again.
  const small = new CadDetector({ levels: 4, depth: 1, capacity: 4, timeContext: false });
  for (const x of [0, 1, 0, 1, 0, 1]) small.update(0, x);
  assert.equal(small.update(0, 0), 0); // 1 → 0 known
  for (const x of [3, 2, 3, 2, 3, 2, 3, 2]) small.update(0, x);
  assert.ok(small.update(0, 1) > 0); // 2 → 1 never seen
  assert.equal(small.stateSize(), 4 + 1 + 2);
});

test('CAD time context: a usual value at an unusual hour is novel', () => {
  const det = new CadDetector({ levels: 4, depth: 1, timeContext: true });
  const HOUR = 60 * MIN;
  // Daily on/off pattern: 3 during hours 9–16, 0 otherwise, sampled hourly for 3 weeks.
  let last = 0;
  for (let h = 0; h < 24 * 21; h++) last = det.update(h * HOUR, h % 24 >= 9 && h % 24 < 17 ? 3 : 0);
  assert.equal(last, 0);
  const t = 24 * 21 * HOUR + 3 * HOUR; // 03:00, usually 0
  const novel = det.update(t, 3);
  assert.ok(novel >= 0.4, `value 3 at 03:00 scored ${novel}`);
});

test('anomaly likelihood is ~0 on stationary raw scores and high on a sustained rise', () => {
  const r = mulberry32(1);
  const l = new AnomalyLikelihood({ learningPeriod: 50, estimationSamples: 50, historicWindow: 1000 });
  const base: number[] = [];
  for (let i = 0; i < 1000; i++) base.push(l.update(0.1 + 0.05 * r()));
  assert.ok(max(base.slice(200)) < 0.5, `stationary max ${max(base.slice(200))}`);
  let high = 0;
  for (let i = 0; i < 10; i++) high = Math.max(high, l.update(0.9));
  assert.ok(high > 0.9, `rise ${high}`);
});

test('deterministic given a seed; a different seed changes RCF scores', () => {
  const xs = series(800, 17);
  const a = run(new RcfDetector({ trees: 10, windowSize: 64, seed: 42 }), xs);
  const b = run(new RcfDetector({ trees: 10, windowSize: 64, seed: 42 }), xs);
  const c = run(new RcfDetector({ trees: 10, windowSize: 64, seed: 43 }), xs);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const name of DETECTORS) {
    assert.deepEqual(run(createDetector(name as DetectorName, { ...SMALL, seed: 9 }), xs), run(createDetector(name as DetectorName, { ...SMALL, seed: 9 }), xs), name);
  }
});

test('RCF accepts multivariate points and flags a point off the joint pattern', () => {
  const r = mulberry32(2);
  const det = new RcfDetector({ trees: 20, windowSize: 128, shingleSize: 1, seed: 3 });
  const ordinary: number[] = [];
  for (let i = 0; i < 600; i++) {
    const t = r();
    ordinary.push(det.update(i, [t, t + 0.01 * r()])); // points on a line
  }
  const off = det.update(600, [0.5, 0.0]); // within each marginal range, off the joint pattern
  assert.ok(off > max(ordinary.slice(300)) * 0.9 && off > 0.5, `off ${off} vs ${max(ordinary.slice(300))}`);
  assert.throws(() => det.update(601, [1, 2, 3]), /dimensions/);
});
