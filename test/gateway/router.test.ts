import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Router, type RouteTarget } from '../../src/gateway/router.ts';
import { parseFunctionConfig } from '../../src/config/schema.ts';

function target(name: string, routes: string[] = []): RouteTarget {
  const r = parseFunctionConfig({ routes });
  assert.ok(r.ok);
  return { tenant: 'default', function: name, version: 'v1', config: r.config };
}

describe('Router', () => {
  it('routes /<name> and /<name>/* to the function by name', () => {
    const router = new Router();
    router.set(target('hello'));
    assert.equal(router.match('x', '/hello')?.function, 'hello');
    assert.equal(router.match('x', '/hello/a/b')?.function, 'hello');
    assert.equal(router.match('x', '/hellox'), null);
    assert.equal(router.match('x', '/'), null);
  });

  it('prefers explicit routes, host routes first and longest path first', () => {
    const router = new Router();
    router.set(target('api', ['/api/']));
    router.set(target('v2', ['/api/v2/*']));
    router.set(target('shop', ['shop.example.com/']));
    router.set(target('wild', ['*.example.org/x']));
    assert.equal(router.match('a.test', '/api/users')?.function, 'api');
    assert.equal(router.match('a.test', '/api/v2/users')?.function, 'v2');
    assert.equal(router.match('shop.example.com:8787', '/api/users')?.function, 'shop');
    assert.equal(router.match('eu.example.org', '/x/y')?.function, 'wild');
    assert.equal(router.match('eu.example.org', '/y'), null);
  });

  it('an exact path route matches the path and its subtree but not a longer name', () => {
    const router = new Router();
    router.set(target('exact', ['/status']));
    assert.equal(router.match('h', '/status')?.function, 'exact');
    assert.equal(router.match('h', '/status/deep')?.function, 'exact');
    assert.equal(router.match('h', '/statusbar'), null);
  });

  it('forgets deleted functions and their routes', () => {
    const router = new Router();
    router.set(target('api', ['/api/']));
    router.delete('api');
    assert.equal(router.match('h', '/api/x'), null);
    assert.equal(router.size, 0);
  });
});
