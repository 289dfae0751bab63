import type { FastifyServerOptions } from 'fastify';

/** What a module that logs needs of a logger; pino, Fastify's request loggers and test fakes all fit. */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** pino options for the process and for every app: JSON lines, credentials redacted. */
export function loggerOptions(level: string): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    // Credentials never reach the log, whatever is logged.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        'token',
        '*.token',
        'body.token',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  };
}
