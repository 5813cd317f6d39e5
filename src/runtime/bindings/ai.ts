// The node side of `env.AI.score(series, options)`: runs one of the streaming detectors of
// src/anomaly over a series a function passes in and returns a score in [0,1] per point. Bounded
// per call so one function cannot turn the node's thread into its compute farm.
import { createDetector, DETECTORS, type DetectorName } from '../../anomaly/index.ts';

export const MAX_SERIES_POINTS = 100_000;

export function serveAi(op: string, args: unknown[]): unknown {
  if (op !== 'score') throw new TypeError(`AI has no operation "${op}" (available: score)`);
  const [series, options] = args as [unknown, { detector?: unknown; seed?: unknown } | undefined];
  if (!Array.isArray(series)) throw new TypeError('AI.score(series): series must be an array of numbers or [timestamp, value] pairs');
  if (series.length > MAX_SERIES_POINTS) throw new TypeError(`AI.score(series): at most ${MAX_SERIES_POINTS} points per call`);
  const name = (options?.detector ?? 'ensemble') as DetectorName;
  if (!DETECTORS.includes(name)) throw new TypeError(`AI.score: unknown detector "${String(name)}" (available: ${DETECTORS.join(', ')})`);
  const seed = typeof options?.seed === 'number' ? options.seed : 1;
  const detector = createDetector(name, { seed });
  const scores = new Array<number>(series.length);
  for (let i = 0; i < series.length; i++) {
    const p = series[i] as unknown;
    const [ts, value] = Array.isArray(p) ? [Number(p[0]), Number(p[1])] : [i * 1000, Number(p)];
    if (!Number.isFinite(ts) || !Number.isFinite(value)) throw new TypeError(`AI.score(series): point ${i} is not a finite number or [timestamp, value] pair`);
    scores[i] = detector.update(ts, value);
  }
  return scores;
}
