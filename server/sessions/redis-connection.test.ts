import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl, redisAclRules, type RedisTarget } from './redis-connection.ts';

const target = (raw: string): RedisTarget => {
  const parsed = parseRedisUrl(raw);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
};

describe('parseRedisUrl', () => {
  it('keeps a single-node URL as written, for ioredis to read as it always has', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({
      kind: 'node',
      url: 'redis://127.0.0.1:6379',
      tls: false,
      username: null,
      db: 0,
    });
    expect(parseRedisUrl('rediss://bff:p%40ss@redis.example.com:6380/2')).toEqual({
      kind: 'node',
      url: 'rediss://bff:p%40ss@redis.example.com:6380/2',
      tls: true,
      username: 'bff',
      db: 2,
    });
    expect(target('redis://:only-a-password@localhost')).toMatchObject({ username: null, db: 0 });
  });

  it('reads a cluster URL: seed nodes, credentials (percent-decoded), TLS, default port 6379', () => {
    expect(parseRedisUrl('redis-cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]')).toEqual({
      kind: 'cluster',
      tls: false,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 6379 },
      ],
      username: null,
      password: null,
    });
    expect(parseRedisUrl('rediss-cluster://bff:p%40ss:w@rd@cfg.cache.example.com:6379/')).toEqual({
      kind: 'cluster',
      tls: true,
      nodes: [{ host: 'cfg.cache.example.com', port: 6379 }],
      username: 'bff',
      password: 'p@ss:w@rd',
    });
    expect(target('redis-cluster://:pw@h:1')).toMatchObject({ username: null, password: 'pw' });
  });

  it.each([
    ['postgres://x', 'must start with redis://, rediss://, redis-cluster:// or rediss-cluster://'],
    ['redis://a b', 'must not contain spaces or control characters: "redis://a b"'],
    ['redis://h\n:6379', 'must not contain spaces or control characters: "redis://h\\n:6379"'],
    ['redis://h:1:2', 'is not a valid URL: "redis://h:1:2"'],
    ['redis://h:99999', 'is not a valid URL: "redis://h:99999"'],
    ['redis:///tmp/redis.sock', 'names no host: "redis:///tmp/redis.sock"'],
    ['redis://u:secret@h/x', 'may have only a database number as its path, got "redis://u:***@h/x"'],
    [
      'redis-cluster://u:secret@h:1/0',
      'for a cluster takes no path or query (database 0 only), got "redis-cluster://u:***@h:1/0"',
    ],
    [
      'redis-cluster://h:1?tls=1',
      'for a cluster takes no path or query (database 0 only), got "redis-cluster://h:1?tls=1"',
    ],
    ['redis-cluster://h:1,,h:2', 'has a node that is not host:port: "redis-cluster://h:1,,h:2"'],
    ['redis-cluster://h:port', 'has a node that is not host:port: "redis-cluster://h:port"'],
    ['redis-cluster://', 'has a node that is not host:port: "redis-cluster://"'],
    ['redis-cluster://u:%E0%A4%A@h:1', 'has a badly percent-encoded user or password: "redis-cluster://u:***@h:1"'],
  ])('refuses %s with one line that never shows the password', (raw, problem) => {
    expect(parseRedisUrl(raw)).toEqual({ problem });
  });
});

describe('redactRedisUrl', () => {
  it.each([
    ['redis://user:secret@redis.internal:6380/0', 'redis://user:***@redis.internal:6380/0'],
    ['redis://:secret@h', 'redis://:***@h'],
    ['redis://user@h', 'redis://user@h'],
    ['redis://h:6379', 'redis://h:6379'],
    ['redis-cluster://u:s3cr@t@h1:1,h2:2', 'redis-cluster://u:***@h1:1,h2:2'],
    ['redis://u:secret@h/path@x', 'redis://u:***@h/path@x'],
    ['postgres://u:secret@h', 'postgres://u:***@h'],
    ['sqlite:.data/sessions.db', 'sqlite:.data/sessions.db'],
  ])('%s → %s', (raw, shown) => {
    expect(redactRedisUrl(raw)).toBe(shown);
  });
});

describe('redisAclRules', () => {
  it('allows the prefix and the store’s commands, and the cluster’s own commands only on a cluster', () => {
    const node = redisAclRules('bff:', target('redis://h'));
    expect(node).toMatch(/^~bff:\* resetchannels -@all \+ping \+info /);
    expect(node).toContain('+eval');
    expect(node).not.toContain('cluster');
    expect(node).not.toContain('+select');
    expect(redisAclRules('bff:', target('redis://h/3'))).toContain('+select');
    expect(redisAclRules('app:', target('redis-cluster://h:1'))).toMatch(
      /^~app:\* .* \+cluster\|slots \+cluster\|info \+asking$/,
    );
  });
});
