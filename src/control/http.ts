// Request-body reading and response writing for the admin API.
import type http from 'node:http';
import { Problem } from '../shared/problem.ts';
import { tooLarge } from './problems.ts';

export const MAX_JSON_BODY = 16 * 1024 * 1024;

function hasBody(req: http.IncomingMessage): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads a JSON request body. No body at all gives `undefined` (routes whose fields are all optional
 * accept that). A body needs `content-type: application/json` (415), fits in `limit` bytes (413) and
 * parses (400 bad-json).
 */
export async function readJsonBody(req: http.IncomingMessage, limit = MAX_JSON_BODY): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new Problem(415, 'unsupported-media-type', `The request body is ${type ? `"${type}"` : 'untyped'}; this endpoint takes JSON.`, {
      hint: 'Send the body as JSON with `content-type: application/json`.',
    });
  }
  const tooBig = (): Problem => tooLarge(`The request body exceeds ${limit} bytes.`, 'Send a smaller body; deploy bundles must stay under 10 MiB.');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooBig();
  const { chunks, size } = await collect(req, limit, tooBig);
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks, size).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Problem(400, 'bad-json', `The request body is not valid JSON: ${(err as Error).message}.`, { hint: 'Send a well-formed JSON document.' });
  }
}

/**
 * Buffers the body up to `limit` bytes. Past the limit it stops buffering and rejects, but keeps the
 * request flowing (discarding the rest) so the 413 answer reaches the client on an intact connection.
 */
function collect(req: http.IncomingMessage, limit: number, tooBig: () => Problem): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) { chunks.push(chunk); return; }
      cleanup();
      req.resume();
      reject(tooBig());
    };
    const onEnd = (): void => { cleanup(); resolve({ chunks, size }); };
    const onError = (err: Error): void => { cleanup(); reject(err); };
    const onAborted = (): void => { cleanup(); reject(new Error('the client closed the connection while sending the body')); };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendText(res: http.ServerResponse, status: number, text: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendProblem(res: http.ServerResponse, problem: Problem, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(problem.toJSON());
  res.writeHead(problem.status, { ...problem.headers(), 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
