import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from './config/config';
import { requestId } from './common/http/request-context';

/** Structured JSON logs; a request id on every line of a request; no secrets or addresses. */
export function loggerModule(config: AppConfig) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.LOG_LEVEL,
      genReqId: (req, res) => requestId(req, res),
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.token', '*.email', '*.name'], censor: '[redacted]' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/token=[^&]+/g, 'token=[redacted]') }),
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
    },
  });
}
