// counter: counts visits in the KV store bound as env.KV (see "bindings" in cairn.json).
// GET answers the new count; DELETE resets it.
interface KVNamespace {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

interface Env {
  KV: KVNamespace;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const key = 'visits';
    if (request.method === 'DELETE') {
      await env.KV.delete(key);
      return new Response('reset\n', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    const visits = Number((await env.KV.get(key)) ?? '0') + 1;
    await env.KV.put(key, String(visits));
    return new Response(JSON.stringify({ visits }), { headers: { 'content-type': 'application/json; charset=utf-8' } });
  },
};
