// Points/s per core for each detector (single thread, default parameters, synthetic seasonal series
// with noise and occasional spikes). usage: node --import tsx bench/anomaly/throughput.ts [points]
import { createDetector, DETECTORS, mulberry32 } from '../../src/anomaly/index.ts';

const n = Number(process.argv[2] ?? 50_000);
const r = mulberry32(1);
const xs = Array.from({ length: n }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 5 * r() + (r() < 0.001 ? 80 : 0));
console.log(`${'detector'.padEnd(22)} ${'points/s/core'.padStart(14)} ${'state size'.padStart(11)}`);
for (const name of DETECTORS) {
  const det = createDetector(name);
  const warm = Math.min(2000, n);
  for (let i = 0; i < warm; i++) det.update(i * 300_000, xs[i]!);
  const t0 = performance.now();
  for (let i = warm; i < n; i++) det.update(i * 300_000, xs[i]!);
  const s = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(22)} ${Math.round((n - warm) / s).toString().padStart(14)} ${String(det.stateSize()).padStart(11)}`);
}
