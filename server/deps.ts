import type { Context } from 'hono';
import type { BffConfig } from './config.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import type { SessionRecord, SessionStore } from './sessions/types.ts';
import type { ShopifyClient } from './shopify/client.ts';
import type { GraphqlUpstream } from './shopify/graphql.ts';
import type { TokenManager } from './tokens/manager.ts';

/** The session cookie: it carries only the sealed session id. */
export interface SessionCookie {
  /** The session id, or `null` when absent, tampered, truncated, expired or sealed with a retired password. */
  read(c: Context): Promise<string | null>;
  write(c: Context, sid: string): Promise<void>;
  clear(c: Context): void;
}

/** Idle and absolute timeouts on top of the store. */
export interface SessionService {
  /** The live record, or `null` (a timed-out record is deleted on the way). */
  load(sid: string): Promise<SessionRecord | null>;
  /** Records activity (cheaply: at most one write a minute per session). */
  touch(sid: string, record: SessionRecord): Promise<void>;
}

/** Everything the BFF's routes need, built once by `server/main.ts` (or a test). */
export interface AppDeps {
  config: BffConfig;
  store: SessionStore;
  cookie: SessionCookie;
  sessions: SessionService;
  tokens: TokenManager;
  shopify: ShopifyClient;
  upstream: GraphqlUpstream;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  newSessionId: () => string;
  /** The built storefront (`dist/client`), or `null` to serve no pages. */
  staticRoot: string | null;
}
