import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyFlags, findProjectFile, loadProject, planDeploy } from '../../src/cli/config.ts';
import { CliError } from '../../src/cli/errors.ts';

let dir: string;

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const FN = 'export default { fetch() { return new Response("x"); } };\n';

function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a CliError');
}

/** Every line the error would print: message and details. */
function lines(e: CliError): string[] {
  return [e.message, ...e.details];
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-config-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadProject', () => {
  it('prints schema errors with the file and the path of the bad field', () => {
    const f = write('bad/cairn.json', JSON.stringify({ functions: { hello: { entry: 'hello.ts', limits: { cpuMs: 'fast' } } } }));
    const e = cliError(() => loadProject(f, dir));
    assert.equal(e.message, 'bad/cairn.json: functions.hello.limits.cpuMs: Invalid input: expected number, received string');
    assert.equal(e.exitCode, 1);
    assert.ok(e.hint);
  });

  it('lists every error when there are several', () => {
    const f = write('many/cairn.json', JSON.stringify({ functions: { Hello: {}, ok: { vars: { '1x': 'a' }, scaling: { minInstances: 5, maxInstances: 2 }, color: 'red' } } }));
    const e = cliError(() => loadProject(f, dir));
    assert.match(e.message, /many\/cairn\.json has 4 errors/);
    assert.deepEqual(e.details.sort(), [
      'many/cairn.json: functions.Hello: "Hello" is not a valid name: a function name is 1-63 characters of a-z, 0-9 and "-", starting with a letter',
      'many/cairn.json: functions.ok.scaling.minInstances: minInstances must not exceed maxInstances',
      'many/cairn.json: functions.ok.vars.1x: "1x" is not a valid name: a binding name is a JavaScript identifier (letters, digits, "_")',
      'many/cairn.json: functions.ok: Unrecognized key: "color"',
    ].sort());
  });

  it('reports invalid JSON with its line', () => {
    const f = write('json/cairn.json', '{\n  "functions": {\n    "hello": { entry: "x" }\n  }\n}\n');
    const e = cliError(() => loadProject(f, dir));
    assert.match(e.message, /^json\/cairn\.json: not valid JSON: .*line 3/);
  });

  it('loads a valid file with defaults applied and the raw input kept', () => {
    const f = write('good/cairn.json', JSON.stringify({ functions: { hello: { entry: 'hello.ts', limits: { cpuMs: 100 } } } }));
    const p = loadProject(f, dir);
    assert.equal(p.config.functions.hello?.limits.cpuMs, 100);
    assert.equal(p.config.functions.hello?.limits.memoryMb, 128);
    assert.deepEqual(p.raw.hello, { entry: 'hello.ts', limits: { cpuMs: 100 } });
  });
});

describe('findProjectFile', () => {
  it('finds cairn.json in the folder or above it, up to the project root', () => {
    write('proj/package.json', '{}');
    const f = write('proj/cairn.json', '{}');
    mkdirSync(join(dir, 'proj/src/deep'), { recursive: true });
    assert.equal(findProjectFile(join(dir, 'proj/src/deep')), f);
    assert.equal(findProjectFile(join(dir, 'proj')), f);
  });

  it('outside a project, looks up to the working directory, else only in the folder itself', () => {
    const f = write('loose/cairn.json', '{}');
    mkdirSync(join(dir, 'loose/sub'), { recursive: true });
    assert.equal(findProjectFile(join(dir, 'loose/sub'), join(dir, 'loose')), f);
    assert.equal(findProjectFile(join(dir, 'loose/sub'), join(dir, 'loose/sub')), null);
    assert.equal(findProjectFile(join(dir, 'loose/sub'), '/nowhere'), null);
  });
});

describe('applyFlags', () => {
  it('merges flags over the configuration: numbers replace, vars merge, lists grow, routes replace', () => {
    const { config, secretValues } = applyFlags(
      { entry: 'x.ts', limits: { cpuMs: 10, memoryMb: 64 }, vars: { A: '1', B: '2' }, secrets: ['S1'], egress: { allow: ['db.internal'] }, routes: ['/old/'] },
      { cpuMs: '200', maxInstances: '4', keepAliveMs: '0', var: ['B=two', 'C=x=y'], secret: ['S2', 'S1'], allowEgress: ['10.0.0.5:5432'], route: ['/api/', 'shop.example.com/'] },
      { env: { S1: 'one', S2: 'two' } },
    );
    assert.deepEqual(config, {
      limits: { cpuMs: 200, memoryMb: 64 },
      scaling: { maxInstances: 4, keepAliveMs: 0 },
      vars: { A: '1', B: 'two', C: 'x=y' },
      secrets: ['S1', 'S2'],
      egress: { allow: ['db.internal', '10.0.0.5:5432'] },
      routes: ['/api/', 'shop.example.com/'],
    });
    assert.deepEqual(secretValues, { S2: 'two', S1: 'one' });
  });

  it('does not modify the configuration it was given', () => {
    const base = { limits: { cpuMs: 10 } };
    applyFlags(base, { cpuMs: '20' });
    assert.deepEqual(base, { limits: { cpuMs: 10 } });
  });

  it('names the flag of a value that is not a number', () => {
    const e = cliError(() => applyFlags({}, { memoryMb: 'lots' }));
    assert.equal(e.message, '--memory-mb: expected a whole number, got "lots"');
  });

  it('names the flag of a value out of range', () => {
    const e = cliError(() => applyFlags({}, { cpuMs: '0' }));
    assert.equal(e.message, '--cpu-ms 0: Too small: expected number to be >=1');
  });

  it('names the flag when it breaks a rule together with cairn.json, and the file when the file does', () => {
    const e = cliError(() => applyFlags({ scaling: { maxInstances: 2 } }, { minInstances: '5' }, { label: 'cairn.json', name: 'hello' }));
    assert.equal(e.message, '--min-instances 5: minInstances must not exceed maxInstances');
    const f = cliError(() => applyFlags({ scaling: { minInstances: 3 } }, { maxInstances: '2' }, { label: 'cairn.json', name: 'hello' }));
    assert.equal(f.message, 'cairn.json: functions.hello.scaling.minInstances: minInstances must not exceed maxInstances');
  });

  it('rejects a --var without "=" and a bad variable name', () => {
    assert.equal(cliError(() => applyFlags({}, { var: ['NOVALUE'] })).message, '--var "NOVALUE": expected KEY=VALUE');
    assert.match(cliError(() => applyFlags({}, { var: ['1BAD=x'] })).message, /^--var 1BAD: "1BAD" is not a valid name/);
  });

  it('requires the environment variable of a --secret', () => {
    const e = cliError(() => applyFlags({}, { secret: ['API_KEY'] }, { env: {} }));
    assert.equal(e.message, '--secret API_KEY: the environment variable API_KEY is not set');
    assert.match(e.hint ?? '', /export NAME=|cairn secret put/);
    assert.match(cliError(() => applyFlags({}, { secret: ['bad-name'] }, { env: { 'bad-name': 'x' } })).message, /^--secret bad-name: a secret name is a JavaScript identifier/);
  });

  it('names the flag of a bad route', () => {
    const e = cliError(() => applyFlags({}, { route: ['/ok/', 'no spaces please'] }));
    assert.equal(e.message, '--route no spaces please: a route is a path prefix starting with "/" or a host name with an optional path');
  });

  it('collects every problem', () => {
    const e = cliError(() => applyFlags({}, { cpuMs: 'x', timeoutMs: 'y', secret: ['MISSING'] }, { env: {} }));
    assert.match(e.message, /has 3 errors/);
    assert.deepEqual(lines(e).slice(1), [
      '--cpu-ms: expected a whole number, got "x"',
      '--timeout-ms: expected a whole number, got "y"',
      '--secret MISSING: the environment variable MISSING is not set',
    ]);
  });
});

describe('planDeploy', () => {
  it('takes the name and settings from the one cairn.json function with that entry', () => {
    write('plan1/cairn.json', JSON.stringify({ functions: { greeter: { entry: 'src/index.ts', vars: { A: '1' } }, other: { entry: 'other.ts' } } }));
    write('plan1/package.json', '{}');
    const entry = write('plan1/src/index.ts', FN);
    const plan = planDeploy(entry, { cwd: dir, flags: { var: ['B=2'] } });
    assert.equal(plan.name, 'greeter');
    assert.equal(plan.root, join(dir, 'plan1'));
    assert.deepEqual(plan.config, { vars: { A: '1', B: '2' } });
    assert.equal(plan.project?.label, 'plan1/cairn.json');
  });

  it('falls back to the file name, and --name wins', () => {
    const entry = write('plan2/my-func.ts', FN);
    assert.equal(planDeploy(entry, { cwd: dir }).name, 'my-func');
    assert.equal(planDeploy(entry, { cwd: dir, name: 'other' }).name, 'other');
    assert.deepEqual(planDeploy(entry, { cwd: dir }).config, {});
  });

  it('uses the settings of the named function from --config', () => {
    const cfg = write('plan3/conf/prod.json', JSON.stringify({ functions: { api: { limits: { cpuMs: 75 } } } }));
    const entry = write('plan3/api.ts', FN);
    const plan = planDeploy(entry, { cwd: dir, config: cfg });
    assert.equal(plan.name, 'api');
    assert.deepEqual(plan.config, { limits: { cpuMs: 75 } });
  });

  it('refuses names it cannot use, with a hint', () => {
    const entry = write('plan4/Bad_Name.ts', FN);
    const e = cliError(() => planDeploy(entry, { cwd: dir }));
    assert.match(e.message, /cannot name the function after Bad_Name\.ts/);
    assert.match(e.hint ?? '', /--name/);
    assert.match(cliError(() => planDeploy(entry, { cwd: dir, name: 'Nope!' })).message, /--name "Nope!" is not a valid function name/);
  });

  it('asks for --name when several functions share the entry', () => {
    write('plan5/cairn.json', JSON.stringify({ functions: { a: { entry: 'f.ts' }, b: { entry: './f.ts' } } }));
    const entry = write('plan5/f.ts', FN);
    const e = cliError(() => planDeploy(entry, { cwd: dir }));
    assert.match(e.message, /2 functions with the entry plan5\/f\.ts: a, b/);
    assert.equal(planDeploy(entry, { cwd: dir, name: 'b' }).name, 'b');
  });

  it('names a missing entry and a broken cairn.json', () => {
    assert.match(cliError(() => planDeploy(join(dir, 'nope.ts'), { cwd: dir })).message, /nope\.ts does not exist/);
    write('plan6/cairn.json', JSON.stringify({ functions: { f: { limits: { cpuMs: -1 } } } }));
    const entry = write('plan6/f.ts', FN);
    assert.match(cliError(() => planDeploy(entry, { cwd: dir })).message, /^plan6\/cairn\.json: functions\.f\.limits\.cpuMs: Too small/);
  });
});
