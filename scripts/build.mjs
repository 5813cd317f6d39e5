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
  // The isolate bootstrap (web APIs), plus scripts it loads on first use (UTS #46 tables, fflate).
  // Each script's completion value is its exports (the main one: its install function), and it
  // leaves no global behind: esbuild's global name is wrapped in a closure.
  const dir = 'src/runtime/isolate/bootstrap/';
  builds.push({
    ...common, sourcemap: false, outdir: 'dist',
    entryPoints: { bootstrap: dir + 'index.ts', 'bootstrap-idna': dir + 'lazy/idna.ts', 'bootstrap-compression': dir + 'lazy/compression.ts', 'bootstrap-urlpattern': dir + 'lazy/urlpattern.ts', 'bootstrap-url': dir + 'lazy/url.ts', 'bootstrap-streams': dir + 'lazy/streams.ts' },
    platform: 'neutral', format: 'iife', target: 'es2022', mainFields: ['browser', 'module', 'main'],
    conditions: ['workerd', 'worker', 'browser'], minifySyntax: true, minifyWhitespace: true,
    globalName: '__cairn_exports', banner: { js: "(() => {'use strict';" }, footer: { js: 'return __cairn_exports.install || __cairn_exports; })()' },
  });
}

for (const b of builds) {
  if (!existsSync(Object.values(b.entryPoints)[0])) continue;
  if (watch) await (await esbuild.context(b)).watch();
  else await esbuild.build(b);
}
