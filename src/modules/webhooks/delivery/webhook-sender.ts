import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { isPublicAddress } from '../domain/endpoint';

/** At most this much of a response is read; the rest is not waited for. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export class PrivateAddressError extends Error {
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback, private or link-local address`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * A DNS lookup that refuses non-public addresses. The socket connects to the address this
 * returns, so the address checked is the address used: a name that resolves to a public address
 * when registered and to a private one later (DNS rebinding) is refused at every send.
 */
function publicOnlyLookup(hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback): void {
  dnsLookup(hostname, { family: typeof options.family === 'number' ? options.family : 0, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused || !addresses.length) return callback(new PrivateAddressError(hostname, refused?.address ?? 'nothing'), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/**
 * POSTs one signed message. Redirects are not followed (a 3xx is a failure), the whole exchange
 * is bounded by WEBHOOKS_TIMEOUT_SECONDS, and at most 64 KB of the response is read. Connections
 * are kept alive per host, so a fast receiver costs one round trip per event.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly requirePublic: boolean;
  private readonly timeoutMs: number;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.requirePublic = config.NODE_ENV === 'production' && !config.WEBHOOKS_ALLOW_PRIVATE_NETWORKS;
    this.timeoutMs = config.WEBHOOKS_TIMEOUT_SECONDS * 1000;
    const lookup = this.requirePublic ? publicOnlyLookup : undefined;
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 64, lookup }),
      https: new https.Agent({ keepAlive: true, maxSockets: 64, lookup }),
    };
  }

  send(rawUrl: string, body: string, headers: Record<string, string>): Promise<SendResult> {
    const started = performance.now();
    const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
    return new Promise<SendResult>((resolve) => {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return resolve(done({ ok: false, statusCode: null, error: 'invalid url' }));
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (this.requirePublic) {
        // An address literal is never looked up, so it is checked here.
        if (url.protocol !== 'https:') return resolve(done({ ok: false, statusCode: null, error: 'url must be https' }));
        if (isIP(host) && !isPublicAddress(host)) return resolve(done({ ok: false, statusCode: null, error: new PrivateAddressError(host, host).message }));
      }
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.agents.https : this.agents.http,
        ...(this.requirePublic ? { lookup: publicOnlyLookup } : {}),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body).toString(), 'user-agent': 'almanac-webhooks', ...headers },
      });
      const timer = setTimeout(() => req.destroy(new Error(`no response within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      const finish = (r: Omit<SendResult, 'durationMs'>) => {
        clearTimeout(timer);
        resolve(done(r));
      };
      req.on('error', (err) => finish({ ok: false, statusCode: null, error: err.message.slice(0, 500) }));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        let read = 0;
        const end = () => finish({ ok, statusCode: status, error: ok ? null : `HTTP ${status}` });
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            res.destroy();
            end();
          }
        });
        res.on('end', end);
        res.on('error', end);
      });
      req.end(body);
    });
  }

  onApplicationShutdown(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
