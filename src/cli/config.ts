// cairn.json and the deploy flags: finds and validates the project file (with the schema of
// src/config/schema.ts), picks the function a deploy means, and merges flags over the file. Every
// error names where the bad value came from: "cairn.json: functions.hello.limits.cpuMs: ..." or
// "--cpu-ms: ...".
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { FUNCTION_NAME, formatIssues, functionConfigSchema, projectSchema, type FunctionConfigInput, type ProjectConfig } from '../config/schema.ts';
import { CliError } from './errors.ts';

export const PROJECT_FILE = 'cairn.json';
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface Project {
  /** Absolute path of cairn.json. */
  file: string;
  /** Its folder: entries are relative to it. */
  dir: string;
  /** How messages name the file (relative to the working directory). */
  label: string;
  /** Validated, with defaults applied. */
  config: ProjectConfig;
  /** As written (valid), per function: what flags are merged over, so defaults stay the server's. */
  raw: Record<string, FunctionConfigInput>;
}

/** The deploy flags, as commander hands them over (numbers still strings). */
export interface ConfigFlags {
  memoryMb?: string | number;
  cpuMs?: string | number;
  timeoutMs?: string | number;
  concurrency?: string | number;
  minInstances?: string | number;
  maxInstances?: string | number;
  keepAliveMs?: string | number;
  var?: string[];
  secret?: string[];
  allowEgress?: string[];
  route?: string[];
}

const NUMBER_FLAGS: Array<{ key: keyof ConfigFlags; flag: string; path: ['limits' | 'scaling', string] }> = [
  { key: 'memoryMb', flag: '--memory-mb', path: ['limits', 'memoryMb'] },
  { key: 'cpuMs', flag: '--cpu-ms', path: ['limits', 'cpuMs'] },
  { key: 'timeoutMs', flag: '--timeout-ms', path: ['limits', 'timeoutMs'] },
  { key: 'concurrency', flag: '--concurrency', path: ['scaling', 'concurrency'] },
  { key: 'minInstances', flag: '--min-instances', path: ['scaling', 'minInstances'] },
  { key: 'maxInstances', flag: '--max-instances', path: ['scaling', 'maxInstances'] },
  { key: 'keepAliveMs', flag: '--keep-alive-ms', path: ['scaling', 'keepAliveMs'] },
];

/** Formats zod issues, spelling out "invalid key" errors (a bad function or variable name). */
export function describeIssues(error: z.ZodError, root = ''): string[] {
  const issues = error.issues.map((i) => {
    if (i.code !== 'invalid_key') return i;
    const key = String(i.path[i.path.length - 1] ?? '');
    const inner = (i as { issues?: Array<{ message: string }> }).issues?.[0]?.message;
    return { ...i, message: `"${key}" is not a valid name${inner ? `: ${inner}` : ''}` };
  });
  return formatIssues({ issues } as z.ZodError, root);
}

/**
 * The cairn.json that applies to files in `fromDir`: in that folder or a folder above it, up to the
 * project root (the nearest folder with package.json or .git) or else up to the working directory
 * when `fromDir` is inside it. Nothing above those is looked at.
 */
export function findProjectFile(fromDir: string, cwd = process.cwd()): string | null {
  const dirs: string[] = [];
  for (let d = resolve(fromDir); ; d = dirname(d)) {
    dirs.push(d);
    if (dirname(d) === d) break;
  }
  const boundary = dirs.findIndex((d) => existsSync(join(d, 'package.json')) || existsSync(join(d, '.git')));
  const atCwd = dirs.indexOf(resolve(cwd));
  const stop = boundary >= 0 ? boundary : atCwd >= 0 ? atCwd : 0;
  for (const d of dirs.slice(0, stop + 1)) {
    const f = join(d, PROJECT_FILE);
    if (existsSync(f)) return f;
  }
  return null;
}

export function labelOf(file: string, cwd = process.cwd()): string {
  const r = relative(cwd, file);
  return r && !r.startsWith('..') ? r.split(sep).join('/') : file;
}

/** Reads and validates a cairn.json; every problem is a CliError naming the file and the field. */
export function loadProject(file: string, cwd = process.cwd()): Project {
  const abs = resolve(cwd, file);
  const label = labelOf(abs, cwd);
  if (!existsSync(abs)) throw new CliError(`${label} does not exist`, { hint: 'check the --config path, or create one with `cairn init`' });
  if (statSync(abs).isDirectory()) throw new CliError(`${label} is a folder, not a cairn.json file`, { hint: `pass the file itself: --config ${join(label, PROJECT_FILE)}` });
  const text = readFileSync(abs, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${label}: not valid JSON: ${jsonErrorWhere(text, (err as Error).message)}`, { hint: `fix the JSON syntax of ${label}` });
  }
  const parsed = projectSchema.safeParse(raw);
  if (!parsed.success) throw validationError(label, describeIssues(parsed.error).map((e) => `${label}: ${e}`), `fix ${label}: a function is {"entry", "routes", "limits", "scaling", "vars", "secrets", "bindings", "egress", "auth"}`);
  const functions = ((raw as { functions?: Record<string, FunctionConfigInput> }).functions) ?? {};
  return { file: abs, dir: dirname(abs), label, config: parsed.data, raw: functions };
}

function jsonErrorWhere(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m || /line \d+/.test(message)) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${col})`;
}

function validationError(what: string, errors: string[], hint: string): CliError {
  if (errors.length === 1) return new CliError(errors[0] ?? what, { hint });
  return new CliError(`${what} has ${errors.length} errors:`, { details: errors, hint });
}

/**
 * Merges the flags over a function's configuration from cairn.json. Numbers replace, `--var` adds or
 * replaces variables, `--secret` and `--allow-egress` add to the lists, `--route` replaces the routes.
 * `--secret NAME` reads the value from the environment variable NAME. The result is validated.
 */
export function applyFlags(base: FunctionConfigInput | undefined, flags: ConfigFlags, opts: { env?: NodeJS.ProcessEnv; label?: string; name?: string } = {}): { config: FunctionConfigInput; secretValues: Record<string, string> } {
  const env = opts.env ?? process.env;
  const config = structuredClone(base ?? {}) as FunctionConfigInput & Record<string, unknown>;
  delete config.entry;
  /** Error path prefix → the flag that set it. */
  const fromFlag = new Map<string, string>();
  const problems: string[] = [];

  for (const f of NUMBER_FLAGS) {
    const v = flags[f.key];
    if (v === undefined) continue;
    const s = String(v).trim();
    if (!/^\d+$/.test(s)) { problems.push(`${f.flag}: expected a whole number, got "${String(v)}"`); continue; }
    const [section, field] = f.path;
    const obj = { ...(config[section] as Record<string, unknown> | undefined) };
    obj[field] = Number(s);
    (config as Record<string, unknown>)[section] = obj;
    fromFlag.set(`${section}.${field}`, `${f.flag} ${s}`);
  }

  if (flags.var?.length) {
    const vars = { ...(config.vars ?? {}) };
    for (const kv of flags.var) {
      const eq = kv.indexOf('=');
      if (eq <= 0) { problems.push(`--var "${kv}": expected KEY=VALUE`); continue; }
      const key = kv.slice(0, eq);
      vars[key] = kv.slice(eq + 1);
      fromFlag.set(`vars.${key}`, `--var ${key}`);
    }
    config.vars = vars;
  }

  const secretValues: Record<string, string> = {};
  if (flags.secret?.length) {
    const secrets = [...(config.secrets ?? [])];
    for (const name of flags.secret) {
      if (!ENV_NAME.test(name)) { problems.push(`--secret ${name}: a secret name is a JavaScript identifier (letters, digits, "_"), read from the environment variable of that name`); continue; }
      const value = env[name];
      if (value === undefined) { problems.push(`--secret ${name}: the environment variable ${name} is not set`); continue; }
      secretValues[name] = value;
      if (!secrets.includes(name)) secrets.push(name);
      fromFlag.set(`secrets[${secrets.indexOf(name)}]`, `--secret ${name}`);
    }
    config.secrets = secrets;
  }

  if (flags.allowEgress?.length) {
    const egress = { ...(config.egress ?? {}) };
    const allow = [...(egress.allow ?? [])];
    for (const host of flags.allowEgress) {
      if (!allow.includes(host)) allow.push(host);
      fromFlag.set(`egress.allow[${allow.indexOf(host)}]`, `--allow-egress ${host}`);
    }
    egress.allow = allow;
    config.egress = egress;
  }

  if (flags.route?.length) {
    config.routes = [...flags.route];
    flags.route.forEach((r, i) => fromFlag.set(`routes[${i}]`, `--route ${r}`));
  }

  if (problems.length === 0) {
    const r = functionConfigSchema.safeParse(config);
    if (!r.success) {
      const where = opts.label && opts.name ? `${opts.label}: functions.${opts.name}` : 'config';
      for (const line of describeIssues(r.error)) {
        const sep = line.indexOf(': ');
        const path = line.slice(0, sep);
        const msg = line.slice(sep + 2);
        const flag = [...fromFlag.entries()].find(([p]) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))?.[1];
        problems.push(flag ? `${flag}: ${msg}` : `${where}.${path === '(root)' ? '' : path}: ${msg}`.replace('.: ', ': '));
      }
    }
  }
  if (problems.length > 0) {
    const secretHint = problems.some((p) => p.startsWith('--secret') && p.includes('is not set'));
    throw validationError('the configuration', problems, secretHint
      ? '--secret NAME reads the value from the environment variable NAME: set it (export NAME=...) before deploying, or store it once with `cairn secret put NAME` and list it under "secrets" in cairn.json'
      : 'fix the flags (see `cairn deploy --help`) or cairn.json');
  }
  return { config, secretValues };
}

export interface DeployPlan {
  name: string;
  entryPath: string;
  /** Folder that file names in the bundle are relative to: the project's, else the entry's. */
  root: string;
  project: Project | null;
  /** Configuration to send (flags merged; `entry` removed). */
  config: FunctionConfigInput;
  /** Secret values to store before deploying (from --secret). */
  secretValues: Record<string, string>;
  /** Things worth telling the user (not errors). */
  notes: string[];
}

/** Works out what `cairn deploy <entry>` means: the function name, its configuration, the flags merged. */
export function planDeploy(entry: string, opts: { name?: string; config?: string; flags?: ConfigFlags; env?: NodeJS.ProcessEnv; cwd?: string } = {}): DeployPlan {
  const cwd = opts.cwd ?? process.cwd();
  const entryPath = resolve(cwd, entry);
  if (!existsSync(entryPath)) throw new CliError(`${entry} does not exist`, { hint: 'pass the path of the function\'s .ts or .js file' });
  if (statSync(entryPath).isDirectory()) throw new CliError(`${entry} is a folder`, { hint: 'pass the function\'s .ts or .js file (to deploy every function of a folder, use `cairn dev <dir>`)' });

  const projectFile = opts.config !== undefined ? resolve(cwd, opts.config) : findProjectFile(dirname(entryPath), cwd);
  const project = projectFile ? loadProject(projectFile, cwd) : null;
  const notes: string[] = [];

  let name = opts.name;
  if (name !== undefined) {
    if (!FUNCTION_NAME.test(name)) throw new CliError(`--name "${name}" is not a valid function name: 1-63 characters of a-z, 0-9 and "-", starting with a letter`, { hint: 'pick a name such as "hello" or "orders-api"' });
  } else {
    const matches = project ? Object.entries(project.config.functions).filter(([, f]) => f.entry !== undefined && resolve(project.dir, f.entry) === entryPath).map(([n]) => n) : [];
    if (matches.length > 1) {
      throw new CliError(`${project?.label} has ${matches.length} functions with the entry ${labelOf(entryPath, cwd)}: ${matches.join(', ')}`, { hint: `say which one with --name, e.g. --name ${matches[0]}` });
    }
    if (matches.length === 1) name = matches[0];
    else {
      const base = basename(entryPath, extname(entryPath));
      if (!FUNCTION_NAME.test(base)) {
        throw new CliError(`cannot name the function after ${basename(entryPath)}: a function name is 1-63 characters of a-z, 0-9 and "-", starting with a letter`, { hint: 'pass --name <fn>' });
      }
      name = base;
    }
  }
  if (name === undefined) throw new CliError('no function name', { hint: 'pass --name <fn>' });

  const fromProject = project?.config.functions[name];
  if (project && fromProject?.entry !== undefined && resolve(project.dir, fromProject.entry) !== entryPath) {
    notes.push(`${project.label} gives function "${name}" the entry ${fromProject.entry}; deploying ${labelOf(entryPath, cwd)} with that function's settings`);
  }
  const { config, secretValues } = applyFlags(project?.raw[name], opts.flags ?? {}, { env: opts.env, label: project?.label, name });
  return { name, entryPath, root: project?.dir ?? dirname(entryPath), project, config, secretValues, notes };
}
