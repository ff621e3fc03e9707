import { BlockList, isIP } from 'node:net';

/**
 * Which client addresses may push notifications: a comma list of IPv4 / IPv6 addresses
 * and CIDR ranges. An empty list allows everyone. IPv4 clients reaching a dual-stack
 * server appear as `::ffff:a.b.c.d`; they match the IPv4 entries.
 */
export interface IpAllowlist {
  readonly empty: boolean;
  allows(address: string | undefined): boolean;
}

export class AllowlistError extends Error {
  override name = 'AllowlistError';
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Throws an `AllowlistError` naming the first entry that is not an address or range. */
export function parseAllowlist(list: string | undefined): IpAllowlist {
  const entries = (list ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  const rules = new BlockList();
  for (const entry of entries) addEntry(rules, entry);
  return {
    empty: entries.length === 0,
    allows(address) {
      if (entries.length === 0) return true;
      const client = normaliseAddress(address ?? '');
      const family = isIP(client);
      return family !== 0 && rules.check(client, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

function addEntry(rules: BlockList, entry: string): void {
  const [rawAddress, rawPrefix, extra] = entry.split('/');
  const mapped = MAPPED_IPV4.exec(rawAddress);
  const address = mapped ? mapped[1] : rawAddress;
  const family = isIP(address);
  if (family === 0 || extra !== undefined) throw new AllowlistError(`not an IP address or CIDR range: "${entry}"`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (rawPrefix === undefined) {
    rules.addAddress(address, type);
    return;
  }
  const max = family === 4 ? 32 : 128;
  let prefix = /^\d{1,3}$/.test(rawPrefix) ? Number(rawPrefix) : NaN;
  if (mapped) prefix -= 96; // ::ffff:a.b.c.d/120 is a.b.c.d/24
  if (!(prefix >= 0 && prefix <= max)) throw new AllowlistError(`bad prefix length in "${entry}"`);
  rules.addSubnet(address, prefix, type);
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; a zone index (`fe80::1%eth0`) is dropped. */
export function normaliseAddress(address: string): string {
  const withoutZone = address.split('%')[0];
  const mapped = MAPPED_IPV4.exec(withoutZone);
  return mapped ? mapped[1] : withoutZone;
}
