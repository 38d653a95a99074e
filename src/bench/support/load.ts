import autocannon from 'autocannon';
import type { Progress } from './progress';
import { LatencySummary, round, summarize } from './stats';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Paths to cycle through (one per request); `url` then only gives the origin. */
  paths?: string[];
}

export interface LoadResult {
  /** 2xx responses per second over the run. */
  rate: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  statusCodes: Record<string, number>;
  /** Of 2xx responses, measured per request (autocannon's own histogram has 1 ms resolution). */
  latencyMs: LatencySummary;
}

/** HTTP load with autocannon: `connections` clients, each sending its next request as the previous one is answered. */
export async function load(o: LoadOptions, progress: Progress, phase: string): Promise<LoadResult> {
  const samples: number[] = [];
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  let cursor = 0;
  const paths = o.paths;
  const instance = autocannon(
    {
      url: o.url,
      connections: o.connections,
      duration: o.seconds,
      method: o.method ?? 'GET',
      headers: o.headers,
      body: o.body,
      timeout: 10,
      ...(paths ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: paths[cursor++ % paths.length] }) }] } : {}),
    },
    () => undefined,
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      samples.push(responseTime);
    }
  });
  const result = await progress.timed(phase, o.seconds, new Promise<autocannon.Result>((resolve) => instance.on('done', resolve)), () => `${ok} ok`);
  const seconds = result.duration;
  return {
    rate: round(ok / seconds, 1),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    statusCodes,
    latencyMs: summarize(samples),
  };
}
