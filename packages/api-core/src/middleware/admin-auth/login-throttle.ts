export interface LoginThrottleOptions {
  /** Failed logins within `windowMs` that block an address. */
  maxFailures?: number;
  /** How far back failures count, and how long a blocked address waits. */
  windowMs?: number;
  /** Addresses remembered at most; past it the least recently seen is forgotten (bounded memory). */
  maxTracked?: number;
  /** The clock, in milliseconds (tests pin it). */
  now?: () => number;
}

export interface LoginThrottle {
  /** Seconds until `key` may try again; 0 when it is not blocked. */
  retryAfterSeconds(key: string): number;
  /** Records a failed login of `key`; true when this failure is the one that blocks it. */
  fail(key: string): boolean;
  /** A successful login forgets the address's failures. */
  succeed(key: string): void;
  /** Addresses currently remembered. */
  readonly size: number;
}

interface Entry {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

/**
 * Counts failed logins per client address: after `maxFailures` in `windowMs` the address is blocked
 * for `windowMs`. At most `maxTracked` addresses are remembered, least recently seen forgotten first,
 * so a flood of addresses costs bounded memory (and at worst forgets some counts early).
 *
 * @example
 * const throttle = createLoginThrottle({ maxFailures: 5, windowMs: 15 * 60_000 });
 * if (throttle.retryAfterSeconds(ip) > 0) return tooMany();
 * if (!ok) throttle.fail(ip);
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const maxFailures = options.maxFailures ?? 5;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const maxTracked = options.maxTracked ?? 10_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on every touch keeps the least recent first.
  const entries = new Map<string, Entry>();

  const touch = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxTracked) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };

  return {
    retryAfterSeconds(key) {
      const entry = entries.get(key);
      if (!entry) return 0;
      const t = now();
      if (entry.blockedUntil > t) return Math.ceil((entry.blockedUntil - t) / 1000);
      if (entry.blockedUntil > 0 || t - entry.windowStart >= windowMs) entries.delete(key);
      return 0;
    },
    fail(key) {
      const t = now();
      let entry = entries.get(key);
      if (!entry || entry.blockedUntil > 0 || t - entry.windowStart >= windowMs) {
        entry = { failures: 0, windowStart: t, blockedUntil: 0 };
      }
      entry.failures += 1;
      const blocks = entry.failures >= maxFailures;
      if (blocks) entry.blockedUntil = t + windowMs;
      touch(key, entry);
      return blocks;
    },
    succeed(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * The throttle's key for a client address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64,
 * since one host usually holds a whole /64 and could otherwise rotate through it.
 *
 * @example
 * throttleKey('::ffff:203.0.113.7'); // '203.0.113.7'
 * throttleKey('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 */
export function throttleKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [
        ...headGroups,
        ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'),
        ...tailGroups,
      ]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
