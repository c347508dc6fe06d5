import { throttledClientOf } from '@ln/identity/application/shared/client-address';

describe('throttledClientOf', () => {
  it.each([
    ['an IPv4 address', '203.0.113.9', '203.0.113.9'],
    ['an IPv4-mapped IPv6 address', '::ffff:203.0.113.9', '203.0.113.9'],
    ['an IPv4-mapped IPv6 address in hex', '::ffff:cb00:7109', '203.0.113.9'],
    ['an IPv6 address', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['an IPv6 address with ::', '2001:db8::1', '2001:db8:0:0::/64'],
    ['another address of that /64', '2001:0db8:0000:0000:ffff:ffff:ffff:ffff', '2001:db8:0:0::/64'],
    ['upper-case hex', '2001:DB8:A::1', '2001:db8:a:0::/64'],
    ['IPv6 loopback', '::1', '0:0:0:0::/64'],
    ['a link-local address with a zone', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['an address with a dotted IPv4 tail', '64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
  ])('%s', (_label, address, client) => {
    expect(throttledClientOf(address)).toBe(client);
  });

  it('takes anything else as it is (never empty)', () => {
    expect(throttledClientOf('not-an-ip')).toBe('not-an-ip');
    expect(throttledClientOf('')).toBe('unknown');
  });

  it('puts the same /64 together and other /64s apart', () => {
    expect(throttledClientOf('2001:db8:1:2::1')).toBe(throttledClientOf('2001:db8:1:2:ffff::9'));
    expect(throttledClientOf('2001:db8:1:2::1')).not.toBe(throttledClientOf('2001:db8:1:3::1'));
  });
});
