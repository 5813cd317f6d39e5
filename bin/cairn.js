#!/usr/bin/env node
// The installed `cairn` command: runs the built CLI (npm ci builds it through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('cairn: dist/cli.js is missing. Run `npm run build` in the Cairn checkout first.');
  process.exit(1);
}
await import(cli.href);
