import { isIPv4, isIPv6 } from 'node:net';

/**
 * The unit a client is throttled as: an IPv4 address, or the /64 network of an IPv6 address (one
 * subscriber is routinely given a whole /64, so counting single IPv6 addresses would give an
 * attacker 2^64 fresh clients). An IPv4-mapped IPv6 address is its IPv4 address. The address is
 * the one the HTTP edge established (`TRUSTED_PROXIES`); anything else is taken as it is.
 */
export function throttledClientOf(address: string): string {
  const ip = address.trim();
  if (isIPv4(ip)) return ip;
  const withoutZone = ip.split('%')[0];
  if (!isIPv6(withoutZone)) return ip.length > 0 ? ip : 'unknown';
  const groups = ipv6Groups(withoutZone);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 as two groups). */
function ipv6Groups(ip: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = ip.split('::');
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
