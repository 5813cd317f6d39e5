// Builds the three artifacts the platform runs from: the CLI/node entry, the sandbox worker
// entry (started under Node's permission model, so it must be plain JS on disk), and the
// isolate bootstrap (the web APIs evaluated inside every V8 isolate).
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', legalComments: 'none' };

const builds = [
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', platform: 'node', format: 'esm', target: 'node20', packages: 'external' },
  { ...common, entryPoints: { sandbox: 'src/runtime/sandbox/main.ts' }, outdir: 'dist', platform: 'node', format: 'esm', target: 'node20', packages: 'external' },
];
if (existsSync('src/runtime/isolate/bootstrap/index.ts')) {
  builds.push({
    ...common, sourcemap: false, entryPoints: { bootstrap: 'src/runtime/isolate/bootstrap/index.ts' }, outdir: 'dist',
    platform: 'neutral', format: 'iife', target: 'es2022', mainFields: ['browser', 'module', 'main'],
    conditions: ['workerd', 'worker', 'browser'], minifySyntax: true,
  });
}

for (const b of builds) {
  if (!existsSync(Object.values(b.entryPoints)[0])) continue;
  if (watch) await (await esbuild.context(b)).watch();
  else await esbuild.build(b);
}
