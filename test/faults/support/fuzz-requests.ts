import fc from 'fast-check';
import { deepJson, HOSTILE_URLS, hostileJson, hostileNumber, hostileString } from './hostile.js';
import { isProblem } from './problem.js';

// Requests for property-based fuzzing of the routes an OpenAPI document lists, and the judgement
// of their answers. Transport-neutral and free of the app: the fuzzing client process
// (fuzz-client.ts) generates and judges here, and sends over loopback HTTP.

/** A request as generated: sent as it is, or refused by the HTTP client (then not a trial). */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** An answer as the judge reads it. */
export interface FuzzAnswer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

// Placeholders replaced at run time: a session created for this one request, its own id, and
// the id of another active session of the same user.
export const FRESH = '@fresh-session-token@';
export const SELF = '@own-session-id@';
export const SIBLING = '@sibling-session-id@';

export const DOCUMENTED_ERRORS = [400, 401, 403, 404, 409, 410, 413, 415, 429, 431];
export const SUCCESS = [200, 201];
// Internals an answer must never carry (the input itself may be echoed in a validation detail).
export const LEAKS =
  /\n\s+at |node_modules|kysely|token_hash|sr_test_|pg_catalog|duplicate key|violates .* constraint|syntax error at|relation "/i;

export type Schema = Record<string, any>;
export interface Operation {
  method: string;
  path: string;
  operation: Schema;
}

export interface Fixture {
  doc: Schema;
  write: string;
  read: string;
  /** webhooks:manage only. */
  manage: string;
  webhooks: string[];
  /**
   * What requests sent so far that a success answer may echo back from storage: only the texts
   * that hold an internal-looking fragment are kept (one that holds none cannot explain one).
   */
  sent: string[];
  sessions: Array<{ id: string; token: string; userId: string }>;
  /** Sessions made for single requests so far (picks their user in turn). */
  made: number;
}

export function resolve(doc: Schema, schema: Schema): Schema {
  if (schema?.$ref) return resolve(doc, doc.components.schemas[String(schema.$ref).split('/').pop() as string]);
  return schema ?? {};
}

/** Values shaped by a JSON schema, with a fair share of type confusion and hostile strings. */
function fromSchema(doc: Schema, raw: Schema, fx: Fixture, key = '', depth = 0, tame = false): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  const confusion = depth > 3 ? fc.constant(null) : hostileJson;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants)
    return tame
      ? fc.oneof(...variants.map((s: Schema) => fromSchema(doc, s, fx, key, depth + 1, tame)))
      : fc.oneof(...variants.map((s: Schema) => fromSchema(doc, s, fx, key, depth + 1)), confusion);
  const valid = ((): fc.Arbitrary<unknown> => {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema.const !== undefined) return fc.constant(schema.const);
    switch (schema.type) {
      case 'object': {
        const properties: Record<string, Schema> = schema.properties ?? {};
        const known = Object.fromEntries(
          Object.entries(properties).map(([name, s]) => [name, fromSchema(doc, s, fx, name, depth + 1, tame)]),
        );
        const extra = tame
          ? fc.constant({})
          : schema.additionalProperties && typeof schema.additionalProperties === 'object'
            ? fc.dictionary(
                fc.oneof(hostileString, fc.constantFrom('sec-ch-ua', 'sec-ch-ua-platform', 'sec-ch-ua-mobile', 'note')),
                fromSchema(doc, schema.additionalProperties, fx, '', depth + 1),
                { maxKeys: 6 },
              )
            : fc.oneof(
                { arbitrary: fc.constant({}), weight: 6 },
                { arbitrary: fc.dictionary(hostileString, hostileJson, { maxKeys: 2 }), weight: 1 },
              );
        const required = (schema.required ?? []) as string[];
        const record = fc.oneof(
          { arbitrary: fc.record(known, { requiredKeys: required }), weight: 4 },
          { arbitrary: fc.record(known, { requiredKeys: [] }), weight: 1 },
        );
        return fc.tuple(record, extra).map(([a, b]) => ({ ...b, ...a }));
      }
      case 'array':
        return fc.array(fromSchema(doc, schema.items ?? {}, fx, key, depth + 1, tame), { maxLength: 4 });
      case 'integer':
        return fc.oneof(
          { arbitrary: fc.integer({ min: schema.minimum ?? -10, max: schema.maximum ?? 1000 }), weight: 4 },
          { arbitrary: hostileNumber, weight: tame ? 0 : 1 },
        );
      case 'number':
        return tame ? fc.integer({ min: 0, max: 100 }) : hostileNumber;
      case 'boolean':
        return fc.boolean();
      case 'string':
        return tame
          ? likelyString(schema, fx, key)
          : fc.oneof({ arbitrary: likelyString(schema, fx, key), weight: 3 }, { arbitrary: hostileString, weight: 1 });
      default:
        return hostileJson;
    }
  })();
  return tame ? valid : fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: confusion, weight: 1 });
}

function likelyString(schema: Schema, fx: Fixture, key: string): fc.Arbitrary<string> {
  if (schema.format === 'uuid' || key === 'exceptSessionId') return fc.oneof(fc.constantFrom(...fx.sessions.map((s) => s.id)), fc.uuid());
  if (key === 'token') return fc.oneof(fc.constantFrom(...fx.sessions.map((s) => s.token)), fc.constant(fx.write));
  if (key === 'ip')
    return fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.constantFrom('::ffff:81.2.69.142', '127.0.0.1', '10.0.0.1'));
  if (key === 'userId') return fc.constantFrom('alice', 'bob', 'carol');
  if (key === 'userAgent')
    return fc.oneof(
      fc.constantFrom(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
        'curl/8.0',
        'Immich_Android_1.120.0',
        'Googlebot/2.1',
      ),
      fc.string({ maxLength: 300 }),
    );
  if (key === 'network')
    return fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 33 })).map(([ip, n]) => `${ip}/${n}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 129 })).map(([ip, n]) => `${ip}/${n}`),
      fc.constantFrom('81.2.69.0/24', '0.0.0.0/0', '::/0', '::ffff:81.2.69.0/120'),
    );
  if (key === 'countryCode') return fc.oneof(fc.constantFrom('GB', 'us', 'SE', 'ZZ'), fc.string({ minLength: 2, maxLength: 2 }));
  if (key === 'createdAfter' || key === 'createdBefore')
    return fc.oneof(
      fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2026-06-01T12:00:00+02:00', '2026-02-30T00:00:00Z', '2026-06-01T23:59:60Z', '0000-01-01T00:00:00Z'),
    );
  if (key === 'name')
    return fc.oneof(fc.constantFrom('Work laptop', '  Phone  ', '\u{1F4BB}'.repeat(64), 'x'.repeat(65)), fc.string({ maxLength: 80 }));
  if (key === 'cursor')
    return fc.oneof(fc.base64String({ maxLength: 80 }), fc.string({ maxLength: 30 }), fc.stringMatching(/^[0-9]{1,19}$/));
  if (key === 'after')
    return fc.oneof(
      fc.stringMatching(/^[0-9]{1,20}$/).map((n) => Buffer.from(`p${n}`).toString('base64url')),
      fc.base64String({ maxLength: 40 }),
      fc.string({ maxLength: 30 }),
    );
  if (key === 'types')
    return fc.oneof(fc.constantFrom('session.ended', 'session.created,session.ended', 'session.nope', ','), fc.string({ maxLength: 30 }));
  // Names resolve offline in the fault apps (buildConfiguredApp); literal addresses are checked as they are.
  if (key === 'url') return fc.oneof(fc.constantFrom('https://hooks.example.com/in', ...HOSTILE_URLS), fc.webUrl());
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 64, 64) });
}

/** A path parameter: a real one, a well-formed stranger, or anything at all (encoded or not). */
function pathParam(name: string, fx: Fixture, me: boolean, webhooks: boolean): fc.Arbitrary<string> {
  const ids = me
    ? fc.constantFrom(...fx.sessions.map((s) => s.id), SELF, SIBLING, SIBLING)
    : fc.constantFrom(...fx.sessions.map((s) => s.id));
  const real = name === 'userId' ? fc.constantFrom('alice', 'bob', 'carol') : webhooks ? fc.constantFrom(...fx.webhooks) : ids;
  return fc.oneof(
    { arbitrary: real, weight: 4 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))), weight: 2 },
    { arbitrary: fc.constantFrom('%E0%A4%A', '%', '..', '%2e%2e', 'a'.repeat(300), '%00', ';', 'a%2Fb', '*'), weight: 1 },
  );
}

function queryString(operation: Schema, doc: Schema, fx: Fixture): fc.Arbitrary<string> {
  const params: Schema[] = (operation.parameters ?? []).filter((p: Schema) => p.in === 'query');
  const known = params.map((p) =>
    fc.option(
      fc
        .oneof(
          { arbitrary: fromSchema(doc, p.schema ?? {}, fx, p.name).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))), weight: 4 },
          { arbitrary: hostileString, weight: 1 },
        )
        .map((v) => `${encodeURIComponent(p.name)}=${encodeURIComponent(String(v).replace(/[\ud800-\udfff]/g, '?'))}`),
    ),
  );
  const extra = fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 3 }, { arbitrary: extras(), weight: 1 });
  return fc.tuple(fc.tuple(...known), extra).map(([a, b]) => {
    const parts = [...a.filter((x): x is string => x !== null), ...b];
    return parts.length > 0 ? `?${parts.join('&')}` : '';
  });
}

function extras(): fc.Arbitrary<string[]> {
  return fc.array(
    fc.oneof(
      fc
        .tuple(hostileString, hostileString)
        .map(
          ([k, v]) => `${encodeURIComponent(k.replace(/[\ud800-\udfff]/g, '?'))}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '?'))}`,
        ),
      fc.constantFrom(
        'limit=1&limit=2',
        'status[]=active',
        '__proto__[x]=1',
        'constructor[prototype][x]=1',
        '%zz=1',
        'cursor=%E0%A4%A',
        '=',
        '&&&',
        'flagged=maybe',
      ),
    ),
    { minLength: 1, maxLength: 3 },
  );
}

function authorization(fx: Fixture, me: boolean, webhooks: boolean): fc.Arbitrary<string | undefined> {
  const session = fc.constantFrom(...fx.sessions.map((s) => s.token));
  const service = webhooks ? fc.constantFrom(fx.manage, fx.manage, fx.manage, fx.write) : fc.constantFrom(fx.write, fx.read);
  const good = me ? fc.oneof({ arbitrary: fc.constant(FRESH), weight: 4 }, { arbitrary: session, weight: 1 }) : service;
  return fc.oneof(
    { arbitrary: good.map((tk) => `Bearer ${tk}`), weight: 12 },
    { arbitrary: (me ? fc.constantFrom(fx.write) : session).map((tk) => `Bearer ${tk}`), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: hostileString.map((s) => `Bearer ${s}`), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic YTpi',
        'bearer sr1_',
        `Bearer  ${fx.write}`,
        `Bearer ${fx.write}x`,
        `Bearer ${'A'.repeat(9000)}`,
      ),
      weight: 1,
    },
  );
}

interface Body {
  payload?: string;
  contentType?: string;
}

function bodyFor(operation: Schema, doc: Schema, fx: Fixture): fc.Arbitrary<Body> {
  const schema = operation.requestBody?.content?.['application/json']?.schema;
  const json = (value: unknown): Body => ({ payload: JSON.stringify(value) ?? 'null', contentType: 'application/json' });
  const none = fc.constant<Body>({});
  return fc.oneof(
    // Plausible bodies reach the service and the database; hostile ones test validation.
    { arbitrary: schema ? fromSchema(doc, schema, fx, '', 0, true).map(json) : none, weight: 20 },
    { arbitrary: schema ? fromSchema(doc, schema, fx).map(json) : none, weight: 12 },
    { arbitrary: hostileJson.map(json), weight: 2 },
    { arbitrary: deepJson.map((payload) => ({ payload, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.string({ maxLength: 200 }).map((payload) => ({ payload, contentType: 'application/json' })), weight: 1 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=utf-16',
            'application/xml',
            'application/json-patch+json',
            'foo',
            '',
          ),
          fc.string({ maxLength: 100 }),
        )
        .map(([contentType, payload]) => ({ payload, contentType })),
      weight: 1,
    },
    {
      arbitrary: fc
        .integer({ min: 65 * 1024, max: 200 * 1024 })
        .map((n) => ({ payload: JSON.stringify({ userId: 'a', userAgent: 'x'.repeat(n) }), contentType: 'application/json' })),
      weight: 1,
    },
    { arbitrary: none, weight: 1 },
  );
}

const headerValue = hostileString.map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').slice(0, 2000));
function extraHeaders(): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    {
      'user-agent': headerValue,
      'x-forwarded-for': fc.oneof(headerValue, fc.ipV4(), fc.constant('1.1.1.1, 2.2.2.2, unknown')),
      'x-real-ip': headerValue,
      'x-request-id': headerValue,
      accept: fc.constantFrom('*/*', 'text/html', 'application/xml', 'application/problem+json', ''),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', '*'),
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'identity'),
      'sec-ch-ua': headerValue,
    },
    { requiredKeys: [] },
  );
}

export function requestFor(op: Operation, fx: Fixture): fc.Arbitrary<FuzzRequest> {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const me = op.path.startsWith('/v1/me');
  const webhooks = op.path.startsWith('/v1/webhooks');
  const hasBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method);
  return fc
    .record({
      params: fc.tuple(...names.map((n) => pathParam(n, fx, me, webhooks))),
      query: queryString(op.operation, fx.doc, fx),
      auth: authorization(fx, me, webhooks),
      body: hasBody
        ? bodyFor(op.operation, fx.doc, fx)
        : fc.oneof(fc.constant<Body>({}), fc.constant<Body>({}), bodyFor(op.operation, fx.doc, fx)),
      headers: extraHeaders(),
    })
    .map(({ params, query, auth, body, headers }) => {
      let url = op.path;
      names.forEach((n, i) => (url = url.replace(`{${n}}`, params[i])));
      const all: Record<string, string> = { ...headers };
      if (auth !== undefined) all.authorization = auth;
      if (body.contentType !== undefined) all['content-type'] = body.contentType;
      return { method: op.method, url: url + query, headers: all, payload: body.payload };
    });
}

export interface Violation {
  request: string;
  status: number;
  body: string;
  why: string;
}

/** What a request sent, as the text an answer could echo. */
export function sentText(request: FuzzRequest): string {
  const url = String(request.url);
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // keep it encoded
  }
  return `${url} ${decoded} ${JSON.stringify(request.headers)} ${String(request.payload ?? '')}`.toLowerCase();
}

/** An internal-looking fragment (matching `pattern`) in the answer that no text of `sent` contains. */
function leaks(pattern: RegExp, sent: readonly string[], body: string): boolean {
  const found = body.match(new RegExp(pattern.source, 'gi')) ?? [];
  // Text by text, not joined: a stored hostile string comes back in every list answer, and
  // joining everything sent so far for each of them made the judging quadratic.
  return found.some((fragment) => !sent.some((text) => text.includes(fragment.toLowerCase())));
}

/** On success: stored data comes back (a user agent, metadata), so what any earlier request sent may too. */
export const SUCCESS_LEAKS = /token_hash|\\n\s+at /;

export function judge(op: Operation, request: FuzzRequest, response: FuzzAnswer, sentBefore: string[]): string | null {
  const status = response.statusCode;
  if (status >= 500) return '5xx';
  if (!DOCUMENTED_ERRORS.includes(status) && !SUCCESS.includes(status)) return `undocumented status ${status}`;
  if (status >= 400) {
    if (!isProblem(response)) return 'error is not problem+json';
    if (leaks(LEAKS, [sentText(request)], response.body)) return 'error leaks internals';
  }
  if (SUCCESS.includes(status) && /^\/v1\//.test(op.path) && !String(response.headers['content-type']).startsWith('application/json'))
    return 'success is not JSON';
  if (status < 400 && SUCCESS_LEAKS.test(response.body) && leaks(SUCCESS_LEAKS, sentBefore, response.body))
    return 'success leaks internals';
  return null;
}
