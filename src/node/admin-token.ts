// The bootstrap admin token: CAIRN_ADMIN_TOKEN when set, else the one stored in the data dir, else
// a new one generated on first start (file mode 0600) and shown once by the CLI.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadAdminToken(dataDir: string, explicit?: string): { token: string; generated: boolean; path: string | null } {
  if (explicit) return { token: explicit, generated: false, path: null };
  const path = join(dataDir, 'admin-token');
  if (existsSync(path)) return { token: readFileSync(path, 'utf8').trim(), generated: false, path };
  const token = 'cairn_admin_' + randomBytes(32).toString('base64url');
  writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, generated: true, path };
}
