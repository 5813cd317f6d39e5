// `npm run bench`: Cairn's benchmarks, each figure beside a baseline measured in the same run.
//   node bench/run.mjs [--only throughput|coldstart|density] [--no-build] [--quick]
// Sections run one after another (never two loads at once). Tables go to stdout, progress to
// stderr, and everything measured to results/bench-<timestamp>.json. Every child process the
// bench starts is stopped on exit, error or Ctrl-C.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as L from './lib.mjs';
import { runThroughput, printThroughput } from './throughput.mjs';
import { runColdStart, printColdStart } from './coldstart.mjs';
import { runDensity, printDensity } from './density.mjs';

const SECTIONS = ['throughput', 'coldstart', 'density'];
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false }, // shorter runs, for trying the bench itself
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: node bench/run.mjs [--only throughput|coldstart|density] [--no-build] [--quick]\n');
  process.exit(0);
}
const only = values.only ? values.only.split(',') : SECTIONS;
for (const s of only) {
  if (!SECTIONS.includes(s)) {
    process.stderr.write(`bench: unknown section "${s}" (expected one of ${SECTIONS.join(', ')})\n`);
    process.exit(2);
  }
}

const quick = values.quick;

/** Which code was measured: the commit, and how many paths differ from it (the tree is shared). */
function gitState() {
  const git = (...a) => { try { return execFileSync('git', a, { cwd: L.ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; } };
  const status = git('status', '--porcelain');
  return { commit: git('rev-parse', 'HEAD'), changedPaths: status === null ? null : status.split('\n').filter(Boolean).length };
}
const started = new Date();
const result = {
  startedAt: started.toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memGb: totalmem() / 2 ** 30,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavgAtStart: loadavg(),
  },
  quick,
  tree: gitState(),
  sections: {},
};

async function main() {
  if (!values['no-build']) {
    L.log('bench: building (node scripts/build.mjs) ...');
    await L.cairnBuild();
  }
  const print = (s) => process.stdout.write('\n' + s);
  for (const s of only) {
    L.log(`bench: ${s}`);
    const quiet = s === 'throughput' ? null : await L.waitForQuiet();
    if (quiet && !quiet.quiet) L.log(`bench: the machine is busy (${L.fmt(quiet.otherCores)} cores used by others); measuring anyway`);
    const t0 = performance.now();
    if (s === 'throughput') {
      const r = await runThroughput(quick ? { durationS: 3, warmupS: 1 } : {});
      result.sections.throughput = r;
      print(printThroughput(r));
    } else if (s === 'coldstart') {
      const r = await runColdStart(quick ? { iterations: 50, deploys: 10, restarts: 3 } : {});
      result.sections.coldstart = r;
      print(printColdStart(r));
    } else if (s === 'density') {
      const r = await runDensity(quick ? { n: 100 } : {});
      result.sections.density = r;
      print(printDensity(r));
    }
    result.sections[s].seconds = (performance.now() - t0) / 1000;
    if (quiet) result.sections[s].quietBefore = quiet;
    L.log(`bench: ${s} took ${L.fmt(result.sections[s].seconds, 1)} s`);
  }
}

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  result.error = String(err?.stack ?? err);
  process.stderr.write(`bench: ${err?.stack ?? err}\n`);
} finally {
  result.machine.loadavgAtEnd = loadavg();
  result.seconds = (Date.now() - started.getTime()) / 1000;
  const dir = join(L.ROOT, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`\nmachine: ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}, load average ${result.machine.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')} at start\n`);
  process.stdout.write(`code: ${result.tree.commit?.slice(0, 12) ?? '?'}${result.tree.changedPaths ? ` + ${result.tree.changedPaths} uncommitted paths` : ''}\n`);
  process.stdout.write(`results: ${file} (${L.fmt(result.seconds, 0)} s)\n`);
  L.cleanupSync();
}
process.exit(failed ? 1 : 0);
