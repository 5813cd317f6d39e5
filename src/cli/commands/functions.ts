// `cairn ls [fn]` and `cairn rollback <fn> [--to <version>]`.
import type { VersionInfo } from '../client.ts';
import { CliError } from '../errors.ts';
import type { Context } from '../context.ts';
import { formatSize, formatTime, table } from '../output.ts';

export async function lsCommand(ctx: Context, fn: string | undefined): Promise<void> {
  const client = ctx.client();
  if (fn === undefined) {
    const fns = await client.listFunctions();
    if (ctx.json) return ctx.printJson(fns);
    if (fns.length === 0) {
      ctx.print('no functions yet');
      ctx.info('hint: deploy one with `cairn deploy <entry> --name <fn>`');
      return;
    }
    ctx.print(table([['NAME', 'VERSION', 'UPDATED'], ...fns.map((f) => [f.name, f.currentVersion ?? '-', formatTime(f.updatedAt)])]));
    return;
  }
  const [info, versions] = await Promise.all([client.getFunction(fn), client.listVersions(fn)]);
  if (ctx.json) return ctx.printJson({ function: info, versions });
  if (versions.length === 0) {
    ctx.print(`${fn} has no versions`);
    return;
  }
  ctx.print(table([
    ['', 'VERSION', 'ID', 'SIZE', 'CREATED'],
    ...versions.map((v) => [v.id === info.currentVersion ? '*' : '', String(v.number), v.id, formatSize(v.size), formatTime(v.createdAt)]),
  ]));
  if (info.routes?.length) ctx.print(`routes: ${info.routes.join(' ')}`);
  ctx.info('* = current version');
}

/** A version id, or a version number ("3") resolved to its id. */
async function resolveVersion(ctx: Context, fn: string, to: string): Promise<string> {
  if (!/^\d+$/.test(to)) return to;
  const versions = await ctx.client().listVersions(fn);
  const v = versions.find((x) => x.number === Number(to));
  if (!v) {
    const known = versions.map((x) => x.number).sort((a, b) => a - b).join(', ');
    throw new CliError(`${fn} has no version ${to}`, { hint: known ? `its versions are ${known} (see \`cairn ls ${fn}\`)` : `${fn} has no versions yet` });
  }
  return v.id;
}

export async function rollbackCommand(ctx: Context, fn: string, opts: { to?: string }): Promise<void> {
  const client = ctx.client();
  const to = opts.to === undefined ? undefined : await resolveVersion(ctx, fn, opts.to);
  const r = await client.rollback(fn, to);
  if (ctx.json) return ctx.printJson(r);
  const v: VersionInfo | string = r.version;
  const what = typeof v === 'string' ? v : `version ${v.number} (${v.id})`;
  ctx.print(`${r.function} now serves ${what}${r.previous ? `; it served ${r.previous} before` : ''}`);
}
