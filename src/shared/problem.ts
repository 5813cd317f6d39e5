// RFC 9457 problem details: the one error shape of every HTTP surface (data plane and admin API).
// `code` is the stable machine-readable identifier; `type` is derived from it so clients can
// switch on either. `hint` tells the caller what to do next.

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  hint?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_BASE = 'https://cairn.dev/problems/';

export class Problem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly hint: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, detail: string, opts: { title?: string; hint?: string; retryAfterSeconds?: number; extensions?: Record<string, unknown> } = {}) {
    super(detail);
    this.status = status;
    this.code = code;
    this.title = opts.title ?? defaultTitle(status);
    this.hint = opts.hint;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.extensions = opts.extensions ?? {};
  }

  toJSON(instance?: string): ProblemBody {
    const body: ProblemBody = { type: PROBLEM_BASE + this.code, title: this.title, status: this.status, detail: this.message, code: this.code, ...this.extensions };
    if (this.hint) body.hint = this.hint;
    if (instance) body.instance = instance;
    return body;
  }

  headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/problem+json' };
    if (this.retryAfterSeconds !== undefined) h['retry-after'] = String(Math.max(1, Math.ceil(this.retryAfterSeconds)));
    return h;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

function defaultTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** Normalises anything thrown into a Problem; unknown errors become an opaque 500 (details go to the log, not the client). */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  return new Problem(500, 'internal', 'The node failed to handle this request.', { hint: 'Retry; if it persists, check the node logs for the request id.' });
}
