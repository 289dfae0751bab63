// `npm run geoip:build`: compiles the bundled ASN lists into the table the service reads (normally
// done at the first start and cached). The Docker image runs it at build time, so that no
// container spends its first start on it. Writes to GEOIP_DIR, or $DATA_DIR/geoip.
import { join } from 'node:path';
import { asnCachePath, loadAsnTable } from '../src/enrich/geo/asn-cache.js';
import { BUNDLED_ASN } from '../src/enrich/geo/bundled.js';

const dir = process.env.GEOIP_DIR?.trim() || join(process.env.DATA_DIR?.trim() || '.data', 'geoip');
const log = (level: string) => (obj: object, msg: string) => process.stderr.write(`${level}: ${msg} ${JSON.stringify(obj)}\n`);
const table = await loadAsnTable(dir, BUNDLED_ASN, { info: log('info'), warn: log('warn') });
process.stdout.write(
  `${asnCachePath(dir, BUNDLED_ASN.version)}: ${table.counts.v4} IPv4 and ${table.counts.v6} IPv6 boundaries, ${table.counts.organizations} organisations, ${table.bytes.length} bytes\n`,
);
