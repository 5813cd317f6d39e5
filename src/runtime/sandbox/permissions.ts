// Node flags that start a sandbox process under the permission model: it may read the platform's
// code (dist/ and node_modules/) and nothing else — not the data directory, not the master key —
// and may not write files, start processes or workers. isolated-vm is a native addon, so addons
// stay allowed; that is why the process boundary, not the permission model, is the outer wall.
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../shared/paths.ts';

export function sandboxNodeFlags(): string[] {
  const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
  const readable = [join(PACKAGE_ROOT, 'dist'), join(PACKAGE_ROOT, 'node_modules')];
  return [
    permission,
    ...readable.map((p) => `--allow-fs-read=${p}${process.platform === 'win32' ? '\\*' : '/*'}`),
    '--allow-addons',
    '--no-warnings',
  ];
}
