/**
 * Where the Redis session store lives (`SESSION_STORE`), parsed once at the configuration boundary, and
 * the ioredis client made from it: one node (`redis://`, `rediss://`) or a Redis Cluster
 * (`redis-cluster://`, `rediss-cluster://`, seed nodes separated by commas). Credentials come from the
 * URL (an ACL user, or the password alone for `default`); TLS is verified against Node's CAs, or
 * against the PEM of `SESSION_STORE_TLS_CA_FILE` when it is set. Verification is never turned off.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** One node or a Cluster: the store, the lock and the limiter run one-key commands only, so either will do. */
export type RedisClient = Redis | Cluster;

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | {
      kind: 'node';
      /** Passed to ioredis as written, as before clusters were supported. */
      url: string;
      tls: boolean;
      username: string | null;
      /** The database number from the URL's path; 0 when it has none. */
      db: number;
    }
  | {
      kind: 'cluster';
      tls: boolean;
      /** Where to start: ioredis learns every other node from `CLUSTER SLOTS`. */
      nodes: RedisNode[];
      username: string | null;
      password: string | null;
    };

const SCHEME = /^(rediss?)(-cluster)?:\/\//;
const DEFAULT_PORT = 6379;

/** `true` when `raw` names a Redis store (any of the four schemes), whether or not it is well-formed. */
export const isRedisStoreUrl = (raw: string): boolean => SCHEME.test(raw);

/**
 * The URL with its password replaced by `***`: the only form of a store URL that may be printed, logged
 * or put in an error message. Works on any `scheme://user:password@…`, well-formed or not.
 */
export function redactRedisUrl(raw: string): string {
  const start = raw.indexOf('://');
  if (start === -1) return raw;
  const authorityEnd = raw.slice(start + 3).search(/[/?#]/);
  const authority = authorityEnd === -1 ? raw.slice(start + 3) : raw.slice(start + 3, start + 3 + authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at === -1) return raw;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const shown = colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`;
  return raw.slice(0, start + 3) + shown + raw.slice(start + 3 + at);
}

const badlyEncoded = (shown: string) => `has a badly percent-encoded user or password: "${shown}"`;

const decode = (part: string): string | null => {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
};

/**
 * Parses a Redis store URL. Returns the target, or a problem (one line that never holds the password,
 * to be prefixed with the variable's name).
 */
export function parseRedisUrl(raw: string): RedisTarget | { problem: string } {
  const scheme = SCHEME.exec(raw);
  if (scheme === null) return { problem: `must start with redis://, rediss://, redis-cluster:// or rediss-cluster://` };
  const shown = redactRedisUrl(raw);
  // WHATWG URLs drop tabs and newlines silently: refuse them rather than connect somewhere unintended.
  // JSON-quoted, so the message stays one line.
  if (/[\s\p{Cc}]/u.test(raw))
    return { problem: `must not contain spaces or control characters: ${JSON.stringify(shown)}` };
  const tls = scheme[1] === 'rediss';
  if (scheme[2] === undefined) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { problem: `is not a valid URL: "${shown}"` };
    }
    if (url.hostname === '') return { problem: `names no host: "${shown}"` };
    const db = /^\/?(\d*)$/.exec(url.pathname)?.[1];
    if (db === undefined) return { problem: `may have only a database number as its path, got "${shown}"` };
    const username = decode(url.username);
    if (username === null || decode(url.password) === null) return { problem: badlyEncoded(shown) };
    return { kind: 'node', url: raw, tls, username: username || null, db: Number(db) };
  }
  // Several hosts in one authority are not a WHATWG URL: split by hand, then check each host as a URL.
  const rest = raw.slice(scheme[0].length).replace(/\/$/, '');
  if (/[/?#]/.test(rest)) return { problem: `for a cluster takes no path or query (database 0 only), got "${shown}"` };
  const at = rest.lastIndexOf('@');
  const userinfo = at === -1 ? null : rest.slice(0, at);
  const colon = userinfo?.indexOf(':') ?? -1;
  const username = userinfo === null ? '' : decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = userinfo === null || colon === -1 ? '' : decode(userinfo.slice(colon + 1));
  if (username === null || password === null) return { problem: badlyEncoded(shown) };
  const nodes: RedisNode[] = [];
  for (const hostPort of rest.slice(at + 1).split(',')) {
    let url: URL;
    try {
      url = new URL(`redis://${hostPort}`);
    } catch {
      return { problem: `has a node that is not host:port: "${shown}"` };
    }
    if (hostPort === '' || url.hostname === '' || url.username !== '' || url.pathname !== '') {
      return { problem: `has a node that is not host:port: "${shown}"` };
    }
    nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? DEFAULT_PORT : Number(url.port) });
  }
  return { kind: 'cluster', tls, nodes, username: username || null, password: password || null };
}

/**
 * A client for `target`. `options` are ioredis's single-node options, used unchanged for one node; for
 * a cluster `enableOfflineQueue`, `lazyConnect` and `retryStrategy` (as `clusterRetryStrategy`) apply
 * to the cluster and the rest to each node's connection. `tlsCaPem` replaces Node's CAs for `rediss`.
 */
export function createRedisClient(target: RedisTarget, tlsCaPem: string | null, options: RedisOptions): RedisClient {
  if (target.kind === 'node') {
    return new Redis(target.url, tlsCaPem === null || !target.tls ? options : { ...options, tls: { ca: tlsCaPem } });
  }
  const tls = target.tls ? (tlsCaPem === null ? {} : { ca: tlsCaPem }) : undefined;
  const { enableOfflineQueue, lazyConnect, retryStrategy, ...perNode } = options;
  return new Cluster(target.nodes, {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: retryStrategy }),
    // Keep host names as given: ioredis would otherwise resolve a seed node to an address, and a TLS
    // certificate names the host (managed services such as ElastiCache need exactly this).
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: {
      ...perNode,
      ...(target.username === null ? {} : { username: target.username }),
      ...(target.password === null ? {} : { password: target.password }),
      ...(tls === undefined ? {} : { tls }),
    },
  });
}

/** What the store, the refresh lock and the rate limiter run, inside their Lua scripts too, plus PING, INFO (ioredis's ready check) and QUIT. */
const STORE_COMMANDS = [
  'ping',
  'info',
  'quit',
  'hmget',
  'hget',
  'hset',
  'exists',
  'pexpire',
  'eval',
  'get',
  'set',
  'del',
  'sadd',
  'smembers',
  'srem',
  'incr',
  'multi',
  'exec',
];
/** What ioredis's Cluster client runs to learn the slots, check the cluster, and follow an ASK redirection. */
const CLUSTER_COMMANDS = ['cluster|slots', 'cluster|info', 'asking'];

/**
 * The least an ACL user needs for the store with this key prefix, as `ACL SETUSER <user> on ><password> <this>`
 * takes it: only keys under the prefix, no channels, only the commands above.
 */
export function redisAclRules(keyPrefix: string, target: RedisTarget): string {
  const commands = [
    ...STORE_COMMANDS,
    ...(target.kind === 'cluster' ? CLUSTER_COMMANDS : []),
    ...(target.kind === 'node' && target.db !== 0 ? ['select'] : []),
  ];
  return [`~${keyPrefix}*`, 'resetchannels', '-@all', ...commands.map((command) => `+${command}`)].join(' ');
}
