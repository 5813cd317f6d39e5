// `cairn usage [--tenant] [--function] [--from --to] [--granularity]`: metered usage and its cost as a
// table (or the API's JSON with --json); `cairn usage rebuild` recomputes the roll-ups (admins).
import type { UsageQuantities, UsageReport, UsageRowInfo } from '../client.ts';
import { CliError } from '../errors.ts';
import type { Context } from '../context.ts';
import { formatSize, table } from '../output.ts';

export interface UsageFlags { tenant?: string; function?: string; from?: string; to?: string; granularity?: string }

const GRANULARITIES = ['hour', 'day', 'total'];

/** Times are UTC: "2024-05-01T13" or "2024-05-01T13:00" without a zone get ":00Z"; anything else goes to the server as typed. */
export function normalizeTime(flag: string, v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2})(?::(\d{2}))?(?::(\d{2}))?$/.exec(v.trim());
  if (m) return `${m[1]}T${m[2]}:${m[3] ?? '00'}:${m[4] ?? '00'}Z`;
  if (!/^\d+$|^\d{4}-\d{2}-\d{2}/.test(v.trim())) {
    throw new CliError(`${flag} "${v}": expected a UTC date or hour such as 2024-05-01 or 2024-05-01T13:00, or epoch milliseconds`, { hint: 'usage is rolled up by the hour: periods start and end on whole UTC hours' });
  }
  return v.trim();
}

/** Integer micro-units as a decimal amount with 6 places, without floating point. */
export function formatMicros(micros: number): string {
  const neg = micros < 0;
  const a = Math.abs(micros);
  return `${neg ? '-' : ''}${Math.floor(a / 1_000_000)}.${String(a % 1_000_000).padStart(6, '0')}`;
}

function formatGbS(n: number): string {
  return n >= 100 ? n.toFixed(1) : n >= 1 ? n.toFixed(3) : n.toFixed(6);
}

function formatCpu(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function hour(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

function period(r: UsageRowInfo, g: UsageReport['granularity']): string {
  if (g === 'hour') return hour(r.start);
  if (g === 'day') {
    const whole = r.end - r.start === 86_400_000;
    return whole ? new Date(r.start).toISOString().slice(0, 10) : `${hour(r.start)}..${hour(r.end).slice(11)}`;
  }
  return '';
}

function cells(q: UsageQuantities): string[] {
  return [String(q.requests), String(q.errors), String(q.coldStarts), formatGbS(q.gbSeconds), formatCpu(q.cpuMs), formatSize(q.bytesIn), formatSize(q.bytesOut), formatMicros(q.cost.micros.total)];
}

export function renderUsage(r: UsageReport): string {
  const byPeriod = r.granularity !== 'total';
  const head = [...(r.tenant === '*' ? ['TENANT'] : []), 'FUNCTION', ...(byPeriod ? [r.granularity === 'hour' ? 'HOUR (UTC)' : 'DAY (UTC)'] : []),
    'REQUESTS', 'ERRORS', 'COLD', 'GB-S', 'CPU', 'IN', 'OUT', `COST (${r.prices.currency})`];
  const rows = r.items.map((i) => [...(r.tenant === '*' ? [i.tenant] : []), i.function, ...(byPeriod ? [period(i, r.granularity)] : []), ...cells(i)]);
  const total = [...(r.tenant === '*' ? ['total'] : []), r.tenant === '*' ? '' : 'total', ...(byPeriod ? [''] : []), ...cells(r.totals)];
  return table([head, ...rows, total]);
}

export async function usageCommand(ctx: Context, flags: UsageFlags): Promise<void> {
  if (flags.granularity !== undefined && !GRANULARITIES.includes(flags.granularity)) {
    throw new CliError(`--granularity "${flags.granularity}": expected hour, day or total`, { hint: 'e.g. --granularity day' });
  }
  const q = {
    tenant: flags.tenant, function: flags.function, granularity: flags.granularity,
    from: normalizeTime('--from', flags.from), to: normalizeTime('--to', flags.to),
  };
  const r = await ctx.client().usage(q);
  if (ctx.json) return ctx.printJson(r);
  const who = r.tenant === '*' ? 'every tenant' : `tenant ${r.tenant}`;
  ctx.print(`usage of ${who}${r.function ? `, function ${r.function}` : ''}, ${hour(r.from)} to ${hour(r.to)} UTC`);
  if (r.items.length === 0) {
    ctx.print('no invocations in this period');
    return;
  }
  ctx.print(renderUsage(r));
  ctx.info(`cost: ${r.totals.cost.total} ${r.prices.currency} exactly; prices: ${r.prices.perMillionRequests}/million requests, ${r.prices.perGbSecond}/GB-s, ${r.prices.perCpuMs}/CPU-ms, ${r.prices.perGbOut}/GB out`);
}

export async function usageRebuildCommand(ctx: Context): Promise<void> {
  const r = await ctx.client().rebuildUsage();
  if (ctx.json) return ctx.printJson(r);
  ctx.print(`rebuilt ${r.hours} hourly roll-ups from ${r.invocations} usage records; ${r.corrected === 0 ? 'they all agreed' : `${r.corrected} were corrected`}`);
}
