// npm run ha [-- --nodes 3]: a high-availability cluster on this machine (etcd, PostgreSQL under
// Patroni with synchronous replication, HAProxy, two registry instances). Prints the URLs and a
// service token, and stops everything it started on Ctrl-C (or SIGTERM).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { leftovers, startCluster } from './ha/cluster.js';

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '2' }, registries: { type: 'string', default: '2' } },
  strict: true,
});
const nodes = Number(values.nodes);
const registries = Number(values.registries);
if (![2, 3].includes(nodes)) {
  process.stderr.write('ha: --nodes must be 2 or 3\n');
  process.exit(2);
}
if (!Number.isInteger(registries) || registries < 1 || registries > 8) {
  process.stderr.write('ha: --registries must be 1 to 8\n');
  process.exit(2);
}

// Ctrl-C during the start: the exit handlers of the cluster module stop what was started so far.
const early = () => process.exit(130);
process.on('SIGINT', early);
process.on('SIGTERM', early);

const secret = process.env.JWT_SECRET ?? randomBytes(32).toString('base64url');
const log = (line: string) => process.stdout.write(`ha: ${line}\n`);
const cluster = await startCluster({
  nodes,
  registries,
  log,
  registryEnv: {
    JWT_SECRET: secret,
    WEBHOOK_SECRETS_KEY: process.env.WEBHOOK_SECRETS_KEY ?? randomBytes(32).toString('base64'),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? 'false',
  },
}).catch((error: Error) => {
  process.stderr.write(`ha: could not start: ${error.message}\n`);
  process.exit(1);
});

const token = createSigner({
  key: secret,
  algorithm: 'HS256',
  iss: 'session-registry',
  aud: 'session-registry',
  sub: 'operator',
  expiresIn: 12 * 3600 * 1000,
})({
  scope: 'sessions:read sessions:write webhooks:manage',
});
const leader = await cluster.leader();
process.stdout.write(`
Session Registry, highly available, on this machine:
  registry (HAProxy, round robin)  ${cluster.frontUrl}
${cluster.registries.map((r) => `  ${r.name.padEnd(31)}  ${r.url}`).join('\n')}
  PostgreSQL read-write (HAProxy)  ${cluster.databaseUrl}
${cluster.nodes.map((n) => `  ${`${n.name}${n === leader ? ' (leader)' : ''}`.padEnd(31)}  postgres 127.0.0.1:${n.pgPort}, Patroni REST http://127.0.0.1:${n.apiPort}`).join('\n')}
  etcd                             ${cluster.etcdUrl}
  HAProxy statistics               ${cluster.statsUrl}
  patronictl                       runuser -u postgres -- patronictl -c ${cluster.nodes[0].configFile} list

  export TOKEN=${token}
  curl -s -X POST ${cluster.frontUrl}/v1/sessions -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"userId":"u1","ip":"81.2.69.142"}'

Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping');
  await cluster.stop();
  const left = leftovers(cluster.dir);
  if (left.length > 0) {
    log(`still running: ${left.join('; ')}`);
    process.exit(1);
  }
  log('stopped; nothing left running');
  process.exit(0);
};
process.off('SIGINT', early);
process.off('SIGTERM', early);
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
// A registry or a Patroni node that dies on its own is reported; the cluster keeps running.
for (const r of cluster.registries)
  r.proc.child.once('exit', (code, signal) => !stopping && log(`${r.name} exited (${code ?? signal}): ${r.proc.output().slice(-2000)}`));
