// `cairn serve`: one platform node in this process. Human lines go to stderr; stdout carries the
// node's JSON log and one machine-readable line, {"event":"ready","dataUrl":...,"adminUrl":...}.
import { readFileSync } from 'node:fs';
import { startNode, type NodeOptions, type RunningNode } from '../../node/index.ts';
import { PriceError, parsePricesJson, type Prices } from '../../billing/prices.ts';
import { MAX_COMMIT_WINDOW_MS } from '../../telemetry/recorder.ts';
import { CliError } from '../errors.ts';
import type { Context } from '../context.ts';
import { displayPath } from '../output.ts';

export interface NodeFlags {
  port?: string;
  adminPort?: string;
  host?: string;
  adminHost?: string;
  sandboxes?: string;
  logFormat?: string;
  logLevel?: string;
  /** A price table: a JSON file, or inline JSON starting with "{" (also CAIRN_PRICES). */
  prices?: string;
  commitWindowMs?: string;
  memoryBudgetMb?: string;
  trustProxy?: boolean | string;
  /** Set false by the hidden --no-metering (bench/metering.mjs only). */
  metering?: boolean;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_ADMIN_PORT = 8788;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new CliError(`${flag} "${value}": expected a port number from 0 to 65535 (0 picks a free port)`, { hint: `e.g. ${flag} ${fallback}` });
  return Number(value);
}

export function nodeOptions(flags: NodeFlags, dataDir: string, defaults: { logFormat?: 'json' | 'pretty' } = {}): NodeOptions {
  const opts: NodeOptions = {
    dataDir,
    port: port('--port', flags.port, DEFAULT_PORT),
    adminPort: port('--admin-port', flags.adminPort, DEFAULT_ADMIN_PORT),
  };
  if (flags.host) opts.host = flags.host;
  if (flags.adminHost) opts.adminHost = flags.adminHost;
  if (flags.sandboxes !== undefined) {
    if (!/^\d+$/.test(flags.sandboxes) || Number(flags.sandboxes) > 256) throw new CliError(`--sandboxes "${flags.sandboxes}": expected a whole number from 0 to 256`, { hint: 'sandbox processes per tenant; 0 runs isolates inside the node process' });
    opts.sandboxes = Number(flags.sandboxes);
  }
  const logFormat = flags.logFormat ?? defaults.logFormat;
  if (logFormat !== undefined) {
    if (logFormat !== 'json' && logFormat !== 'pretty') throw new CliError(`--log-format "${logFormat}": expected pretty or json`, { hint: '--log-format pretty for people, json (the default) for log collectors' });
    opts.logFormat = logFormat;
  }
  if (flags.logLevel !== undefined) {
    if (!LOG_LEVELS.includes(flags.logLevel)) throw new CliError(`--log-level "${flags.logLevel}": expected one of ${LOG_LEVELS.join(', ')}`, { hint: 'e.g. --log-level debug' });
    opts.logLevel = flags.logLevel;
  }
  if (flags.prices !== undefined && flags.prices !== '') opts.prices = loadPrices(flags.prices);
  if (flags.commitWindowMs !== undefined && flags.commitWindowMs !== '') {
    const v = flags.commitWindowMs;
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_COMMIT_WINDOW_MS) {
      throw new CliError(`--commit-window-ms "${v}": expected a whole number of ms from 1 to ${MAX_COMMIT_WINDOW_MS}`, { hint: 'a kill -9 loses at most the usage of the last window; the default is 100' });
    }
    opts.commitWindowMs = Number(v);
  }
  if (flags.memoryBudgetMb !== undefined && flags.memoryBudgetMb !== '') {
    const v = flags.memoryBudgetMb;
    if (!/^\d+$/.test(v) || Number(v) < 8) throw new CliError(`--memory-budget-mb "${v}": expected a whole number of MB, at least 8`, { hint: 'e.g. --memory-budget-mb 4096; instances count at their limits.memoryMb' });
    opts.memoryBudgetMb = Number(v);
  }
  if (flags.trustProxy === true || flags.trustProxy === 'true' || flags.trustProxy === '1') opts.trustProxy = true;
  if (flags.metering === false) opts.metering = false;
  return opts;
}

/** --prices / CAIRN_PRICES: inline JSON when it starts with "{", else the path of a JSON file. */
export function loadPrices(value: string): Prices {
  const inline = value.trimStart().startsWith('{');
  let text = value;
  if (!inline) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (err) {
      throw new CliError(`--prices: cannot read ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { hint: 'pass a JSON file such as {"currency":"USD","perMillionRequests":"0.20"}, or the JSON itself' });
    }
  }
  try {
    return parsePricesJson(text, inline ? 'the --prices JSON' : `the price table ${value}`);
  } catch (err) {
    if (!(err instanceof PriceError)) throw err;
    throw new CliError(err.summary, {
      details: err.errors,
      hint: 'fields: currency ("USD"), perMillionRequests, perGbSecond, perCpuMs, perGbOut — decimals as strings or numbers, at most 12 decimal places; left-out fields keep their defaults',
    });
  }
}

/** Starts a node, turning the usual start failures into clear errors. */
export async function startNodeOrExplain(opts: NodeOptions): Promise<RunningNode> {
  try {
    return await startNode(opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
    if (e.code === 'EADDRINUSE') {
      const which = e.port === opts.adminPort ? '--admin-port' : '--port';
      throw new CliError(`cannot listen on ${e.address ?? ''}:${e.port ?? ''}: the port is in use`, { hint: `stop whatever uses it (another \`cairn serve\`?), or pass ${which} <other port> (0 picks a free one)` });
    }
    if (e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      throw new CliError(`cannot listen on ${e.address ?? ''}:${e.port ?? ''}: ${e.code === 'EACCES' ? 'permission denied' : 'no such address on this machine'}`, { hint: 'pick another --host/--port (ports below 1024 need privileges)' });
    }
    throw err;
  }
}

export function describeToken(node: RunningNode, dataDir: string): string[] {
  const where = node.tokenPath ? displayPath(node.tokenPath) : null;
  const origin = where === null ? 'from CAIRN_ADMIN_TOKEN' : node.tokenGenerated ? `generated on first start and stored in ${where}` : `stored in ${where}`;
  return [
    `  admin token:   ${node.adminToken}`,
    `                 (${origin}; the CLI reads it from ${where ?? `${dataDir}/admin-token`} or CAIRN_TOKEN)`,
  ];
}

/** Resolves once SIGINT or SIGTERM has arrived and `stop` has finished; a second SIGINT exits at once. */
export function untilSignal(ctx: Context, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolveDone, reject) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C means "now"; a repeated SIGTERM (process managers, `timeout`) just waits.
        if (sig !== 'SIGINT') return;
        ctx.info('Ctrl-C again: exiting without waiting for the shutdown');
        process.exit(130);
      }
      stopping = true;
      ctx.info(`${sig}: shutting down...`);
      stop().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolveDone();
      }, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function serveCommand(ctx: Context, flags: NodeFlags): Promise<void> {
  const opts = nodeOptions(flags, ctx.dataDir);
  const node = await startNodeOrExplain(opts);
  ctx.info([
    'cairn node ready',
    `  data plane:    ${node.dataUrl}   (functions: ${node.dataUrl}/<name>/)`,
    `  control plane: ${node.adminUrl}   (admin API ${node.adminUrl}/api/v1)`,
    `  data dir:      ${displayPath(ctx.dataDir)}`,
    ...describeToken(node, ctx.dataDir),
    'stop with Ctrl-C',
  ].join('\n'));
  process.stdout.write(`${JSON.stringify({ event: 'ready', dataUrl: node.dataUrl, adminUrl: node.adminUrl })}\n`);
  await untilSignal(ctx, () => node.close());
  ctx.info('stopped');
}
