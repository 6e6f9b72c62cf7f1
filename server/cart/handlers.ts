import type { Handler } from 'hono';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { parseGraphqlRequest } from '../api/graphql.ts';
import { checkStorefrontOperations } from './allowed-operations.ts';
import type { AppEnv } from '../http/env.ts';
import { parseJsonObject, readJsonObject, requestBody } from '../http/json-body.ts';
import { liveSession, updateSession } from '../http/middleware/session/index.ts';
import { logEvent } from '../observability/events.ts';
import { sessionIdHash } from '../observability/ids.ts';
import type { CartAttachment } from '../../client/messages.ts';
import { rejectsCustomerToken, type StorefrontApi } from '../shopify/storefront.ts';
import { UNAUTHORIZED } from '../tokens/manager.ts';
import { CAS_ATTEMPTS } from '../tokens/write-tokens.ts';

/** A Storefront API cart id: `gid://shopify/Cart/<token>`, with Shopify's optional `?key=…`. */
const CART_ID = /^gid:\/\/shopify\/Cart\/[A-Za-z0-9_-]{1,200}(\?key=[A-Za-z0-9_-]{1,200})?$/;

/**
 * `POST /api/storefront/graphql`: the page's cart calls (no session needed), checked and rebuilt like
 * the customer proxy's, sent with the store's private token and the buyer's address. Shopify's answer
 * as is, but for its own trouble, which becomes the BFF's JSON 503.
 * @throws AppError BAD_REQUEST, UPSTREAM_UNAVAILABLE, CONFIG (the store's token refused)
 */
export const storefrontGraphqlHandler = (storefront: StorefrontApi): Handler<AppEnv> =>
  async function storefrontGraphql(c) {
    const request = parseGraphqlRequest(parseJsonObject(await requestBody(c)));
    checkStorefrontOperations(request.query);
    const body = JSON.stringify(request);
    const answer = await storefront.checkedCall(body, c.get('clientAddress'));
    c.header('Content-Type', answer.contentType);
    return c.body(answer.body, answer.status as 200);
  };

/**
 * `POST /api/cart/buyer-identity { cartId }`: binds the cart to the signed-in customer with their access
 * token (refreshed first when due; refreshed and tried once more if Shopify does not take it), and
 * remembers the cart so that sign-out detaches it. Answers the cart's id, checkout URL and buyer, or
 * Shopify's userErrors — never the token.
 * @throws AppError BAD_REQUEST, REAUTH_REQUIRED, UPSTREAM_UNAVAILABLE, UPSTREAM_INVALID
 */
export const buyerIdentityHandler = (deps: AppDeps, storefront: StorefrontApi): Handler<AppEnv> =>
  async function buyerIdentity(c) {
    const { cartId } = await readJsonObject(c);
    if (typeof cartId !== 'string' || !CART_ID.test(cartId)) {
      throw new AppError('BAD_REQUEST', '"cartId" must be a Storefront API cart id (gid://shopify/Cart/…)');
    }
    const live = liveSession(c);
    const buyerIp = c.get('clientAddress');
    const { result, record } = await deps.tokens.withAccessToken(
      live.sid,
      async (current) => {
        const answered: CartAttachment = await storefront.updateBuyerIdentity(cartId, current.accessToken, buyerIp);
        return rejectsCustomerToken(answered) ? UNAUTHORIZED : { result: answered, record: current };
      },
      { loaded: live.record },
    );
    let stored = record;
    if (result.cart !== null && record.cartId !== cartId) {
      // Compare-and-set: a refresh that wrote meanwhile keeps its tokens; the cart id goes on top of them.
      // Seen now, too: the session middleware's touch after this answer then has nothing to write.
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
        const base = attempt === 0 ? stored : await deps.store.get(live.sid);
        if (base === null) break;
        const written = await deps.store.compareAndSet(live.sid, base.version, {
          ...base,
          cartId,
          lastSeenAtMs: deps.now(),
        });
        if (written !== null) {
          stored = written;
          break;
        }
      }
    }
    updateSession(c, { sid: live.sid, record: stored });
    logEvent(
      deps.logger,
      'info',
      'cart.buyer_identity.attached',
      {
        session: sessionIdHash(live.sid),
        attached: result.cart !== null,
        // Whether the session holds the cart id, so that sign-out detaches it (false: every write lost).
        remembered: stored.cartId === cartId,
        userErrors: result.userErrors.length,
      },
      result.cart !== null ? 'cart attached to the customer' : 'cart not attached: Shopify answered userErrors',
    );
    return c.json(result);
  };

/**
 * At sign-out: the cart the session attached goes back to no buyer, so checkout from this browser no
 * longer opens as the customer. Best effort — a Storefront API hiccup must not keep anyone signed in.
 */
export async function detachCart(deps: AppDeps, sid: string, cartId: string | undefined): Promise<void> {
  if (cartId === undefined || deps.storefront === null) return;
  const detached = await deps.storefront.updateBuyerIdentity(cartId, null, null).then(
    (result) => result.cart !== null,
    () => false,
  );
  logEvent(
    deps.logger,
    detached ? 'info' : 'warn',
    'cart.buyer_identity.detached',
    { session: sessionIdHash(sid), detached },
    detached ? 'cart detached at sign-out' : 'cart could not be detached at sign-out',
  );
}
