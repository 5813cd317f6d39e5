// Shared helpers for the sqlite*.test.ts files: a temporary folder removed after the file's tests,
// and a fixture process run until it has acknowledged enough writes and then killed with SIGKILL.
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Makes a temporary folder, removed once the calling file's tests are done. `freshDir()` names a new
 * sub-folder each time (not yet created), so a database opened there creates its own parent folder.
 */
export function tempBase(prefix: string): { base: string; freshDir: () => string } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(base, { recursive: true, force: true }));
  let seq = 0;
  return { base, freshDir: () => join(base, `d${++seq}`) };
}

/**
 * Runs `fixture` (a path under the repository root) with tsx and one argument, hands every complete
 * stdout line to `onLine`, and kills the process with SIGKILL once `enough()` holds. Resolves with
 * the signal it ended on and what it wrote to stderr.
 */
export async function runUntilKilled(fixture: string, arg: string, onLine: (line: string) => void, enough: () => boolean):
  Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, fixture), arg], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let pending = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    // Only complete lines count as acknowledgements.
    const lines = (pending + s).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
    if (enough() && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, sig) => resolve(sig));
  });
  return { signal, stderr };
}
