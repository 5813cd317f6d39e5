/** Named detector presets: one parameter set each, used for every stream (no per-series tuning). */
import type { Detector } from './types.ts';
import { RobustBaselineDetector, type RobustOptions } from './robust.ts';
import { RcfDetector, type RcfOptions } from './rcf.ts';
import { LikelihoodDetector, type LikelihoodOptions } from './likelihood.ts';
import { ContextNoveltyDetector, type ContextOptions } from './context.ts';
import { EnsembleDetector, type EnsembleOptions } from './ensemble.ts';

export const DETECTORS = ['robust', 'robust-seasonal', 'rcf', 'context', 'robust+likelihood', 'rcf+likelihood', 'context+likelihood', 'ensemble'] as const;
export type DetectorName = (typeof DETECTORS)[number];

export interface DetectorConfig {
  seed?: number;
  robust?: RobustOptions;
  seasonal?: RobustOptions;
  rcf?: RcfOptions;
  context?: ContextOptions;
  likelihood?: LikelihoodOptions;
  ensemble?: EnsembleOptions;
  /** Members of the ensemble (default: context, robust-seasonal, robust; chosen on NAB, see docs/anomaly.md). */
  members?: ('robust' | 'robust-seasonal' | 'rcf' | 'context')[];
}

export function createDetector(name: DetectorName, cfg: DetectorConfig = {}): Detector {
  const seed = cfg.seed ?? 1;
  const robust = () => new RobustBaselineDetector(cfg.robust);
  const seasonal = () => new RobustBaselineDetector({ buckets: 24, ...cfg.seasonal });
  const rcf = () => new RcfDetector({ seed, ...cfg.rcf });
  const context = () => new ContextNoveltyDetector(cfg.context);
  const member = { robust, 'robust-seasonal': seasonal, rcf, context };
  switch (name) {
    case 'robust': return robust();
    case 'robust-seasonal': return seasonal();
    case 'rcf': return rcf();
    case 'robust+likelihood': return new LikelihoodDetector(robust(), cfg.likelihood);
    case 'context': return context();
    case 'rcf+likelihood': return new LikelihoodDetector(rcf(), cfg.likelihood);
    case 'context+likelihood': return new LikelihoodDetector(context(), cfg.likelihood);
    case 'ensemble':
      return new EnsembleDetector((cfg.members ?? ['context', 'robust-seasonal', 'robust']).map((m) => member[m]()),
        { likelihood: cfg.likelihood, suppress: 100, ...cfg.ensemble });
    default: throw new Error(`unknown detector: ${String(name)}`);
  }
}
