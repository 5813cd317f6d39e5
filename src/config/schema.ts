// The function configuration contract (`cairn.json` and deploy flags), validated with zod so that
// every error names the path of the bad field and what was expected.
import { z } from 'zod';

export const FUNCTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const MB = 1024 * 1024;

export const functionName = z.string().regex(FUNCTION_NAME, 'a function name is 1-63 characters of a-z, 0-9 and "-", starting with a letter');

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a binding name is a JavaScript identifier (letters, digits, "_")');

/** A route is a path prefix ("/api/", "/api/*") or a host with an optional path ("shop.example.com/", "*.example.com/api"). */
const route = z.string().min(1).max(512).refine((r) => r.startsWith('/') || /^(\*\.)?[a-z0-9.-]+(:\d+)?(\/.*)?$/i.test(r), 'a route is a path prefix starting with "/" or a host name with an optional path');

export const limitsSchema = z.object({
  memoryMb: z.number().int().min(8).max(4096).default(128),
  cpuMs: z.number().int().min(1).max(15 * 60 * 1000).default(50),
  timeoutMs: z.number().int().min(1).max(15 * 60 * 1000).default(30_000),
  bodyBytes: z.number().int().min(0).max(100 * MB).default(10 * MB),
}).strict();

export const scalingSchema = z.object({
  concurrency: z.number().int().min(1).max(1000).default(1),
  minInstances: z.number().int().min(0).max(1000).default(0),
  maxInstances: z.number().int().min(1).max(1000).default(10),
  keepAliveMs: z.number().int().min(0).max(24 * 3600 * 1000).default(5 * 60 * 1000),
  queueDepth: z.number().int().min(0).max(100_000).default(1000),
  /** Keep-alive/pre-warm policy: 'fixed' keeps idle instances keepAliveMs; 'hybrid-histogram' learns the function's idle times (Shahrad et al., ATC 2020). */
  policy: z.enum(['fixed', 'hybrid-histogram']).default('fixed'),
}).strict().refine((s) => s.minInstances <= s.maxInstances, { message: 'minInstances must not exceed maxInstances', path: ['minInstances'] });

export const egressSchema = z.object({
  /** Hosts (name or IP, optional ":port") the function may reach even when they resolve to loopback, private or link-local addresses. */
  allow: z.array(z.string().min(1).max(255)).max(256).default([]),
  /** When false, only hosts in `allow` may be reached at all. */
  allowPublic: z.boolean().default(true),
}).strict();

export const bindingSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('kv'), namespace: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/).optional() }).strict(),
  /** The tenant's verifiable ledger (append, documents, transfers, proofs), acting as `function:<name>`. */
  z.object({ type: z.literal('ledger') }).strict(),
  /** Anomaly scoring with the platform's streaming detectors: env.AI.score(series, { detector }). */
  z.object({ type: z.literal('ai') }).strict(),
]);

/**
 * Canary analysis after a deploy (telemetry/canary.ts): for `windowMs` the new version's error rate
 * and latency are compared with the previous version's baseline; with `autoRollback` an anomalous
 * version is rolled back (actor `system:canary`). No default object, so configs without it keep
 * their version ids.
 */
export const canarySchema = z.object({
  autoRollback: z.boolean().default(false),
  windowMs: z.number().int().min(1000).max(24 * 3600 * 1000).default(5 * 60 * 1000),
}).strict();

/**
 * Abuse defence (telemetry/abuse-limiter.ts): a client whose request rate is far above the
 * function's typical per-client rate (and above `floorPerS`) is answered 429 until its rate has been
 * normal for `cooldownMs`. No default object, so configs without it keep their version ids; without
 * it nothing is limited (a function behind an untrusted proxy sees every request from one address,
 * so limiting is opt-in). `abuse: {}` turns it on with the defaults.
 */
export const abuseSchema = z.object({
  rateLimit: z.boolean().default(true),
  floorPerS: z.number().min(1).max(1_000_000).default(50),
  factor: z.number().min(1).max(1_000_000).default(10),
  cooldownMs: z.number().int().min(0).max(24 * 3600 * 1000).default(30_000),
}).strict();

export const authSchema = z.object({ mode: z.enum(['public']).default('public') }).strict();

export const functionConfigSchema = z.object({
  entry: z.string().min(1).optional(),
  routes: z.array(route).max(64).default([]),
  limits: limitsSchema.prefault({}),
  scaling: scalingSchema.prefault({}),
  auth: authSchema.prefault({}),
  egress: egressSchema.prefault({}),
  vars: z.record(envName, z.string().max(64 * 1024)).default({}),
  secrets: z.array(envName).max(256).default([]),
  bindings: z.record(envName, bindingSchema).default({}),
  canary: canarySchema.optional(),
  abuse: abuseSchema.optional(),
}).strict();

export type FunctionConfigInput = z.input<typeof functionConfigSchema>;
export type FunctionConfig = z.output<typeof functionConfigSchema>;
export type Limits = FunctionConfig['limits'];

export const projectSchema = z.object({
  $schema: z.string().optional(),
  functions: z.record(functionName, functionConfigSchema).default({}),
}).strict();
export type ProjectConfig = z.output<typeof projectSchema>;

/** Formats zod issues as "path: message" lines (the path uses dots and [i] like a JS accessor). */
export function formatIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((i) => {
    const path = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), root);
    return `${path || '(root)'}: ${i.message}`;
  });
}

export function parseFunctionConfig(input: unknown): { ok: true; config: FunctionConfig } | { ok: false; errors: string[] } {
  const r = functionConfigSchema.safeParse(input ?? {});
  return r.success ? { ok: true, config: r.data } : { ok: false, errors: formatIssues(r.error) };
}
