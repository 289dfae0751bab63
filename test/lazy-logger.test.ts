import t from 'tap';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { lazyChildLoggerFactory } from '../src/http/lazy-logger.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) as unknown as FastifyBaseLogger };
}

const make = (parent: FastifyBaseLogger, bindings: Record<string, unknown>) =>
  lazyChildLoggerFactory.call({} as FastifyInstance, parent, bindings, {}, {} as never);

t.test('a request logger is only built when something is logged', async (t) => {
  const { logger } = capture();
  let children = 0;
  const parent = new Proxy(logger, {
    get(target, key, receiver) {
      if (key === 'child') {
        return (...args: Parameters<FastifyBaseLogger['child']>) => {
          children++;
          return target.child(...args);
        };
      }
      return Reflect.get(target, key, receiver);
    },
  });
  const quiet = make(parent, { requestId: 'r1' });
  t.equal(children, 0, 'no child for a request that logs nothing');
  quiet.info('one');
  quiet.warn('two');
  t.equal(children, 1, 'one child, built on first use and kept');
});

t.test('lines carry the bindings and respect the level', async (t) => {
  const { lines, logger } = capture();
  const log = make(logger, { requestId: 'r2' });
  log.debug('below the level');
  log.info({ route: '/x' }, 'hello');
  log.error(new Error('boom'));
  const nested = log.child({ part: 'inner' });
  nested.warn('from a grandchild');
  t.equal(lines.length, 3);
  t.match(lines[0], { requestId: 'r2', route: '/x', msg: 'hello', level: 30 });
  t.match(lines[1], { requestId: 'r2', level: 50, err: { message: 'boom' } });
  t.match(lines[2], { requestId: 'r2', part: 'inner', level: 40 });
  t.equal(log.level, 'info');
});
