// POST /api/v1/functions/{name}/invoke: one invocation of the current version through the
// scheduler, answered as JSON (what `cairn invoke` prints).
import { z } from 'zod';
import { newId } from '../shared/ids.ts';
import type { InvocationInput, ResponseHead, ResponseSink } from '../runtime/isolate/types.ts';
import { conflict } from './problems.ts';
import { requireFunction } from './functions.ts';
import { defineRoute, type Route } from './router.ts';
import { functionNameParam } from './schemas.ts';
import { invokeResultView } from './views.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const invokeBody = z.object({
  method: z.string().regex(TOKEN, 'expected an HTTP method such as GET or POST').max(32).default('GET'),
  path: z.string().startsWith('/', 'a path starts with "/"').max(8192).regex(/^[^\s#]*$/, 'a path has no spaces or "#"').default('/'),
  headers: z.record(z.string().regex(TOKEN), z.string().regex(/^[^\r\n\0]*$/, 'a header value has no CR, LF or NUL'), {
    error: (iss) => (iss.code === 'invalid_key' ? 'not an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)' : undefined),
  }).default({}),
  body: z.string().optional(),
  bodyBase64: z.string().regex(BASE64, 'expected standard base64 (A-Z a-z 0-9 + /, padded with =)').optional(),
}).strict().superRefine((b, ctx) => {
  if (b.body !== undefined && b.bodyBase64 !== undefined) ctx.addIssue({ code: 'custom', path: ['bodyBase64'], message: 'give either body or bodyBase64, not both' });
  const m = b.method.toUpperCase();
  if ((m === 'GET' || m === 'HEAD') && (b.body !== undefined || b.bodyBase64 !== undefined)) ctx.addIssue({ code: 'custom', path: [b.body !== undefined ? 'body' : 'bodyBase64'], message: `a ${m} request cannot have a body` });
}).prefault({});

/** Buffers the whole response (the invoke answer is one JSON document). */
class BufferingSink {
  responseHead: ResponseHead | null = null;
  readonly chunks: Uint8Array[] = [];
  asSink(): ResponseSink {
    return { head: (h) => { this.responseHead = h; }, chunk: (b) => { this.chunks.push(b); } };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const invokeRoutes: Route[] = [
  defineRoute({
    method: 'POST', path: '/api/v1/functions/{name}/invoke', operationId: 'invoke', tag: 'functions', access: 'token', scope: 'tenant',
    summary: 'Run one invocation of the current version and answer its response, duration and CPU time.',
    params: { name: functionNameParam }, body: invokeBody,
    responses: { 200: { description: 'The invocation ran (its own status is in `status`)', schema: invokeResultView }, 409: { description: 'The function has no current version' } },
    async handle({ deps, tenant, params, body }) {
      const fn = await requireFunction(deps, tenant, params.name);
      if (fn.currentVersion === null) throw conflict(`Function "${fn.name}" has no current version to invoke.`, `Deploy it with \`cairn deploy <entry> --name ${fn.name}\`.`);
      const bytes = body.bodyBase64 !== undefined ? Buffer.from(body.bodyBase64, 'base64') : body.body !== undefined ? Buffer.from(body.body, 'utf8') : null;
      const input: InvocationInput = {
        id: newId(), method: body.method.toUpperCase(), url: `${deps.dataPlaneUrl.replace(/\/+$/, '')}${body.path}`,
        headers: Object.entries(body.headers).map(([k, v]) => [k.toLowerCase(), v] as [string, string]),
        body: bytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null,
      };
      const sink = new BufferingSink();
      const outcome = await deps.invoker.invoke({ tenant, function: fn.name, version: fn.currentVersion }, input, sink.asSink(), { trigger: 'admin' });
      const headers: Record<string, string> = {};
      for (const [k, v] of sink.responseHead?.headers ?? []) {
        const key = k.toLowerCase();
        headers[key] = headers[key] === undefined ? v : `${headers[key]}, ${v}`;
      }
      const payload = Buffer.concat(sink.chunks);
      let text: string | null;
      try { text = utf8.decode(payload); } catch { text = null; }
      return {
        status: 200,
        body: {
          invocationId: outcome.invocationId, version: outcome.version, status: outcome.status, headers,
          ...(text !== null ? { body: text } : { bodyBase64: payload.toString('base64') }),
          durationMs: outcome.durationMs, cpuMs: outcome.cpuMs, coldStart: outcome.coldStart, error: outcome.error,
        },
      };
    },
  }),
];
