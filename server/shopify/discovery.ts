import * as oauth from 'oauth4webapi';
import { AppError } from '../errors.ts';
import { isLoopbackUrl, requireSecureOrigin } from '../secure-origin.ts';

/** What the BFF learns from the storefront's two discovery documents, every endpoint checked and typed. */
export interface ShopifyEndpoints {
  /** The OAuth authorization server metadata, validated by oauth4webapi (what its protocol calls take). */
  authorizationServer: oauth.AuthorizationServer;
  authorizationEndpoint: URL;
  tokenEndpoint: URL;
  jwksUri: URL;
  endSessionEndpoint: URL;
  /** Customer Account API GraphQL URL (`graphql_api` of `/.well-known/customer-account-api`). */
  graphqlApiUrl: URL;
}

/** Options for every oauth4webapi call: plain http is allowed for loopback upstreams (the emulator) only. */
export const httpOptionsFor = (url: string | URL): { [oauth.allowInsecureRequests]?: boolean } =>
  isLoopbackUrl(new URL(url)) ? { [oauth.allowInsecureRequests]: true } : {};

// Shopify's issuer is https://shopify.com/authentication/{shop_id} (or a custom accounts domain with the
// same path): the one shape we accept, since the document is served from the storefront's own origin and
// so cannot be checked against it.
const ISSUER_PATH = /^\/authentication\/[A-Za-z0-9_-]+$/;

function checkedUrl(what: string, raw: unknown): URL {
  if (typeof raw !== 'string')
    throw new AppError('UPSTREAM_INVALID', `discovery: ${what} is missing`, { stage: 'discovery' });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('UPSTREAM_INVALID', `discovery: ${what} is not a URL`, { stage: 'discovery' });
  }
  return requireSecureOrigin(url, (rule) => {
    throw new AppError('UPSTREAM_INVALID', `discovery: ${what} ${rule}`, { stage: 'discovery' });
  });
}

async function getJson(url: string, fetchImpl: typeof fetch, signal: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal, redirect: 'error' });
  } catch {
    throw new AppError('UPSTREAM_UNAVAILABLE', `discovery: ${url} is unreachable`, {
      retryAfterSeconds: 5,
      stage: 'discovery',
    });
  }
  // 5xx and 429 are Shopify having trouble; any other status means the origin is not a Shopify storefront.
  if (response.status >= 500 || response.status === 429) {
    throw new AppError('UPSTREAM_UNAVAILABLE', `discovery: ${url} answered ${response.status}`, {
      retryAfterSeconds: 5,
      stage: 'discovery',
    });
  }
  if (response.status !== 200)
    throw new AppError('UPSTREAM_INVALID', `discovery: ${url} answered ${response.status}`, { stage: 'discovery' });
  return response;
}

/**
 * Fetches and validates `/.well-known/openid-configuration` and `/.well-known/customer-account-api` on the
 * storefront origin.
 * @throws AppError UPSTREAM_UNAVAILABLE when a document cannot be fetched (network, 5xx, 429); CONFIG when
 *   one is missing, malformed or advertises an endpoint we must not use.
 */
export async function discoverShopify(
  storefrontOrigin: string,
  { fetchImpl = fetch, timeoutMs = 10_000 }: { fetchImpl?: typeof fetch; timeoutMs?: number } = {},
): Promise<ShopifyEndpoints> {
  const signal = AbortSignal.timeout(timeoutMs);
  const metadataResponse = await getJson(`${storefrontOrigin}/.well-known/openid-configuration`, fetchImpl, signal);
  const metadataText = await metadataResponse.text();
  let advertisedIssuer: unknown;
  try {
    advertisedIssuer = (JSON.parse(metadataText) as { issuer?: unknown }).issuer;
  } catch {
    throw new AppError('UPSTREAM_INVALID', 'discovery: openid-configuration is not JSON', { stage: 'discovery' });
  }
  const issuer = checkedUrl('issuer', advertisedIssuer);
  if (!ISSUER_PATH.test(issuer.pathname))
    throw new AppError('UPSTREAM_INVALID', 'discovery: issuer is not a Shopify customer-account issuer', {
      stage: 'discovery',
    });

  // oauth4webapi checks the rest of the document against the issuer we accepted above.
  const authorizationServer = await oauth.processDiscoveryResponse(
    issuer,
    new Response(metadataText, { status: 200, headers: metadataResponse.headers }),
  );
  const authorizationEndpoint = checkedUrl('authorization_endpoint', authorizationServer.authorization_endpoint);
  const tokenEndpoint = checkedUrl('token_endpoint', authorizationServer.token_endpoint);
  const jwksUri = checkedUrl('jwks_uri', authorizationServer.jwks_uri);
  const endSessionEndpoint = checkedUrl('end_session_endpoint', authorizationServer.end_session_endpoint);

  const apiResponse = await getJson(`${storefrontOrigin}/.well-known/customer-account-api`, fetchImpl, signal);
  let graphqlApi: unknown;
  try {
    graphqlApi = ((await apiResponse.json()) as { graphql_api?: unknown }).graphql_api;
  } catch {
    throw new AppError('UPSTREAM_INVALID', 'discovery: customer-account-api is not JSON', { stage: 'discovery' });
  }
  return {
    authorizationServer,
    authorizationEndpoint,
    tokenEndpoint,
    jwksUri,
    endSessionEndpoint,
    graphqlApiUrl: checkedUrl('graphql_api', graphqlApi),
  };
}
