import t from 'tap';
import { type ConfigError, loadConfig } from '../src/config.js';

const base = { NODE_ENV: 'test', DATABASE_URL: 'postgres://u@127.0.0.1/db', JWT_SECRET: 'x'.repeat(32) };
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

t.test('GeoIP defaults: bundled data, no downloads, daily checks once enabled', async (t) => {
  t.same(loadConfig(base).geoip, {
    cityDb: null,
    asnDb: null,
    dir: '.data/geoip',
    maxmind: null,
    cityEdition: 'GeoLite2-City',
    asnEdition: 'GeoLite2-ASN',
    updateIntervalSeconds: 86400,
    downloadUrl: 'https://download.maxmind.com',
  });
  const set = loadConfig({
    ...base,
    DATA_DIR: '/var/lib/registry',
    GEOIP_CITY_DB: 'a.mmdb, b.mmdb',
    MAXMIND_ACCOUNT_ID: '123456',
    MAXMIND_LICENSE_KEY: 'abcDEF_123456_mmk',
    GEOIP_UPDATE_INTERVAL: '12h',
    GEOIP_ASN_EDITION: 'none',
    GEOIP_DOWNLOAD_URL: 'http://127.0.0.1:8080/',
  }).geoip;
  t.same(set.cityDb, ['a.mmdb', 'b.mmdb']);
  t.equal(set.dir, '/var/lib/registry/geoip');
  t.same(set.maxmind, { accountId: '123456', licenseKey: 'abcDEF_123456_mmk' });
  t.equal(set.asnEdition, null);
  t.equal(set.updateIntervalSeconds, 43200);
  t.equal(set.downloadUrl, 'http://127.0.0.1:8080');
});

t.test('bad GeoIP settings are refused with the variable named', async (t) => {
  t.match(problems({ MAXMIND_ACCOUNT_ID: '123456' }), [/MAXMIND_LICENSE_KEY must be set too/]);
  t.match(problems({ MAXMIND_LICENSE_KEY: 'abcDEF_123456_mmk' }), [/MAXMIND_ACCOUNT_ID must be set too/]);
  t.match(problems({ MAXMIND_ACCOUNT_ID: 'me', MAXMIND_LICENSE_KEY: 'has spaces in it' }), [
    /MAXMIND_ACCOUNT_ID must be the numeric/,
    /MAXMIND_LICENSE_KEY must be the license key/,
  ]);
  t.match(problems({ GEOIP_UPDATE_INTERVAL: '10m' }), [/GEOIP_UPDATE_INTERVAL must be a duration of at least 3600s/]);
  t.match(problems({ GEOIP_UPDATE_INTERVAL: 'daily' }), [/GEOIP_UPDATE_INTERVAL/]);
  t.match(problems({ GEOIP_CITY_EDITION: 'GeoLite2-Country' }), [/GEOIP_CITY_EDITION must be a MaxMind City edition/]);
  t.match(problems({ GEOIP_ASN_EDITION: 'GeoLite2 ASN' }), [/GEOIP_ASN_EDITION must be a MaxMind ASN edition id/]);
  t.match(problems({ GEOIP_DOWNLOAD_URL: 'not a url' }), [/GEOIP_DOWNLOAD_URL must be an http\(s\) URL/]);
  t.match(
    problems({ GEOIP_DOWNLOAD_URL: 'http://mirror.example.com' }),
    [/GEOIP_DOWNLOAD_URL must be https:\/\/ \(http:\/\/ only to 127\.0\.0\.1/],
    'the license key never travels in clear text',
  );
  t.match(problems({ GEOIP_CITY_DB: 'a.mmdb,,b.mmdb' }), [/GEOIP_CITY_DB must be one path, or several/]);
});
