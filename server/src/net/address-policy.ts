import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { OutboundPolicyError } from './errors.js';

/*
 * Which addresses outbound requests may reach.
 *
 * IPv4: only ipaddr.js range `unicast` passes. Everything else is refused, i.e.
 *   unspecified 0.0.0.0/8, loopback 127/8, private 10/8 172.16/12 192.168/16, linkLocal 169.254/16
 *   (cloud metadata 169.254.169.254), carrierGradeNat 100.64/10, multicast 224/4, broadcast
 *   255.255.255.255, reserved (192.0.0/24, documentation 192.0.2/24 198.51.100/24 203.0.113/24,
 *   6to4 relay 192.88.99/24, benchmarking 198.18/15, future use 240/4), as112 (192.175.48/24,
 *   192.31.196/24) and amt (192.52.193/24).
 * IPv6: only ipaddr.js range `unicast` *inside 2000::/3* (the global unicast block) passes. That refuses
 *   :: and ::1, IPv4-compatible ::a.b.c.d (deprecated, reaches v4 space), fe80::/10, fec0::/10,
 *   fc00::/7, ff00::/8, 100::/64 discard, 64:ff9b:1::/48 local NAT64, ::ffff:0:0:0/96 (rfc6145),
 *   5f00::/16 and every special block ipaddr.js names inside 2000::/3: teredo 2001::/32, 2001::/23,
 *   2001:db8::/32 and 3fff::/20 documentation, benchmarking, amt, as112v6, orchid, drone ids and
 *   6to4 2002::/16 (both tunnel formats embed an arbitrary IPv4 address and are deprecated).
 * Two IPv6 forms carry an IPv4 destination and are judged by that address instead:
 *   IPv4-mapped ::ffff:a.b.c.d and the NAT64 well-known prefix 64:ff9b::/96 (so an IPv6-only network
 *   with DNS64 keeps working while 64:ff9b::7f00:1 stays refused).
 *
 * The allowlist (KINFLOW_OUTBOUND_ALLOW) lifts the refusal for LAN targets, except for unspecified,
 * broadcast and multicast addresses: no HTTP server lives there, and 0.0.0.0 quietly means "this host".
 */

type IP = ipaddr.IPv4 | ipaddr.IPv6;

export interface AddressVerdict {
  /** Canonical text of the address that was judged. */
  address: string;
  /** ipaddr.js range name (`ipv4Mapped:loopback` for embedded IPv4, `notGlobal` outside 2000::/3). */
  range: string;
  allowed: boolean;
}

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');
const NEVER_ALLOWLISTED = new Set(['unspecified', 'broadcast', 'multicast']);

function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (addr.isIPv4MappedAddress()) return addr.toIPv4Address();
  if (addr.match(NAT64_WELL_KNOWN)) {
    const bytes = addr.toByteArray().slice(12);
    return new ipaddr.IPv4(bytes);
  }
  return undefined;
}

function parseStrict(address: string): IP | undefined {
  // net.isIP first: ipaddr.js alone also accepts "0x7f.1" style IPv4, which a resolver must never return.
  if (isIP(address) === 0) return undefined;
  try {
    return ipaddr.parse(address);
  } catch {
    return undefined;
  }
}

/** Judge one IP address against the built-in block list (ignores any allowlist). */
export function classifyAddress(address: string): AddressVerdict {
  const addr = parseStrict(address);
  if (!addr) return { address, range: 'invalid', allowed: false };
  if (addr.kind() === 'ipv4') {
    const range = addr.range();
    return { address: addr.toString(), range, allowed: range === 'unicast' };
  }
  const v6 = addr as ipaddr.IPv6;
  const canonical = v6.toRFC5952String();
  const inner = embeddedIPv4(v6);
  if (inner) {
    const innerRange = inner.range();
    const outer = v6.isIPv4MappedAddress() ? 'ipv4Mapped' : 'nat64';
    return { address: canonical, range: `${outer}:${innerRange}`, allowed: innerRange === 'unicast' };
  }
  const range: string = v6.range();
  if (range !== 'unicast') return { address: canonical, range, allowed: false };
  if (v6.match(GLOBAL_UNICAST_V6)) return { address: canonical, range, allowed: true };
  return {
    address: canonical,
    range: v6.match(IPV4_COMPATIBLE) ? 'ipv4Compatible' : 'notGlobal',
    allowed: false,
  };
}

export interface OutboundCidr {
  readonly network: IP;
  readonly prefix: number;
  readonly text: string;
}

/** Parsed `KINFLOW_OUTBOUND_ALLOW`: targets that may be reached even though they are private. */
export interface OutboundPolicy {
  /** Exact host names, lower-case, without a trailing dot. */
  readonly hosts: ReadonlySet<string>;
  /** From `*.home.lan` entries: `.home.lan` (matches sub-domains, not the bare domain). */
  readonly domainSuffixes: readonly string[];
  readonly cidrs: readonly OutboundCidr[];
}

export const EMPTY_OUTBOUND_POLICY: OutboundPolicy = Object.freeze({
  hosts: new Set<string>(),
  domainSuffixes: [],
  cidrs: [],
});

/** Lower-case, no trailing dot: the form names are compared in. */
function normalizeHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function parseCidrEntry(entry: string): OutboundCidr | undefined {
  const unbracketed = entry.replace(/^\[(.*)\](\/\d+)?$/, '$1$2');
  const [base = '', bits] = unbracketed.split('/', 2);
  const kind = isIP(base);
  if (kind === 0) return undefined;
  const prefix = bits === undefined ? (kind === 4 ? 32 : 128) : Number(bits);
  if (!/^\d+$/.test(bits ?? '0') || prefix > (kind === 4 ? 32 : 128)) {
    throw new OutboundPolicyError(entry, `"${entry}" has an invalid prefix length`);
  }
  let network: IP = ipaddr.parse(base);
  let effectivePrefix = prefix;
  // An allowlisted ::ffff:a.b.c.d/120 is the same target as a.b.c.d/24; compare in IPv4 space.
  if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    network = (network as ipaddr.IPv6).toIPv4Address();
    effectivePrefix = prefix - 96;
  }
  return { network, prefix: effectivePrefix, text: entry };
}

function parseHostEntry(entry: string): { host?: string; suffix?: string } {
  const wildcard = entry.startsWith('*.');
  const name = wildcard ? entry.slice(2) : entry;
  if (!/^[\p{L}\p{N}_.-]+$/u.test(name) || name.startsWith('.') || name.includes('..')) {
    throw new OutboundPolicyError(
      entry,
      `"${entry}" is not a host name, IP address or CIDR (ports and paths are not allowed)`,
    );
  }
  // The URL parser gives the same lower-case punycode form that request URLs are compared in.
  const normalized = normalizeHostName(new URL(`http://${name}/`).hostname);
  if (isIP(normalized.replace(/^\[|\]$/g, '')) !== 0) {
    throw new OutboundPolicyError(entry, `"${entry}" looks like an IPv4 address: write it as a.b.c.d`);
  }
  return wildcard ? { suffix: `.${normalized}` } : { host: normalized };
}

/**
 * Parse a comma-separated allowlist (`192.168.1.0/24,printer.local,127.0.0.1,*.home.lan`).
 * Throws OutboundPolicyError naming the first bad entry, so a typo fails at start-up, not at 3 a.m.
 */
export function parseOutboundAllowlist(raw: string | readonly string[] | undefined | null): OutboundPolicy {
  const entries = (typeof raw === 'string' ? raw.split(',') : (raw ?? []))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const hosts = new Set<string>();
  const domainSuffixes: string[] = [];
  const cidrs: OutboundCidr[] = [];
  for (const entry of entries) {
    const cidr = parseCidrEntry(entry);
    if (cidr) {
      cidrs.push(cidr);
      continue;
    }
    if (entry.includes('/')) throw new OutboundPolicyError(entry, `"${entry}" is not a valid CIDR`);
    const { host, suffix } = parseHostEntry(entry);
    if (host) hosts.add(host);
    if (suffix) domainSuffixes.push(suffix);
  }
  return Object.freeze({ hosts, domainSuffixes, cidrs });
}

export function isHostAllowlisted(policy: OutboundPolicy, hostname: string): boolean {
  const name = normalizeHostName(hostname);
  return policy.hosts.has(name) || policy.domainSuffixes.some((suffix) => name.endsWith(suffix));
}

export function isAddressAllowlisted(policy: OutboundPolicy, address: string): boolean {
  const parsed = parseStrict(address);
  if (!parsed) return false;
  const addr =
    parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
      ? (parsed as ipaddr.IPv6).toIPv4Address()
      : parsed;
  return policy.cidrs.some(
    (cidr) => cidr.network.kind() === addr.kind() && addr.match(cidr.network, cidr.prefix),
  );
}

/** Names that mean "this machine" whatever DNS says (RFC 6761 and Debian's /etc/hosts aliases). */
export function isLoopbackName(hostname: string): boolean {
  const name = normalizeHostName(hostname);
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === 'localhost.localdomain' ||
    name === 'ip6-localhost' ||
    name === 'ip6-loopback'
  );
}

/** The allowlist may lift a block, but never for ranges that cannot be a real HTTP peer. */
export function canAllowlistOverride(verdict: AddressVerdict): boolean {
  const base = verdict.range.includes(':') ? verdict.range.split(':')[1]! : verdict.range;
  return verdict.range !== 'invalid' && !NEVER_ALLOWLISTED.has(base);
}
