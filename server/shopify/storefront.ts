/**
 * The Storefront API, for carts: the page's own cart calls, passed through with the store's private
 * token, and the one call only the BFF can make, binding a cart to the signed-in customer with their
 * Customer Account API access token (`cartBuyerIdentityUpdate`), which never leaves the server.
 */
import { SpanKind } from '@opentelemetry/api';
import { Pool } from 'undici';
import type { CartAttachment } from '../../client/messages.ts';
import { AppError } from '../errors.ts';
import { inSpan, spanAttributes, correlationHeaders } from '../observability/tracing.ts';
import { USER_AGENT } from './client.ts';
import { noAnswer, readAnswer, upstreamTrouble, type UpstreamAnswer } from './graphql.ts';

export interface StorefrontApiOptions {
  url: string;
  token: string;
  timeoutMs?: number;
}

const BUYER_IDENTITY_UPDATE = `mutation CartBuyerIdentityUpdate($cartId: ID!, $buyerIdentity: CartBuyerIdentityInput!) {
  cartBuyerIdentityUpdate(cartId: $cartId, buyerIdentity: $buyerIdentity) {
    cart { id checkoutUrl buyerIdentity { email customer { id displayName } } }
    userErrors { code field message }
  }
}`;

/** The userError that says the customer token was not accepted: the BFF refreshes and tries once more. */
export const rejectsCustomerToken = (result: CartAttachment): boolean =>
  result.userErrors.some((error) => error.field?.at(-1) === 'customerAccessToken');

export function createStorefrontApi({ url, token, timeoutMs = 15_000 }: StorefrontApiOptions) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 8, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

  /**
   * One Storefront API POST with the private token, naming the buyer's address as Shopify asks of a
   * server. Rejects on a network error or timeout; any HTTP status resolves.
   */
  const clientSpan = { 'http.request.method': 'POST', 'server.address': target.hostname };
  const call = (body: string, buyerIp: string | null): Promise<UpstreamAnswer> =>
    inSpan('shopify.storefront_api', () => send(body, buyerIp), clientSpan, SpanKind.CLIENT);

  async function send(body: string, buyerIp: string | null): Promise<UpstreamAnswer> {
    // The id of the request this call is made for (a cart call, or a sign-in binding the cart).
    const response = await pool.request({
      path: target.pathname + target.search,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'shopify-storefront-private-token': token,
        ...(buyerIp !== null ? { 'shopify-storefront-buyer-ip': buyerIp } : {}),
        'user-agent': USER_AGENT,
        ...correlationHeaders(),
      },
      body,
    });
    spanAttributes({ 'http.response.status_code': response.statusCode });
    return readAnswer(response);
  }

  /**
   * `call`, with Shopify's trouble as the BFF's errors: no answer, a 5xx or a 429 is UPSTREAM_UNAVAILABLE
   * (with Shopify's Retry-After), a refused store token (401/403) is CONFIG, an operator's problem.
   * @throws AppError UPSTREAM_UNAVAILABLE, CONFIG
   */
  async function checkedCall(body: string, buyerIp: string | null): Promise<UpstreamAnswer> {
    let answer: UpstreamAnswer;
    try {
      answer = await call(body, buyerIp);
    } catch (error) {
      throw noAnswer('Storefront API', error);
    }
    const trouble = upstreamTrouble('Storefront API', answer);
    if (trouble !== null) throw trouble;
    if (answer.status === 401 || answer.status === 403) {
      throw new AppError(
        'CONFIG',
        `the Storefront API refused the store's token (${answer.status}): check SHOPIFY_STOREFRONT_API_TOKEN`,
      );
    }
    return answer;
  }

  /**
   * Binds (`customerAccessToken`) or detaches (`null`) the cart's customer.
   * @throws AppError UPSTREAM_UNAVAILABLE (no answer, 5xx, 429), UPSTREAM_INVALID (not the payload), CONFIG (401/403: the store's token)
   */
  async function updateBuyerIdentity(
    cartId: string,
    customerAccessToken: string | null,
    buyerIp: string | null,
  ): Promise<CartAttachment> {
    const body = JSON.stringify({
      query: BUYER_IDENTITY_UPDATE,
      variables: { cartId, buyerIdentity: { customerAccessToken } },
    });
    const answer = await checkedCall(body, buyerIp);
    const payload = parsePayload(answer.body);
    if (payload === null)
      throw new AppError('UPSTREAM_INVALID', 'the Storefront API answered something other than a cart payload', {
        stage: 'storefront',
      });
    return payload;
  }

  return { checkedCall, updateBuyerIdentity, close: () => pool.close() };
}

export type StorefrontApi = ReturnType<typeof createStorefrontApi>;

/** The `cartBuyerIdentityUpdate` payload, field by field, or `null`. */
function parsePayload(text: string): CartAttachment | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const payload = (parsed as { data?: { cartBuyerIdentityUpdate?: unknown } } | null)?.data?.cartBuyerIdentityUpdate;
  if (typeof payload !== 'object' || payload === null) return null;
  const { cart, userErrors } = payload as { cart?: unknown; userErrors?: unknown };
  if (!Array.isArray(userErrors)) return null;
  const errors = userErrors.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return [];
    const { code, field, message } = e as Record<string, unknown>;
    return [
      {
        code: typeof code === 'string' ? code : null,
        field: Array.isArray(field) && field.every((f) => typeof f === 'string') ? (field as string[]) : null,
        message: typeof message === 'string' ? message : '',
      },
    ];
  });
  if (cart === null || cart === undefined) return { cart: null, userErrors: errors };
  const c = cart as Record<string, unknown>;
  const identity = (c.buyerIdentity ?? {}) as Record<string, unknown>;
  const customer = identity.customer as Record<string, unknown> | null | undefined;
  if (typeof c.id !== 'string' || typeof c.checkoutUrl !== 'string') return null;
  return {
    cart: {
      id: c.id,
      checkoutUrl: c.checkoutUrl,
      buyerIdentity: {
        email: typeof identity.email === 'string' ? identity.email : null,
        customer:
          customer && typeof customer.id === 'string'
            ? { id: customer.id, displayName: typeof customer.displayName === 'string' ? customer.displayName : '' }
            : null,
      },
    },
    userErrors: errors,
  };
}
