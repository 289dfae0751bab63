import t from 'tap';
import { canonicalIp, isPublicIp, parseNetwork } from '../../src/enrich/ip.js';

t.test('canonicalIp: canonical forms', async (t) => {
  const cases: Array<[string, string]> = [
    ['1.2.3.4', '1.2.3.4'],
    ['255.255.255.255', '255.255.255.255'],
    ['0.0.0.0', '0.0.0.0'],
    // IPv4-mapped IPv6, dotted and hex, any case
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:102:304', '1.2.3.4'],
    ['0:0:0:0:0:ffff:0102:0304', '1.2.3.4'],
    ['::ffff:8.8.8.8', '8.8.8.8'],
    // RFC 5952: lower case, no leading zeros, longest zero run compressed, first on ties
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fe80:0000:0000:0000:0204:61ff:fe9d:f156', 'fe80::204:61ff:fe9d:f156'],
    ['2a00:1450:4001:080b:0000:0000:0000:200e', '2a00:1450:4001:80b::200e'],
    ['abcd:ef01:2345:6789:abcd:ef01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
    // an embedded dotted quad that is not IPv4-mapped stays IPv6, in hex
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['::1.2.3.4', '::102:304'],
  ];
  for (const [input, expected] of cases) t.equal(canonicalIp(input), expected, input);
});

t.test('canonicalIp: anything but a bare address is refused', async (t) => {
  const refused = [
    '',
    ' ',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.4\n',
    '1.2.3.\t4',
    '1.2.3.4:80',
    '[::1]:80',
    '[::1]',
    '[2001:db8::1]',
    '1.2.3.0/24',
    '2001:db8::/32',
    'fe80::1%eth0',
    'fe80::1%1',
    'localhost',
    'example.com',
    'cafe',
    'ffff',
    '01.2.3.4',
    '1.02.3.4',
    '1.2.3.004',
    '::ffff:01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.-1',
    '1::2::3',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '12345::1',
    '00000::1',
    'g::1',
    '0x7f.0.0.1',
    '2130706433',
    `${'1:'.repeat(22)}1`,
    '1'.repeat(46),
  ];
  for (const input of refused) t.equal(canonicalIp(input), null, JSON.stringify(input));
  t.equal(canonicalIp(null as unknown as string), null, 'non-strings');
  t.equal(canonicalIp(16909060 as unknown as string), null, 'numbers');
});

t.test('isPublicIp: special-purpose ranges are not public', async (t) => {
  const cases: Array<[string, boolean, string]> = [
    ['8.8.8.8', true, 'global IPv4'],
    ['81.2.69.142', true, 'global IPv4'],
    ['0.0.0.0', false, 'unspecified'],
    ['0.1.2.3', false, 'this network 0/8'],
    ['10.0.0.1', false, 'private 10/8'],
    ['10.255.255.255', false, 'private 10/8 end'],
    ['11.0.0.1', true, 'just past 10/8'],
    ['100.63.255.255', true, 'just before CGNAT'],
    ['100.64.0.1', false, 'CGNAT 100.64/10'],
    ['100.127.255.255', false, 'CGNAT end'],
    ['100.128.0.1', true, 'just past CGNAT'],
    ['127.0.0.1', false, 'loopback'],
    ['127.255.255.254', false, 'loopback 127/8'],
    ['169.254.1.1', false, 'link-local'],
    ['172.15.255.255', true, 'just before 172.16/12'],
    ['172.16.0.1', false, 'private 172.16/12'],
    ['172.31.255.255', false, 'private 172.16/12 end'],
    ['172.32.0.1', true, 'just past 172.16/12'],
    ['192.0.0.9', false, 'IETF protocol assignments 192.0.0/24'],
    ['192.0.2.1', false, 'TEST-NET-1'],
    ['192.88.99.1', false, '6to4 relay anycast'],
    ['192.168.1.1', false, 'private 192.168/16'],
    ['198.17.255.255', true, 'just before benchmarking'],
    ['198.18.0.1', false, 'benchmarking 198.18/15'],
    ['198.19.255.255', false, 'benchmarking end'],
    ['198.20.0.1', true, 'just past benchmarking'],
    ['198.51.100.7', false, 'TEST-NET-2'],
    ['203.0.113.9', false, 'TEST-NET-3'],
    ['224.0.0.1', false, 'multicast'],
    ['239.255.255.255', false, 'multicast end'],
    ['240.0.0.1', false, 'reserved 240/4'],
    ['255.255.255.255', false, 'broadcast'],
    ['2001:4860:4860::8888', true, 'global IPv6'],
    ['2a00:1450:4001:80b::200e', true, 'global IPv6'],
    ['2002:808:808::1', true, '6to4 of a public IPv4'],
    ['::', false, 'unspecified'],
    ['::1', false, 'loopback'],
    ['fe80::1', false, 'link-local'],
    ['febf:ffff::1', false, 'link-local end'],
    ['fc00::1', false, 'unique local'],
    ['fd12:3456:789a::1', false, 'unique local fd'],
    ['ff02::1', false, 'multicast'],
    ['2001:db8::1', false, 'documentation'],
    ['2001:db8:ffff::1', false, 'documentation end'],
    ['2001:2::1', false, 'benchmarking 2001:2::/48 (in 2001::/23)'],
    ['2001:1ff::1', false, 'IETF protocol assignments 2001::/23 end'],
    ['2001:db9::1', true, 'just past documentation'],
    ['2001::1', false, 'Teredo'],
    ['2001:200::1', true, 'just past 2001::/23'],
    ['3fff::1', false, 'documentation 3fff::/20'],
    ['64:ff9b::808:808', false, 'NAT64 is outside global unicast'],
    ['100::1', false, 'discard-only'],
    ['::ffff:8.8.8.8', true, 'mapped public IPv4'],
    ['::ffff:10.0.0.1', false, 'mapped private IPv4'],
    ['not an ip', false, 'not an address'],
    ['', false, 'empty'],
  ];
  for (const [address, expected, why] of cases) t.equal(isPublicIp(address), expected, `${address}: ${why}`);
});

t.test('parseNetwork: CIDR text, host bits cleared, with the bounds of its inet range', async (t) => {
  t.same(parseNetwork('81.2.69.142/24'), { cidr: '81.2.69.0/24', first: '81.2.69.0/24', last: '81.2.69.255' });
  t.same(parseNetwork('81.2.69.0/32'), { cidr: '81.2.69.0/32', first: '81.2.69.0/32', last: '81.2.69.0' });
  t.same(parseNetwork('0.0.0.0/0'), { cidr: '0.0.0.0/0', first: '0.0.0.0/0', last: '255.255.255.255' });
  t.same(parseNetwork('2A02:1234:5678:9ABC::1/48'), {
    cidr: '2a02:1234:5678::/48',
    first: '2a02:1234:5678::/48',
    last: '2a02:1234:5678:ffff:ffff:ffff:ffff:ffff',
  });
  t.same(
    parseNetwork('::ffff:81.2.69.0/120'),
    { cidr: '81.2.69.0/24', first: '81.2.69.0/24', last: '81.2.69.255' },
    'an IPv4-mapped network is the IPv4 one',
  );
  for (const bad of [
    '81.2.69.0',
    '81.2.69.0/33',
    '2a02::/129',
    '01.2.3.0/24',
    '81.2.69/24',
    '81.2.69.0/-1',
    '81.2.69.0/ 24',
    '::ffff:1.2.3.0/64',
    'fe80::1%eth0/64',
    'x/8',
    '',
    '/24',
    `${'1'.repeat(60)}/8`,
  ]) {
    t.equal(parseNetwork(bad), null, JSON.stringify(bad));
  }
});
