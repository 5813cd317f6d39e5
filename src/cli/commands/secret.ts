// `cairn secret put|ls|rm`: secrets of the tenant, granted to functions by name ("secrets" in
// cairn.json or --secret), never printed back.
import { CliError } from '../errors.ts';
import type { Context } from '../context.ts';
import { ENV_NAME } from '../config.ts';
import { formatTime, table } from '../output.ts';

function checkName(name: string): void {
  if (!ENV_NAME.test(name)) throw new CliError(`"${name}" is not a valid secret name: a secret name is a JavaScript identifier (letters, digits, "_", not starting with a digit)`, { hint: 'use a name such as API_KEY; the function reads it as env.API_KEY' });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function secretPutCommand(ctx: Context, name: string, opts: { value?: string }): Promise<void> {
  checkName(name);
  let value = opts.value;
  if (value === undefined) {
    if (process.stdin.isTTY) ctx.info(`value of ${name} (end with Enter, then Ctrl-D):`);
    // One trailing newline is the end of the input (echo, a here-string, the terminal), not the value.
    value = (await readStdin()).replace(/\r?\n$/, '');
  }
  await ctx.client().putSecret(name, value);
  if (ctx.json) return ctx.printJson({ name, stored: true });
  ctx.print(`stored secret ${name}`);
  ctx.info(`hint: grant it to a function with "secrets": ["${name}"] in cairn.json (or --secret ${name} on deploy); the function reads env.${name}`);
}

export async function secretLsCommand(ctx: Context): Promise<void> {
  const items = await ctx.client().listSecrets();
  if (ctx.json) return ctx.printJson(items);
  if (items.length === 0) return ctx.print('no secrets');
  ctx.print(table([['NAME', 'UPDATED'], ...items.map((s) => [s.name, formatTime(s.updatedAt)])]));
}

export async function secretRmCommand(ctx: Context, name: string): Promise<void> {
  checkName(name);
  await ctx.client().deleteSecret(name);
  if (ctx.json) return ctx.printJson({ name, deleted: true });
  ctx.print(`deleted secret ${name}`);
}
