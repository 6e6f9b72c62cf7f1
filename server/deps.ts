import type { PendingLogins } from './auth/pending-login.ts';
import type { BffConfig } from './config.ts';
import type { RateLimiter } from './http/middleware/rate-limit/index.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import type { SessionCookie } from './sessions/cookie.ts';
import type { SessionService } from './sessions/session-service.ts';
import type { SessionStore } from './sessions/types.ts';
import type { ShopifyClient } from './shopify/client.ts';
import type { GraphqlUpstream } from './shopify/graphql.ts';
import type { StorefrontApi } from './shopify/storefront.ts';
import type { TokenManager } from './tokens/manager.ts';

/** Everything the BFF's routes need, built once by `server/main.ts` (or a test). */
export interface AppDeps {
  config: BffConfig;
  store: SessionStore;
  cookie: SessionCookie;
  /** Sign-in starts per client address (`LOGIN_RATE_LIMIT_PER_MINUTE`). */
  loginLimiter: RateLimiter;
  /** Sign-ins in progress, in sealed cookies of the browsers that started them. */
  pendingLogins: PendingLogins;
  sessions: SessionService;
  tokens: TokenManager;
  shopify: ShopifyClient;
  upstream: GraphqlUpstream;
  /** The Storefront API for carts, or `null` without a Storefront API token (the cart routes do not exist). */
  storefront: StorefrontApi | null;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  newSessionId: () => string;
  /** The built storefront (`dist/client`), or `null` to serve no pages. */
  staticRoot: string | null;
  /** Set once a graceful shutdown has begun: `/readyz` answers 503 from then on. */
  lifecycle: { draining: boolean };
}
