// stream: answers a body produced chunk by chunk by a ReadableStream (?chunks=N, default 5, at
// most 100; ?delay=ms between chunks, default 100, at most 1000).
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const chunks = Math.min(100, Math.max(1, Number(url.searchParams.get('chunks') ?? 5) || 5));
    const delay = Math.min(1000, Math.max(0, Number(url.searchParams.get('delay') ?? 100) || 0));
    const encoder = new TextEncoder();
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (i > 0 && delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        i++;
        controller.enqueue(encoder.encode(`chunk ${i} of ${chunks}\n`));
        if (i === chunks) controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
  },
};
