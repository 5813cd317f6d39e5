// `cairn logs <fn>`: the latest logs as "ts level [invocation] message"; --follow long-polls for
// more (wait=25) until Ctrl-C, and rides out a node restart.
import type { LogEntry } from '../client.ts';
import { ConnectError } from '../client.ts';
import { CliError } from '../errors.ts';
import type { Context } from '../context.ts';
import { formatTimestamp } from '../output.ts';

export interface LogsOptions {
  follow?: boolean;
  invocation?: string;
  limit?: string;
}

export const LOGS_PAGE = 200;
export const FOLLOW_WAIT_SECONDS = 25;

export function formatLog(e: LogEntry): string {
  return `${formatTimestamp(e.ts)} ${e.level.padEnd(5)} [${e.invocationId ?? '-'}] ${e.message}`;
}

export async function logsCommand(ctx: Context, fn: string, opts: LogsOptions): Promise<void> {
  let limit = 100;
  if (opts.limit !== undefined) {
    if (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1) throw new CliError(`--limit "${opts.limit}": expected a whole number of at least 1`, { hint: 'e.g. --limit 50' });
    limit = Number(opts.limit);
  }
  const client = ctx.client();
  const show = (e: LogEntry) => ctx.print(ctx.json ? JSON.stringify(e) : formatLog(e));

  // The API pages forward from the oldest; keep the newest `limit` on the way to the end.
  let after = 0;
  let tail: LogEntry[] = [];
  for (;;) {
    const page = await client.logs(fn, { after, limit: LOGS_PAGE, invocation: opts.invocation });
    tail.push(...page.items);
    if (tail.length > limit) tail = tail.slice(tail.length - limit);
    const next = Math.max(page.last ?? after, ...page.items.map((i) => i.id));
    if (page.items.length < LOGS_PAGE || next <= after) { after = next; break; }
    after = next;
  }
  tail.forEach(show);
  if (!opts.follow) {
    if (tail.length === 0 && !ctx.json) ctx.info(`no logs for ${fn}${opts.invocation ? ` invocation ${opts.invocation}` : ''} yet`);
    return;
  }

  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!ctx.json) ctx.info(`following ${fn} (Ctrl-C to stop)...`);
  let disconnected = false;
  try {
    while (!abort.signal.aborted) {
      try {
        const page = await client.logs(fn, { after, limit: LOGS_PAGE, invocation: opts.invocation, wait: FOLLOW_WAIT_SECONDS, signal: abort.signal });
        if (disconnected) { ctx.info('reconnected'); disconnected = false; }
        page.items.forEach(show);
        after = Math.max(after, page.last ?? after, ...page.items.map((i) => i.id));
      } catch (err) {
        if (abort.signal.aborted) break;
        if (!(err instanceof ConnectError)) throw err;
        if (!disconnected) ctx.info(`lost ${err.url} (${err.reason}); retrying every second...`);
        disconnected = true;
        await new Promise<void>((r) => { const t = setTimeout(r, 1000); abort.signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true }); });
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
