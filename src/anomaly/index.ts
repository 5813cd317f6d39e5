/**
 * Cairn streaming anomaly detection (library; imports nothing from the rest of Cairn).
 * See docs/anomaly.md for the design, citations and NAB results.
 */
export { type Detector, type Point, clamp01 } from './types.ts';
export { mulberry32, Ring, erfc, normalTail, median } from './stats.ts';
export { RobustBaselineDetector, type RobustOptions } from './robust.ts';
export { RandomCutTree, RcfDetector, type RcfOptions } from './rcf.ts';
export { AnomalyLikelihood, LikelihoodDetector, type LikelihoodOptions } from './likelihood.ts';
export { ContextNoveltyDetector, type ContextOptions } from './context.ts';
export { CadDetector, type CadOptions } from './cad.ts';
export { EnsembleDetector, type EnsembleOptions } from './ensemble.ts';
export { createDetector, DETECTORS, type DetectorName, type DetectorConfig } from './factory.ts';
