import { Agent, request } from 'node:http';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** When the response was complete (performance.now()). */
  at: number;
}

/**
 * A small keep-alive HTTP client for the paced scenarios (lag, sync), where the bench measures
 * each request itself: fetch's extra machinery would sit in every figure.
 */
export class HttpClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets = 64) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpReply> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request({ host: this.url.hostname, port: this.url.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async json<T>(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string>; expect?: number[] } = {},
  ): Promise<{ status: number; body: T; headers: HttpReply['headers']; at: number }> {
    const r = await this.send(method, path, opts);
    if (opts.expect && !opts.expect.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 500)}`);
    return { status: r.status, body: (r.body ? JSON.parse(r.body) : undefined) as T, headers: r.headers, at: r.at };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` at once. */
export async function inParallel(n: number, concurrency: number, task: (i: number) => Promise<void>, onDone?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        await task(i);
        onDone?.(++done);
      }
    }),
  );
}
