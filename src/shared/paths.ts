import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Cairn package root, found from this module whether it runs from src/ (tsx) or dist/ (built). */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cairn') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the cairn package root from ' + fileURLToPath(import.meta.url));
    dir = up;
  }
})();

export const DIST_DIR = join(PACKAGE_ROOT, 'dist');
