/** Named detector presets: one parameter set each, used for every stream (no per-series tuning). */
import type { Detector } from './types.ts';
import { RobustBaselineDetector, type RobustOptions } from './robust.ts';
import { RcfDetector, type RcfOptions } from './rcf.ts';
import { LikelihoodDetector, type LikelihoodOptions } from './likelihood.ts';
import { ContextNoveltyDetector, type ContextOptions } from './context.ts';
import { CadDetector, type CadOptions } from './cad.ts';
import { EnsembleDetector, type EnsembleOptions } from './ensemble.ts';

export const DETECTORS = ['robust', 'robust-seasonal', 'rcf', 'context', 'robust+likelihood', 'rcf+likelihood', 'context+likelihood', 'ensemble', 'cad', 'cad+likelihood', 'ensemble-v1'] as const;
export type DetectorName = (typeof DETECTORS)[number];

export interface DetectorConfig {
  seed?: number;
  robust?: RobustOptions;
  seasonal?: RobustOptions;
  rcf?: RcfOptions;
  context?: ContextOptions;
  cad?: CadOptions;
  likelihood?: LikelihoodOptions;
  ensemble?: EnsembleOptions;
  /** Members of the ensemble (default: cad, robust-seasonal, robust; `ensemble-v1`: context, robust-seasonal, robust; chosen on NAB, see docs/anomaly.md). */
  members?: ('robust' | 'robust-seasonal' | 'rcf' | 'context' | 'cad')[];
}

export function createDetector(name: DetectorName, cfg: DetectorConfig = {}): Detector {
  const seed = cfg.seed ?? 1;
  const robust = () => new RobustBaselineDetector(cfg.robust);
  const seasonal = () => new RobustBaselineDetector({ buckets: 24, ...cfg.seasonal });
  const rcf = () => new RcfDetector({ seed, ...cfg.rcf });
  const context = () => new ContextNoveltyDetector(cfg.context);
  const cad = () => new CadDetector(cfg.cad);
  const member = { robust, 'robust-seasonal': seasonal, rcf, context, cad };
  switch (name) {
    case 'robust': return robust();
    case 'robust-seasonal': return seasonal();
    case 'rcf': return rcf();
    case 'robust+likelihood': return new LikelihoodDetector(robust(), cfg.likelihood);
    case 'context': return context();
    case 'rcf+likelihood': return new LikelihoodDetector(rcf(), cfg.likelihood);
    case 'context+likelihood': return new LikelihoodDetector(context(), cfg.likelihood);
    case 'cad': return cad();
    case 'cad+likelihood': return new LikelihoodDetector(cad(), cfg.likelihood);
    case 'ensemble':
      // NAB Standard 69.7 (docs/anomaly.md): CAD-style context novelty, time-of-day contexts, tighter spatial rule.
      return new EnsembleDetector((cfg.members ?? ['cad', 'robust-seasonal', 'robust']).map((m) => member[m]()),
        { likelihood: cfg.likelihood, suppress: 100, spatialTolerance: 0.02, ...cfg.ensemble });
    case 'ensemble-v1':
      // The previous default (NAB Standard 61.8), kept for comparison and for callers that pinned it.
      return new EnsembleDetector((cfg.members ?? ['context', 'robust-seasonal', 'robust']).map((m) => member[m]()),
        { likelihood: cfg.likelihood, suppress: 100, ...cfg.ensemble });
    default: throw new Error(`unknown detector: ${String(name)}`);
  }
}
