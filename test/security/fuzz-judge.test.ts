import t from 'tap';
import { judge, type FuzzAnswer, type FuzzRequest, type Operation } from '../faults/support/fuzz-requests.js';

// The fault suite's fuzzing judges every answer with judge(): a judge that cannot fail would let
// any answer pass. These are the verdicts it must reach.

const op: Operation = { method: 'GET', path: '/v1/me/sessions', operation: {} };
const request: FuzzRequest = { method: 'GET', url: '/v1/me/sessions', headers: {} };
const json = (statusCode: number, body: unknown, type = 'application/json'): FuzzAnswer => ({
  statusCode,
  headers: { 'content-type': type },
  body: JSON.stringify(body),
});
const problem = (status: number, detail: string) =>
  json(status, { type: 'urn:session-registry:error:x', title: 'x', status, detail, code: 'x', requestId: 'r' }, 'application/problem+json');

t.test('statuses', async (t) => {
  t.equal(judge(op, request, json(200, { items: [] }), []), null);
  t.equal(judge(op, request, problem(404, 'Not found.'), []), null);
  t.equal(judge(op, request, json(500, {}), []), '5xx');
  t.equal(judge(op, request, json(503, {}), []), '5xx', 'a shed request is a finding');
  t.equal(judge(op, request, problem(418, 'x'), []), 'undocumented status 418');
  t.equal(judge(op, request, json(400, { error: 'x' }), []), 'error is not problem+json');
  t.equal(judge(op, request, json(200, 'ok', 'text/plain'), []), 'success is not JSON');
});

t.test('an error may echo its own input, never internals', async (t) => {
  t.equal(judge(op, request, problem(400, 'at /app/node_modules/pg/lib/client.js'), []), 'error leaks internals');
  const echoing = { ...request, url: '/v1/me/sessions?q=token_hash' };
  t.equal(judge(op, echoing, problem(400, 'q: token_hash is not allowed'), []), null);
});

t.test('a success may return what an earlier request stored, and nothing internal besides', async (t) => {
  const stored = json(200, { items: [{ name: "' UNION SELECT token_hash FROM sessions --" }] });
  t.equal(judge(op, request, stored, []), 'success leaks internals', 'not sent by anyone: a leak');
  const sent = ['/v1/me/sessions/1 {} {"name":"\' union select token_hash from sessions --"}'];
  t.equal(judge(op, request, stored, sent), null, 'sent earlier: stored data');
  t.equal(judge(op, request, stored, ['a', 'b', ...sent]), null, 'whichever of the earlier texts holds it');
  const trace = json(200, { items: [{ name: 'Error\\n    at Object.<anonymous>' }] });
  t.equal(judge(op, request, trace, sent), 'success leaks internals', 'a fragment none of them holds');
});
