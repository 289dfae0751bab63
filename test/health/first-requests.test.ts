import t from 'tap';
import { buildTestApp, serviceToken } from '../helper.js';

// The start's own work blocks the event loop before the server listens (the GeoIP City data and
// the ASN table are read and built synchronously; modules are compiled as they load). Load
// shedding must not read that as overload: an instance that says it is ready serves.

/** The loop held for `ms` in chunks, as a start's synchronous steps hold it. */
async function busyStart(ms: number): Promise<void> {
  const chunk = 500;
  for (let spent = 0; spent < ms; spent += chunk) {
    const end = Date.now() + chunk;
    while (Date.now() < end) {
      // Busy, as a parser or a table build is.
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

t.test("the first requests after ready are not shed for the start's own work", async (t) => {
  // Shedding at a 100 ms mean delay: far above what an idle loop shows, far below a blocked one.
  const { app } = await buildTestApp(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '100' } });
  await busyStart(3000);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 200, '/readyz says ready on its first poll');
  const token = serviceToken(app);
  const created = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'first-caller', ip: '81.2.69.142' }),
  });
  t.equal(created.status, 201, 'the first login after ready is served');
  const listed = await fetch(`${base}/v1/users/first-caller/sessions`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(listed.status, 200, 'and the request after it');
});
