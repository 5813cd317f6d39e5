// `cairn invoke <fn>`: one invocation through the admin API. The response body goes to stdout
// (bytes as they are, so it pipes); status, duration and CPU time go to stderr (with -i the
// status line and headers go to stdout first, like curl -i).
import { readFileSync } from 'node:fs';
import type { InvokeRequest } from '../client.ts';
import { CliError } from '../errors.ts';
import type { Context } from '../context.ts';
import { formatMs } from '../output.ts';

export interface InvokeOptions {
  path?: string;
  method?: string;
  data?: string;
  header?: string[];
  include?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/** --data: a string, @file or @- (stdin); bytes that are not UTF-8 travel as base64. */
async function readData(data: string): Promise<Pick<InvokeRequest, 'body' | 'bodyBase64'>> {
  if (!data.startsWith('@')) return { body: data };
  const file = data.slice(1);
  let bytes: Buffer;
  if (file === '-') bytes = await readStdin();
  else {
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new CliError(`--data ${data}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { hint: 'pass @<file> with an existing file, @- for stdin, or the body itself' });
    }
  }
  try {
    return { body: utf8.decode(bytes) };
  } catch {
    return { bodyBase64: bytes.toString('base64') };
  }
}

export function parseHeaders(list: string[] = []): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim() : '';
    if (!name || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new CliError(`--header "${h}": expected "name: value"`, { hint: 'e.g. --header "content-type: application/json"' });
    const key = name.toLowerCase();
    const value = h.slice(i + 1).trim();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return headers;
}

export async function invokeCommand(ctx: Context, fn: string, opts: InvokeOptions): Promise<void> {
  const req: InvokeRequest = {};
  if (opts.path !== undefined) {
    if (!opts.path.startsWith('/')) throw new CliError(`--path "${opts.path}": a path starts with "/"`, { hint: `e.g. --path /${opts.path}` });
    req.path = opts.path;
  }
  const headers = parseHeaders(opts.header);
  if (Object.keys(headers).length > 0) req.headers = headers;
  if (opts.data !== undefined) Object.assign(req, await readData(opts.data));
  const method = (opts.method ?? (opts.data !== undefined ? 'POST' : 'GET')).toUpperCase();
  if ((method === 'GET' || method === 'HEAD') && opts.data !== undefined) throw new CliError(`a ${method} request cannot have a body (--data)`, { hint: 'use --method POST (or PUT, PATCH), or drop --data' });
  req.method = method;

  const r = await ctx.client().invoke(fn, req);
  if (ctx.json) return ctx.printJson(r);
  if (opts.include) {
    let head = `HTTP ${r.status}\n`;
    for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\n`;
    process.stdout.write(`${head}\n`);
  }
  const body = r.bodyBase64 !== undefined ? Buffer.from(r.bodyBase64, 'base64') : Buffer.from(r.body ?? '', 'utf8');
  process.stdout.write(body);
  if (process.stdout.isTTY && body.length > 0 && body[body.length - 1] !== 0x0a) process.stdout.write('\n');
  const parts = [`${r.status}`, formatMs(r.durationMs), `CPU ${formatMs(r.cpuMs)}`, `version ${r.version}`];
  if (r.coldStart) parts.push('cold start');
  parts.push(`invocation ${r.invocationId}`);
  ctx.info(parts.join(' · '));
  if (r.error) ctx.info(`error: ${r.error} (see \`cairn logs ${fn} --invocation ${r.invocationId}\`)`);
}
