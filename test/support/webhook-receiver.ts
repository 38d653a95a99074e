import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  answered: number | 'no answer';
  at: number;
}

/** How the receiver answers: a status code, or 'hang' (never answers). */
export type Answer = number | 'hang';

export interface TestWebhookReceiver {
  url: string;
  /** Every request, in arrival order, with the answer it got. */
  requests: ReceivedWebhook[];
  /** Only the requests answered 2xx. */
  accepted(): ReceivedWebhook[];
  /** Sets how the next requests are answered (default 200). */
  answer(a: Answer | ((r: ReceivedWebhook) => Answer)): void;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1: records each POST's headers and raw body. */
export async function startWebhookReceiver(path = '/hook'): Promise<TestWebhookReceiver> {
  let answer: Answer | ((r: ReceivedWebhook) => Answer) = 200;
  const hanging = new Set<ServerResponse>();
  const requests: ReceivedWebhook[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const r: ReceivedWebhook = { headers, body: Buffer.concat(chunks).toString('utf8'), answered: 'no answer', at: Date.now() };
      requests.push(r);
      const a = typeof answer === 'function' ? answer(r) : answer;
      if (a === 'hang') {
        hanging.add(res);
        return;
      }
      r.answered = a;
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    accepted: () => requests.filter((r) => typeof r.answered === 'number' && r.answered >= 200 && r.answered < 300),
    answer(a) {
      answer = a;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
