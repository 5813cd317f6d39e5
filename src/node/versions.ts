// Turns a stored version into what an instance needs: its code, its config and its env, with the
// granted secrets decrypted only now, for this one instance.
import type { StorageDriver } from '../storage/types.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { ResolvedVersion } from '../scheduler/scheduler.ts';
import type { InvocationTarget } from '../scheduler/types.ts';
import { Problem } from '../shared/problem.ts';

export async function resolveVersion(storage: StorageDriver, box: SecretBox, target: InvocationTarget): Promise<ResolvedVersion> {
  const version = await storage.getVersion(target.tenant, target.function, target.version);
  if (!version) throw new Problem(404, 'version-not-found', `version ${target.version} of ${target.function} does not exist`);
  const code = await storage.getCode(version.sha256);
  if (code === null) throw new Problem(500, 'internal', `the bundle of ${target.function}@${target.version} is missing from storage`, { hint: 'Redeploy the function; run the storage checks.' });
  const secrets: Record<string, string> = {};
  for (const name of version.config.secrets) {
    const s = await storage.getSecret(target.tenant, name);
    if (!s) throw new Problem(500, 'secret-missing', `the secret ${name} granted to ${target.function} does not exist`, { hint: `Create it with \`cairn secret put ${name}\`.` });
    secrets[name] = box.open(target.tenant, name, s.ciphertext);
  }
  const bindings: Record<string, { type: 'kv' | 'ledger' | 'ai' }> = {};
  for (const [name, b] of Object.entries(version.config.bindings)) bindings[name] = { type: b.type };
  return { code, config: version.config, env: { vars: { ...version.config.vars }, secrets, bindings } };
}
