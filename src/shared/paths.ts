import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Cairn package root, derived from this module's own location — `<root>/src/shared/paths.ts`
 * when run from source (tsx) or `<root>/dist/<bundle>.js` when built — without touching the file
 * system, because sandbox processes may not read outside dist/ and node_modules/.
 */
export const PACKAGE_ROOT: string = (() => {
  const here = fileURLToPath(import.meta.url);
  const fromSource = `${sep}src${sep}shared${sep}paths.`;
  const i = here.lastIndexOf(fromSource);
  if (i >= 0) return here.slice(0, i);
  if (dirname(here).endsWith(`${sep}dist`)) return dirname(dirname(here));
  throw new Error('cannot locate the cairn package root from ' + here);
})();

export const DIST_DIR = `${PACKAGE_ROOT}${sep}dist`;
