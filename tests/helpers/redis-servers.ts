/**
 * Private `redis-server` processes shaped like a managed Redis: TLS with a throwaway CA, ACL users, and
 * a 3-master Redis Cluster. Each belongs to the test that started it and is killed by its `stop()`;
 * the shared Redis on :6379 is never touched.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { promisify } from 'node:util';
import {
  createRedisClient,
  parseRedisUrl,
  redisAclRules,
  type RedisClient,
} from '../../server/sessions/redis-connection.ts';

const run = promisify(execFile);

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A CA and a server certificate it signed for 127.0.0.1 and localhost, made with Debian's openssl in `dir`. */
export async function makeTlsFiles(dir: string, name = 'ca'): Promise<TlsFiles> {
  mkdirSync(dir, { recursive: true });
  const file = (suffix: string) => join(dir, `${name}-${suffix}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const subject = `/CN=throwaway test CA ${name}`;
  await run('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', subject]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('ext.cnf'),
  ]);
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

export interface RedisProcess {
  port: number;
  /** What the server wrote (its log goes to stdout). */
  output(): string;
  /** Kills the process and waits for its end; calling it twice is harmless. */
  stop(): Promise<void>;
}

/** A port that is free, and whose cluster bus port (+10000) is free too. */
async function freeRedisPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await canListen(port)) && (await canListen(port + 10_000))) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Answers PING on `port` (over TLS trusting `caPem` when given)? */
function pings(port: number, caPem: string | null): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket =
      caPem === null
        ? createConnection({ port, host: '127.0.0.1' })
        : connectTls({ port, host: '127.0.0.1', ca: caPem, servername: 'localhost' });
    socket.once(caPem === null ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      // NOAUTH counts: the server is up, it only wants a user.
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
    });
    socket.once('error', () => resolve(false));
  });
}

/** `redis-server` with `args` (after the defaults) on a free port; resolves once it answers. */
async function startRedis(options: { args?: string[]; tls?: TlsFiles; port?: number } = {}): Promise<RedisProcess> {
  const port = options.port ?? (await freeRedisPort());
  const listen = options.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        options.tls.certFile,
        '--tls-key-file',
        options.tls.keyFile,
        '--tls-ca-cert-file',
        options.tls.caFile,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const child = spawn(
    'redis-server',
    [
      ...listen,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ended = false;
  void exited.then(() => (ended = true));
  const stop = async () => {
    if (!ended) child.kill('SIGKILL');
    await exited;
  };
  const caPem = options.tls ? readFileSync(options.tls.caFile, 'utf8') : null;
  const deadline = Date.now() + 10_000;
  while (!(await pings(port, caPem))) {
    if (ended || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on ${port} did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  return { port, output: () => output, stop };
}

export interface RedisCluster {
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` (no credentials). */
  url: string;
  nodes: RedisProcess[];
  /**
   * Creates the ACL user `name` with exactly `redisAclRules(keyPrefix)` on every node (a cluster does
   * not share ACL users), and returns the cluster's URL signed in as it.
   */
  addStoreUser(name: string, password: string, keyPrefix: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` nodes and no replicas in `dir`, made as an operator would: one
 * `redis-server --cluster-enabled yes` per node, then `redis-cli --cluster create`, then a wait until
 * every node says `cluster_state:ok`. `stop()` kills every node.
 */
export async function startRedisCluster(dir: string, masters = 3): Promise<RedisCluster> {
  mkdirSync(dir, { recursive: true });
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      const port = await freeRedisPort();
      const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'];
      const files = ['--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir];
      nodes.push(await startRedis({ port, args: [...clusterArgs, ...files] }));
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 10_000;
    for (const node of nodes) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(node.port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ok: ${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const url = `redis-cluster://${addresses.join(',')}`;
    const target = parseRedisUrl(url);
    if ('problem' in target) throw new Error(target.problem);
    return {
      url,
      nodes,
      async addStoreUser(name, password, keyPrefix) {
        const rules = redisAclRules(keyPrefix, target).split(' ');
        for (const node of nodes)
          await redisCli(node.port, ['ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, ...rules]);
        return url.replace('redis-cluster://', `redis-cluster://${name}:${encodeURIComponent(password)}@`);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A client for a store URL (a Cluster for `redis-cluster://`), trusting `caPem` for TLS, with ioredis's defaults. */
export function redisClientFor(url: string, caPem: string | null = null): RedisClient {
  const target = parseRedisUrl(url);
  if ('problem' in target) throw new Error(`${url}: ${target.problem}`);
  return createRedisClient(target, caPem, {});
}

/**
 * Runs one command on a node with redis-cli (as an admin would), e.g. `ACL SETUSER …`; `auth` is
 * `[user, password]`. redis-cli exits 0 on an error reply: that reply is thrown here instead.
 */
async function redisCli(
  port: number,
  args: string[],
  options: { tls?: TlsFiles; auth?: [string, string] } = {},
): Promise<string> {
  const tls = options.tls ? ['--tls', '--cacert', options.tls.caFile] : [];
  const auth = options.auth ? ['--user', options.auth[0], '--pass', options.auth[1], '--no-auth-warning'] : [];
  const { stdout } = await run('redis-cli', [...tls, ...auth, '-p', String(port), ...args]);
  const reply = stdout.trim();
  if (/^(ERR|WRONGPASS|NOPERM|NOAUTH) /.test(reply)) throw new Error(`redis-cli ${args.join(' ')}: ${reply}`);
  return reply;
}

/** The users of `startManagedRedis` and their passwords (the tests scan output for these). */
export const MANAGED_USERS = {
  admin: 'admin-password-for-the-test-only',
  store: 'store-password-that-must-never-be-printed',
  powerless: 'powerless-password-that-must-never-be-printed',
} as const;
export type ManagedUser = keyof typeof MANAGED_USERS;

export interface ManagedRedis extends RedisProcess {
  tls: TlsFiles;
  caPem: string;
  /** `rediss://<user>:<password>@127.0.0.1:<port>`; `password` defaults to the user's own. */
  url(user: ManagedUser, password?: string): string;
}

/**
 * A `redis-server` shaped like a managed Redis: TLS only, with a certificate from a throwaway CA; the
 * default user off; three ACL users: `admin` (everything), `store` (exactly `redisAclRules(keyPrefix)`,
 * what the BFF needs) and `powerless` (may sign in, PING and INFO, nothing more).
 */
export async function startManagedRedis(dir: string, keyPrefix: string): Promise<ManagedRedis> {
  const tls = await makeTlsFiles(dir);
  const server = await startRedis({ tls });
  const node = parseRedisUrl(`rediss://127.0.0.1:${server.port}`);
  const setUser = (name: string, password: string, rules: string[]) =>
    redisCli(server.port, ['ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, ...rules], { tls });
  try {
    if ('problem' in node) throw new Error(node.problem);
    await setUser('admin', MANAGED_USERS.admin, ['~*', '&*', '+@all']);
    await setUser('store', MANAGED_USERS.store, redisAclRules(keyPrefix, node).split(' '));
    await setUser('powerless', MANAGED_USERS.powerless, [`~${keyPrefix}*`, '-@all', '+ping', '+info']);
    await redisCli(server.port, ['ACL', 'SETUSER', 'default', 'off'], { tls, auth: ['admin', MANAGED_USERS.admin] });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    ...server,
    tls,
    caPem: readFileSync(tls.caFile, 'utf8'),
    url: (user, password = MANAGED_USERS[user]) =>
      `rediss://${user}:${encodeURIComponent(password)}@127.0.0.1:${server.port}`,
  };
}
