// echo: answers the request it got as JSON: method, URL, headers and body (text, or base64 when the
// body is not UTF-8).
export default {
  async fetch(request: Request): Promise<Response> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    let body: string | null = null;
    let bodyBase64: string | null = null;
    if (bytes.byteLength > 0) {
      try {
        body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        let binary = '';
        for (const b of bytes) binary += String.fromCharCode(b);
        bodyBase64 = btoa(binary);
      }
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => { headers[name] = value; });
    const answer = { method: request.method, url: request.url, headers, body, bodyBase64, size: bytes.byteLength };
    return new Response(JSON.stringify(answer, null, 2), { headers: { 'content-type': 'application/json; charset=utf-8' } });
  },
};
