import type { LoggerService } from '@nestjs/common';
import { Logger, LoggerModule } from 'nestjs-pino';
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

/** Nest's own start-up chatter (a line per module and route): debug, so start-up at info is one line. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

export function withQuietFramework(logger: Logger): LoggerService {
  const framework = (params: unknown[]) => FRAMEWORK_CONTEXTS.has(params[params.length - 1] as string);
  return {
    log: (message: unknown, ...params: unknown[]) => (framework(params) ? logger.debug(message, ...params) : logger.log(message, ...params)),
    error: (message: unknown, ...params: unknown[]) => logger.error(message, ...params),
    warn: (message: unknown, ...params: unknown[]) => logger.warn(message, ...params),
    debug: (message: unknown, ...params: unknown[]) => logger.debug(message, ...params),
    verbose: (message: unknown, ...params: unknown[]) => logger.verbose(message, ...params),
    fatal: (message: unknown, ...params: unknown[]) => logger.fatal(message, ...params),
  };
}
