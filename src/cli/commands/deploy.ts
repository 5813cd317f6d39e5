// `cairn deploy <entry>`: bundle, store --secret values, upload the version. The building blocks
// are shared with `cairn dev`, which deploys the same way over HTTP against its own node.
import type { FunctionConfigInput } from '../../config/schema.ts';
import { bundle, type BundleResult } from '../../bundler/index.ts';
import type { CairnClient, DeployResult } from '../client.ts';
import { planDeploy, type ConfigFlags } from '../config.ts';
import type { Context } from '../context.ts';
import { displayPath, formatSize } from '../output.ts';

export interface DeployCommandOptions extends ConfigFlags {
  name?: string;
  config?: string;
}

export async function buildFunction(entryPath: string, root: string): Promise<BundleResult> {
  return bundle(entryPath, { root });
}

/** Stores the secrets, then uploads the bundle as a version (which becomes current). */
export async function uploadFunction(client: CairnClient, name: string, code: string, config: FunctionConfigInput, secretValues: Record<string, string> = {}): Promise<DeployResult> {
  for (const [secret, value] of Object.entries(secretValues)) await client.putSecret(secret, value);
  return client.deployVersion(name, code, config);
}

export function describeDeploy(r: DeployResult): string {
  const v = r.version;
  const head = r.created
    ? `deployed ${r.function}: version ${v.number} (${v.id}), ${formatSize(v.size)}`
    : `${r.function} unchanged: version ${v.number} (${v.id}) is current, ${formatSize(v.size)}`;
  return [head, ...r.routes.map((u) => `  ${u}`)].join('\n');
}

export async function deployCommand(ctx: Context, entry: string, opts: DeployCommandOptions): Promise<void> {
  const plan = planDeploy(entry, { name: opts.name, config: opts.config, flags: opts, env: ctx.env });
  const client = ctx.client();
  for (const n of plan.notes) ctx.warn(n);
  const shown = displayPath(plan.entryPath);
  if (!ctx.json) ctx.info(`bundling ${shown}${plan.project ? ` (settings from ${plan.project.label})` : ''}...`);
  const built = await buildFunction(plan.entryPath, plan.root);
  for (const w of built.warnings) ctx.warn(w);
  if (!ctx.json) {
    const secrets = Object.keys(plan.secretValues);
    ctx.info(`uploading ${plan.name} (${formatSize(built.size)}, sha256 ${built.sha256.slice(0, 12)})${secrets.length ? ` and secret${secrets.length > 1 ? 's' : ''} ${secrets.join(', ')}` : ''} to ${client.baseUrl}...`);
  }
  const result = await uploadFunction(client, plan.name, built.code, plan.config, plan.secretValues);
  if (ctx.json) ctx.printJson(result);
  else ctx.print(describeDeploy(result));
}
