// Runs a Cairn detector over the whole NAB corpus, scores it with NAB's independent scorer
// (../shared/nab/score.mjs) and prints the result beside the published scoreboard.
//
// usage: node --import tsx bench/anomaly/nab.ts [--detector ensemble] [--config '{"rcf":{...}}']
//          [--nab-dir ../shared/nab] [--out DIR] [--jobs N] [--json FILE]
// Rules (NAB): one parameter set for all files, records scored from the past only, labels never read
// by the detector (only the scorer reads them), the first 15% of each file only for learning (the
// scorer ignores detections there).
import { Worker } from 'node:worker_threads';
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DETECTORS, type DetectorName } from '../../src/anomaly/index.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

const nabDir = resolve(arg('--nab-dir', process.env.NAB_DIR ?? '../shared/nab'));
const detector = arg('--detector', 'ensemble') as DetectorName;
if (!DETECTORS.includes(detector)) throw new Error(`--detector must be one of ${DETECTORS.join(', ')}`);
const config = JSON.parse(arg('--config', '{}'));
const outDir = resolve(arg('--out', join(tmpdir(), 'nab-results', `cairn-${detector}`)));
const jobs = Number(arg('--jobs', String(Math.max(1, availableParallelism()))));
const jsonOut = arg('--json', join(outDir, '..', `cairn-${detector}.json`));

// The corpus file list is the label file's keys (as in run-detector.sh); only the names are used here.
const files = Object.keys(JSON.parse(readFileSync(join(nabDir, 'labels', 'combined_windows.json'), 'utf8'))).sort();
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const t0 = performance.now();
let records = 0;
let detectMs = 0;
await new Promise<void>((done, fail) => {
  const queue = [...files];
  let live = Math.min(jobs, queue.length);
  for (let w = 0; w < Math.min(jobs, files.length); w++) {
    // Workers don't inherit tsx's loader on Node 20: register it inside the worker, then load the script.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); ` +
      `return import(${JSON.stringify(new URL('./nab-worker.ts', import.meta.url).href)}); });`;
    const worker = new Worker(boot, {
      eval: true,
      workerData: { dataDir: join(nabDir, 'data'), outDir, detector, config },
    });
    worker.on('error', fail);
    worker.on('message', (m: { rel: string; records: number; ms: number }) => {
      records += m.records;
      detectMs += m.ms;
      next();
    });
    const next = () => {
      const rel = queue.shift();
      if (rel === undefined) {
        worker.postMessage(null);
        if (--live === 0) done();
      } else worker.postMessage(rel);
    };
    next();
  }
});
const wall = (performance.now() - t0) / 1000;
console.log(`detector ${detector} ${JSON.stringify(config)}: ${files.length} files, ${records} records, ` +
  `${wall.toFixed(1)}s wall (jobs=${jobs}), ${Math.round(records / (detectMs / 1000))} points/s per core`);

const r = spawnSync(process.execPath, [join(nabDir, 'score.mjs'), outDir, '--nab-dir', nabDir, '--name', `cairn-${detector}`, '--json', jsonOut], { encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(r.stdout + r.stderr);
  process.exit(1);
}
if (process.argv.includes('--verbose')) process.stdout.write(r.stdout);
const result = JSON.parse(readFileSync(jsonOut, 'utf8'));
const ours = pickScores(result);

const board = JSON.parse(readFileSync(join(nabDir, 'published-scoreboard.json'), 'utf8')).readme_scoreboard.rows as
  { detector: string; standard: string; reward_low_FP_rate: string; reward_low_FN_rate: string }[];
const rows: [string, string, string, string][] = board.map((b) => [b.detector, b.standard, b.reward_low_FP_rate, b.reward_low_FN_rate]);
const mine: [string, string, string, string] = [`>> Cairn ${detector} (this run)`, ours.standard.toFixed(1), ours.reward_low_FP_rate.toFixed(1), ours.reward_low_FN_rate.toFixed(1)];
const firstBelow = rows.findIndex((row) => row[0] !== 'Perfect' && parseFloat(row[1]) < ours.standard);
rows.splice(firstBelow < 0 ? rows.length : firstBelow, 0, mine);
const w0 = Math.max(...rows.map((row) => row[0].length));
console.log(`\n${'detector'.padEnd(w0)}  ${'Standard'.padStart(10)}  ${'Low FP'.padStart(10)}  ${'Low FN'.padStart(10)}`);
for (const row of rows) console.log(`${row[0].padEnd(w0)}  ${row[1].padStart(10)}  ${row[2].padStart(10)}  ${row[3].padStart(10)}`);
console.log(`\nresults: ${outDir}\nscorer JSON: ${jsonOut}`);

function pickScores(j: any): { standard: number; reward_low_FP_rate: number; reward_low_FN_rate: number } {
  // score.mjs --json layout: find the three profile scores wherever they sit.
  const find = (key: string): number => {
    const stack = [j];
    while (stack.length) {
      const o = stack.pop();
      if (o && typeof o === 'object') {
        if (typeof o[key] === 'number') return o[key];
        if (o[key] && typeof o[key].score === 'number') return o[key].score;
        stack.push(...Object.values(o));
      }
    }
    throw new Error(`no ${key} in scorer output`);
  };
  return { standard: find('standard'), reward_low_FP_rate: find('reward_low_FP_rate'), reward_low_FN_rate: find('reward_low_FN_rate') };
}
