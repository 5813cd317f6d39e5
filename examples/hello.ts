// hello: answers "Hello from Cairn!" as text, and at .../json a JSON description of the request.
// A plain Workers-convention module: it runs unmodified on Cairn, workerd and Deno.
interface Env {
  GREETING?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const greeting = `${env.GREETING ?? 'Hello'} from Cairn!`;
    if (url.pathname.endsWith('/json')) {
      const body = {
        message: greeting,
        method: request.method,
        url: request.url,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        userAgent: request.headers.get('user-agent'),
        time: new Date().toISOString(),
      };
      return new Response(JSON.stringify(body, null, 2), { headers: { 'content-type': 'application/json; charset=utf-8' } });
    }
    return new Response(greeting, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};
