import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from './config/config';
import { requestId } from './common/http/request-context';

/**
 * Query parameters that carry a credential or personal data (`?email=` of the deliveries
 * search, link tokens), in any case or encoding of the name, keep their name only.
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:[^=&]*?)(?:token|email|name)(?:[^=&]*)=)[^&#]*/gi, '$1[redacted]');
}

/** Structured JSON logs; a request id on every line of a request; no secrets or addresses. */
export function loggerModule(config: AppConfig) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.LOG_LEVEL,
      genReqId: (req, res) => requestId(req, res),
      // Request bodies are never logged (the serializer below keeps id, method and URL only); the
      // paths are a second line of defence for anything a handler logs.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.token', 'req.query.email', 'req.body', '*.email', '*.name'], censor: '[redacted]' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
    },
  });
}
