// Worker for nab.ts: scores NAB data files with a fresh detector each, strictly in record order.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createDetector, type DetectorName, type DetectorConfig } from '../../src/anomaly/index.ts';

const { dataDir, outDir, detector, config } = workerData as { dataDir: string; outDir: string; detector: DetectorName; config: DetectorConfig };

export function parseTimestamp(s: string): number {
  return Date.parse(s.trim().replace(' ', 'T') + 'Z');
}

parentPort!.on('message', (rel: string | null) => {
  if (rel === null) { process.exit(0); }
  const t0 = performance.now();
  const lines = readFileSync(join(dataDir, rel), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const det = createDetector(detector, config);
  const out = ['timestamp,value,anomaly_score'];
  for (let i = 1; i < lines.length; i++) {
    const [ts, v] = lines[i]!.split(',');
    const score = det.update(parseTimestamp(ts!), Number(v));
    out.push(`${ts},${v},${score}`);
  }
  const dst = join(outDir, rel);
  mkdirSync(dirname(dst), { recursive: true });
  writeFileSync(dst, out.join('\n') + '\n');
  parentPort!.postMessage({ rel, records: lines.length - 1, ms: performance.now() - t0 });
});
