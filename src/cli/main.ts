// The `cairn` command line (bundled to dist/cli.js by scripts/build.mjs; bin/cairn.js runs it).
// Every failure ends as "cairn: <what was wrong>" + "hint: <what to do>" on stderr and a non-zero
// exit: 1 usage/validation, 2 the server answered with an error, 3 the server could not be reached.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../shared/paths.ts';
import { Context, DEFAULT_URL, type GlobalOptions } from './context.ts';
import { CliError, formatCliError, EXIT_USAGE } from './errors.ts';
import { deployCommand } from './commands/deploy.ts';
import { lsCommand, rollbackCommand } from './commands/functions.ts';
import { invokeCommand } from './commands/invoke.ts';
import { logsCommand } from './commands/logs.ts';
import { secretLsCommand, secretPutCommand, secretRmCommand } from './commands/secret.ts';
import { initCommand } from './commands/init.ts';
import { serveCommand } from './commands/serve.ts';
import { devCommand } from './commands/dev.ts';
import { ledgerCheckProofCommand, ledgerProofCommand, ledgerVerifyCommand } from './commands/ledger.ts';
import { usageCommand, usageRebuildCommand } from './commands/usage.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function nodeFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--port <port>', 'data-plane port (0 picks a free port)').env('CAIRN_PORT'))
    .addOption(new Option('--admin-port <port>', 'control-plane port (0 picks a free port)').env('CAIRN_ADMIN_PORT'))
    .option('--host <host>', 'data-plane address to listen on (default 0.0.0.0)')
    .option('--admin-host <host>', 'control-plane address to listen on (default 127.0.0.1)')
    .option('--sandboxes <n>', 'sandbox processes per tenant (0 runs isolates in the node process)')
    .addOption(new Option('--log-format <format>', 'node log format: pretty or json').env('CAIRN_LOG_FORMAT'))
    .addOption(new Option('--log-level <level>', 'node log level: trace, debug, info, warn, error').env('CAIRN_LOG_LEVEL'))
    .addOption(new Option('--prices <file|json>', 'price table for usage and billing: a JSON file or inline JSON (default: list prices similar to public serverless, USD)').env('CAIRN_PRICES'))
    .addOption(new Option('--trust-proxy', 'take the client address from the last x-forwarded-for entry (only behind a proxy you run; used by abuse rate limiting)').env('CAIRN_TRUST_PROXY'))
    .addOption(new Option('--memory-budget-mb <mb>', 'memory all instances of this node may use, each reserved at its limit; idle ones are evicted first (default: no node budget)').env('CAIRN_MEMORY_BUDGET_MB'))
    .addOption(new Option('--commit-window-ms <ms>', 'group-commit window of usage records and logs, 1..1000 (a kill -9 loses at most the last window; default 100)').env('CAIRN_COMMIT_WINDOW_MS'))
    // Benchmarks only (bench/metering.mjs): a node that keeps no usage records bills nothing.
    .addOption(new Option('--no-metering', 'keep no usage records (benchmarking only)').hideHelp());
}

export function buildProgram(state: { ctx?: Context } = {}): Command {
  const program = new Command('cairn');
  const context = (cmd: Command): Context => (state.ctx ??= new Context(cmd.optsWithGlobals<GlobalOptions>()));

  program
    .description('Cairn: serverless functions on infrastructure you control')
    .version(version(), '-v, --version')
    .addOption(new Option('--url <url>', `control-plane URL (default ${DEFAULT_URL})`).env('CAIRN_URL'))
    .addOption(new Option('--token <token>', 'API token (default: <data-dir>/admin-token when it exists)').env('CAIRN_TOKEN'))
    .addOption(new Option('--data-dir <dir>', 'node data folder (default ./.cairn)').env('CAIRN_DATA_DIR'))
    .option('--json', 'machine-readable output')
    .showSuggestionAfterError(true)
    .showHelpAfterError(false);

  program.command('deploy')
    .description('bundle a function and deploy it as a new version')
    .argument('<entry>', 'the function\'s .ts or .js file')
    .option('--name <fn>', 'function name (default: from cairn.json, else the file name)')
    .option('--config <file>', 'cairn.json to use (default: the one in the entry\'s folder)')
    .option('--memory-mb <n>', 'memory limit (MB)')
    .option('--cpu-ms <n>', 'CPU time per invocation (ms)')
    .option('--timeout-ms <n>', 'wall time per invocation (ms)')
    .option('--concurrency <n>', 'concurrent invocations per instance')
    .option('--min-instances <n>', 'instances kept warm')
    .option('--max-instances <n>', 'most instances')
    .option('--keep-alive-ms <n>', 'idle time before an instance is retired (ms)')
    .option('--var <KEY=VALUE>', 'plain variable in env (repeatable)', collect)
    .option('--secret <NAME>', 'grant a secret, its value read from the environment variable NAME (repeatable)', collect)
    .option('--allow-egress <host>', 'host the function may reach even on a private address (repeatable)', collect)
    .option('--route <route>', 'route ("/api/", "shop.example.com/"), replacing cairn.json\'s (repeatable)', collect)
    .action((entry: string, opts, cmd: Command) => deployCommand(context(cmd), entry, opts));

  program.command('ls')
    .description('list functions, or the versions of one function')
    .argument('[fn]', 'function name')
    .action((fn: string | undefined, _opts, cmd: Command) => lsCommand(context(cmd), fn));

  program.command('invoke')
    .description('run one invocation and print its response, duration and CPU time')
    .argument('<fn>', 'function name')
    .option('--path <path>', 'request path, e.g. /json (default /)')
    .option('-X, --method <method>', 'HTTP method (default GET, or POST with --data)')
    .option('-d, --data <body>', 'request body: a string, @file, or @- for stdin')
    .option('-H, --header <name:value>', 'request header (repeatable)', collect)
    .option('-i, --include', 'print the response status and headers before the body')
    .action((fn: string, opts, cmd: Command) => invokeCommand(context(cmd), fn, opts));

  program.command('logs')
    .description('print a function\'s logs: ts level [invocation] message')
    .argument('<fn>', 'function name')
    .option('-f, --follow', 'keep printing new logs until Ctrl-C')
    .option('--invocation <id>', 'only the logs of this invocation')
    .option('-n, --limit <n>', 'how many of the latest logs to print (default 100)')
    .action((fn: string, opts, cmd: Command) => logsCommand(context(cmd), fn, opts));

  program.command('rollback')
    .description('serve an earlier version (default: the one before the current one)')
    .argument('<fn>', 'function name')
    .option('--to <version>', 'version id or number (see `cairn ls <fn>`)')
    .action((fn: string, opts, cmd: Command) => rollbackCommand(context(cmd), fn, opts));

  const secret = program.command('secret').description('manage secrets (granted to functions by name)');
  secret.command('put')
    .description('store a secret; the value comes from stdin or --value')
    .argument('<NAME>', 'secret name (the function reads env.NAME)')
    .option('--value <value>', 'the value (beware: it stays in your shell history)')
    .action((name: string, opts, cmd: Command) => secretPutCommand(context(cmd), name, opts));
  secret.command('ls')
    .description('list secret names')
    .action((_opts, cmd: Command) => secretLsCommand(context(cmd)));
  secret.command('rm')
    .description('delete a secret')
    .argument('<NAME>', 'secret name')
    .action((name: string, _opts, cmd: Command) => secretRmCommand(context(cmd), name));

  const ledger = program.command('ledger').description('verify the ledger and prove entries in it');
  ledger.command('verify')
    .description('verify the ledger in --data-dir end to end, with the node stopped (like fsck)')
    .option('--key <vkey>', 'the log\'s verifier key (default: derived from <data-dir>/ledger.key)')
    .option('--from-checkpoint <file>', 'a signed checkpoint kept from earlier: the log must still hold exactly that tree')
    .action((opts, cmd: Command) => ledgerVerifyCommand(context(cmd), opts));
  ledger.command('proof')
    .description('print an inclusion proof of an entry, with its checkpoint and the log\'s key, as JSON to check offline')
    .argument('<index>', 'entry index')
    .option('--size <n>', 'tree size of a stored checkpoint (default: the latest)')
    .action((index: string, opts, cmd: Command) => ledgerProofCommand(context(cmd), index, opts));
  ledger.command('check-proof')
    .description('check a proof printed by `cairn ledger proof`, with no server')
    .argument('<file>', 'the proof (- for stdin)')
    .option('--key <vkey>', 'the log\'s verifier key to trust (repeatable; default: the key in the proof)', collect)
    .action((file: string, opts, cmd: Command) => ledgerCheckProofCommand(context(cmd), file, opts));

  const usage = program.command('usage')
    .description('metered usage and cost per function and period (from the hourly roll-ups)')
    .option('--tenant <tenant>', 'tenant to report (platform admins; "*" for every tenant)')
    .option('--function <fn>', 'only this function')
    .option('--from <time>', 'start, a whole UTC hour: 2024-05-01, 2024-05-01T13:00 or epoch ms (default: start of this month)')
    .option('--to <time>', 'end (exclusive), a whole UTC hour (default: end of the current hour)')
    .option('--granularity <g>', 'hour, day or total (default total)')
    .action((opts, cmd: Command) => usageCommand(context(cmd), opts));
  usage.command('rebuild')
    .description('recompute the hourly roll-ups from the raw usage records (platform admins)')
    .action((_opts, cmd: Command) => usageRebuildCommand(context(cmd)));

  program.command('init')
    .description('scaffold a project: cairn.json, src/index.ts, env.d.ts, tsconfig.json, .gitignore')
    .argument('[dir]', 'project folder (default: the current folder)')
    .action((dir: string | undefined, _opts, cmd: Command) => initCommand(context(cmd), dir));

  nodeFlags(program.command('serve'))
    .description('run a platform node (data plane :8787, control plane :8788)')
    .action((opts, cmd: Command) => serveCommand(context(cmd), opts));

  nodeFlags(program.command('dev'))
    .description('run a node and deploy every function of a folder, redeploying on save')
    .argument('[dir]', 'folder with cairn.json or function files (default: the current folder)')
    .option('--no-tail', 'do not print the functions\' logs')
    .action((dir: string | undefined, opts, cmd: Command) => devCommand(context(cmd), dir, opts));

  // Commander's own errors (unknown option, missing argument...) in the CLI's error shape.
  const configure = (cmd: Command, path: string) => {
    cmd.exitOverride();
    cmd.configureOutput({
      outputError: (str, write) => {
        const lines = str.replace(/^error: /, '').trim().split('\n');
        write(formatCliError(new CliError(lines[0] ?? 'invalid command line', { details: lines.slice(1), hint: `see \`${path} --help\`` })));
      },
    });
    for (const sub of cmd.commands) configure(sub, `${path} ${sub.name()}`);
  };
  configure(program, 'cairn');
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const state: { ctx?: Context } = {};
  const program = buildProgram(state);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end here too (exit 0); everything else was printed by outputError.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const e = (state.ctx ?? new Context({})).toCliError(err);
    process.stderr.write(formatCliError(e));
    return e.exitCode;
  }
}

const code = await main();
if (code !== 0) process.exitCode = code;
