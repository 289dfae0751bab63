import t from 'tap';
import { EventEmitter } from 'node:events';
import { lifecycle, StopRequested } from '../src/lifecycle.js';

// The process's stop, driven through its own emitter: every path stops every part, the embedded
// database last, and the exit code says whether the stop was orderly.

function harness(timeoutMs = 600000) {
  const events = new EventEmitter();
  const messages: string[] = [];
  const exits: number[] = [];
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const logger = {
    info: (_: object, msg: string) => messages.push(msg),
    warn: (_: object, msg: string) => messages.push(msg),
    error: (_: object, msg: string) => messages.push(msg),
  };
  const life = lifecycle({ logger, timeoutMs, events, exit: (code) => (exits.push(code), exited(code)) });
  return { events, life, messages, exits, exit };
}

function part(name: string, calls: string[], until: Promise<void> = Promise.resolve()) {
  return {
    name,
    stop: async () => {
      calls.push(`${name} stop`);
      await until;
      calls.push(`${name} stopped`);
    },
    stopNow: async () => {
      calls.push(`${name} stopNow`);
    },
  };
}

t.test('a repeated signal (SIGINT or SIGTERM) during the stop never skips stopping the database; exit 0', async (t) => {
  const { events, life, messages, exits, exit } = harness();
  const calls: string[] = [];
  let finish: () => void = () => {};
  life.add(part('database', calls));
  life.add(part('app', calls, new Promise<void>((resolve) => (finish = resolve))));
  life.started();
  events.emit('SIGINT', 'SIGINT');
  events.emit('SIGINT', 'SIGINT'); // the terminal's and npm's copies of one Ctrl-C
  events.emit('SIGTERM', 'SIGTERM');
  t.same(calls, ['app stop'], 'in-flight work is still finishing');
  finish();
  t.equal(await exit, 0);
  t.same(calls, ['app stop', 'app stopped', 'database stop', 'database stopped'], 'the app, then the database, once each');
  t.same(exits, [0], 'exits once');
  t.equal(messages.filter((m) => m.startsWith('already stopping')).length, 2);
});

t.test('out of time: every part is stopped at once, the database included; exit 1', async (t) => {
  const { events, life, messages, exit } = harness(20);
  const calls: string[] = [];
  life.add(part('database', calls));
  life.add(part('app', calls, new Promise<void>(() => {})));
  life.started();
  events.emit('SIGTERM', 'SIGTERM');
  t.equal(await exit, 1);
  t.same(calls, ['app stop', 'app stopNow', 'database stopNow']);
  t.ok(messages.includes('shutdown did not finish'));
});

t.test('an uncaught error stops in order; exit 1', async (t) => {
  const { events, life, messages, exit } = harness();
  const calls: string[] = [];
  life.add(part('database', calls));
  life.add(part('app', calls));
  life.started();
  events.emit('uncaughtException', new Error('boom'));
  t.equal(await exit, 1);
  t.same(calls, ['app stop', 'app stopped', 'database stop', 'database stopped']);
  t.ok(messages.includes('stopping after an unexpected error'));
});

t.test('a part that fails to stop does not keep the next from stopping; exit 1', async (t) => {
  const { events, life, exit } = harness();
  const calls: string[] = [];
  life.add(part('database', calls));
  life.add({ name: 'app', stop: async () => Promise.reject(new Error('stuck')) });
  life.started();
  events.emit('SIGINT', 'SIGINT');
  t.equal(await exit, 1);
  t.same(calls, ['database stop', 'database stopped']);
});

t.test('a signal during the start stops what started once the current step ends; exit 0', async (t) => {
  const { events, life, exit } = harness();
  const calls: string[] = [];
  life.add(part('database', calls));
  events.emit('SIGINT', 'SIGINT');
  t.same(calls, [], 'the step under way is not cut');
  let stopped: unknown = null;
  try {
    life.checkpoint();
  } catch (error) {
    stopped = error;
  }
  t.ok(stopped instanceof StopRequested);
  await life.startFailed(stopped);
  t.equal(await exit, 0);
  t.same(calls, ['database stop', 'database stopped']);
});

t.test('a failed start stops what started; exit 1', async (t) => {
  const { life, exit } = harness();
  const calls: string[] = [];
  life.add(part('database', calls));
  life.checkpoint();
  const write = process.stderr.write;
  let printed = '';
  process.stderr.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stderr.write;
  try {
    await life.startFailed(new Error('port 3000 is taken'));
  } finally {
    process.stderr.write = write;
  }
  t.equal(await exit, 1);
  t.same(calls, ['database stop', 'database stopped']);
  t.match(printed, /session-registry failed to start: port 3000 is taken/);
});
