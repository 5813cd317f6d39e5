// What every command gets: the global options resolved (URL, token, data dir, --json), a client,
// and the two output streams (results on stdout, progress and notes on stderr).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiError, CairnClient, ConnectError } from './client.ts';
import { CliError, EXIT_CONNECT, EXIT_SERVER } from './errors.ts';
import { BundleError } from '../bundler/index.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8788';
export const DEFAULT_DATA_DIR = '.cairn';
export const ADMIN_TOKEN_FILE = 'admin-token';

/** Global options as commander hands them over (env fallbacks already applied by commander). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  dataDir?: string;
  json?: boolean;
}

export class Context {
  readonly url: string;
  readonly json: boolean;
  readonly dataDir: string;
  /** True when --data-dir / CAIRN_DATA_DIR was given (dev then does not use <dir>/.cairn). */
  readonly dataDirGiven: boolean;
  private readonly tokenFlag: string | undefined;
  private clientCache: CairnClient | undefined;

  constructor(g: GlobalOptions, readonly env: NodeJS.ProcessEnv = process.env) {
    this.url = g.url || DEFAULT_URL;
    this.json = g.json === true;
    this.dataDirGiven = Boolean(g.dataDir);
    this.dataDir = resolve(g.dataDir || DEFAULT_DATA_DIR);
    this.tokenFlag = g.token || undefined;
  }

  get tokenFile(): string {
    return join(this.dataDir, ADMIN_TOKEN_FILE);
  }

  /** --token / CAIRN_TOKEN, else the admin token a local node wrote into the data dir. */
  token(): string | undefined {
    if (this.tokenFlag) return this.tokenFlag;
    if (existsSync(this.tokenFile)) {
      const t = readFileSync(this.tokenFile, 'utf8').trim();
      if (t) return t;
    }
    return undefined;
  }

  client(): CairnClient {
    if (!this.clientCache) {
      try {
        this.clientCache = new CairnClient({ url: this.url, token: this.token() });
      } catch (err) {
        throw new CliError(`--url: ${(err as Error).message}`, { hint: `pass the control plane's URL, e.g. ${DEFAULT_URL}` });
      }
    }
    return this.clientCache;
  }

  /** A result line (stdout). */
  print(text = ''): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A JSON result (stdout). */
  printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress and notes (stderr), kept out of --json output. */
  info(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  warn(text: string): void {
    process.stderr.write(`warning: ${text}\n`);
  }

  /** Turns anything a command threw into the CLI's error shape. */
  toCliError(err: unknown): CliError {
    return toCliError(err, this);
  }
}

export function toCliError(err: unknown, ctx?: Context): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ConnectError) {
    return new CliError(`cannot reach ${err.url} (${err.reason}): is a node running?`, {
      hint: 'start one with `cairn serve` (or `cairn dev`), or point --url / CAIRN_URL at a running node',
      exitCode: EXIT_CONNECT,
    });
  }
  if (err instanceof ApiError) return new CliError(err.message, { hint: err.hint ?? hintFor(err, ctx), details: err.errors, exitCode: EXIT_SERVER });
  if (err instanceof BundleError) return new CliError(err.message, { hint: err.hint, details: err.errors });
  const e = err as Error;
  return new CliError(`unexpected error: ${e?.stack ?? String(err)}`, { hint: 'this is a bug in cairn; please report it with the command you ran' });
}

function hintFor(err: ApiError, ctx?: Context): string | undefined {
  switch (err.code) {
    case 'unauthorized':
      return ctx
        ? `pass --token or set CAIRN_TOKEN (a local node's admin token is in <data-dir>/${ADMIN_TOKEN_FILE}; looked in ${ctx.tokenFile})`
        : 'pass --token or set CAIRN_TOKEN';
    case 'forbidden':
      return 'this token may not do that: use a token of the right tenant, or the admin token';
    case 'function-not-found':
    case 'not-found':
      return 'list the functions with `cairn ls`';
    case 'version-not-found':
      return 'list the versions with `cairn ls <fn>`';
    default:
      if (err.retryAfter) return `the node is busy: retry in ${err.retryAfter} s`;
      return err.status >= 500 ? 'check the node\'s log; retry if it was a passing failure' : undefined;
  }
}
