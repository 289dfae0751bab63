import t from 'tap';
import { Registry } from 'prom-client';
import { createHotCounter, createRequestMetrics } from '../../src/health/request-metrics.js';

const NAME = 'session_registry_http_request_duration_seconds';

t.test('requests are counted by route, method and status, and timed into cumulative buckets', async (t) => {
  const registry = new Registry();
  const metrics = createRequestMetrics(registry);
  for (const seconds of [0.0001, 0.0005, 0.003, 0.003, 0.2, 7]) metrics.record('/a/:id', 'POST', 200, seconds);
  metrics.record('/a/:id', 'POST', 410, 0.002);
  metrics.record('/b', 'GET', 200, 0.02);
  const text = await registry.metrics();
  t.match(text, '# TYPE session_registry_http_requests_total counter');
  t.match(text, 'session_registry_http_requests_total{route="/a/:id",method="POST",status="200"} 6');
  t.match(text, 'session_registry_http_requests_total{route="/a/:id",method="POST",status="410"} 1');
  t.match(text, 'session_registry_http_requests_total{route="/b",method="GET",status="200"} 1');
  t.match(text, `# TYPE ${NAME} histogram`);
  const bucket = (le: string, route = '/a/:id') =>
    Number(new RegExp(`^${NAME}_bucket\\{le="${le.replace('+', '\\+')}",route="${route}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  // An observation equal to a bound falls in that bucket (le is "less than or equal").
  t.equal(bucket('0.0005'), 2);
  t.equal(bucket('0.001'), 2);
  t.equal(bucket('0.0025'), 3, 'the 2 ms 410 counts for the route too');
  t.equal(bucket('0.005'), 5);
  t.equal(bucket('0.25'), 6);
  t.equal(bucket('1'), 6);
  t.equal(bucket('+Inf'), 7, '7 s is only in +Inf');
  t.match(text, new RegExp(`^${NAME}_count\\{route="/a/:id"\\} 7$`, 'm'));
  const sum = Number(new RegExp(`^${NAME}_sum\\{route="/a/:id"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  t.ok(Math.abs(sum - 7.2086) < 1e-9, `sum ${sum}`);
  t.equal(bucket('0.025', '/b'), 1);
  t.equal(bucket('0.01', '/b'), 0);
});

t.test('a hot counter reads its value at scrape time', async (t) => {
  const registry = new Registry();
  const counter = createHotCounter(registry, 'x_total', 'Things.');
  t.match(await registry.metrics(), /^x_total 0$/m);
  counter.inc();
  counter.inc(4);
  t.match(await registry.metrics(), /^# TYPE x_total counter$/m);
  t.match(await registry.metrics(), /^x_total 5$/m);
});
