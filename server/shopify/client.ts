import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import { AppError, isAppError } from '../errors.ts';
import { correlationHeaders } from '../observability/tracing.ts';
import type { RefreshGrant, RefreshResult } from '../tokens/types.ts';
import { classifyRefreshFailure } from './classify-refresh.ts';
import { discoverShopify, httpOptionsFor, type ShopifyEndpoints } from './discovery.ts';

export const SCOPES = 'openid email customer-account-api:full';
export const USER_AGENT = 'shopify-customer-session-bff/0.1';

export interface ShopifyClientOptions {
  storefrontOrigin: string;
  clientId: string;
  /** Confidential client when set (HTTP Basic); public client with PKCE + Origin otherwise. */
  clientSecret: string | null;
  /** Sent as `Origin` on token calls: Shopify requires a registered JavaScript origin from public clients. */
  appOrigin: string;
  redirectUri: string;
  fetchImpl?: typeof fetch;
  /** How long discovery results are trusted before they are fetched again. */
  discoveryTtlMs?: number;
  now?: () => number;
}

/** Tokens and identity from a completed code exchange, after the id_token passed every check. */
export interface SignInTokens {
  accessToken: string;
  refreshToken: string;
  idToken: string;
  expiresInSeconds: number;
  customerId: string;
  email: string | null;
}

export interface PendingAuthorization {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

// oauth4webapi's codes for a token response whose id_token is wrong (claims, timestamps, a JWT that
// does not parse). INVALID_RESPONSE covers the whole response; when it is about the id_token its cause
// is the JWT itself or the claims it carried.
const ID_TOKEN_CODES: ReadonlySet<string> = new Set([
  oauth.JWT_CLAIM_COMPARISON,
  oauth.JWT_TIMESTAMP_CHECK,
  oauth.PARSE_ERROR,
]);

function isIdTokenFailure(error: unknown): boolean {
  if (!(error instanceof oauth.OperationProcessingError)) return false;
  if (ID_TOKEN_CODES.has(error.code ?? '')) return true;
  const cause: unknown = error.cause;
  return (
    error.code === oauth.INVALID_RESPONSE &&
    (typeof cause === 'string' || (typeof cause === 'object' && cause !== null && 'claims' in cause))
  );
}

/**
 * Everything the BFF says to Shopify's customer auth, built on oauth4webapi. Endpoints come from
 * discovery, fetched lazily and cached (a failed discovery is not cached, so a Shopify hiccup at start
 * heals by itself).
 */
export function createShopifyClient(options: ShopifyClientOptions) {
  const { clientId, clientSecret, appOrigin, redirectUri } = options;
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? Date.now;
  const discoveryTtlMs = options.discoveryTtlMs ?? 60 * 60 * 1000;
  const client: oauth.Client = { client_id: clientId, id_token_signed_response_alg: 'RS256' };
  const clientAuth = clientSecret === null ? oauth.None() : oauth.ClientSecretBasic(clientSecret);

  let cached: {
    at: number;
    value: Promise<ShopifyEndpoints & { jwks: ReturnType<typeof createRemoteJWKSet> }>;
  } | null = null;

  function endpoints() {
    if (cached === null || now() - cached.at > discoveryTtlMs) {
      const value = discoverShopify(options.storefrontOrigin, { fetchImpl }).then((found) => ({
        ...found,
        // jose fetches the keys through the same seam as everything else, so tests can serve them.
        jwks: createRemoteJWKSet(found.jwksUri, { [customFetch]: fetchImpl }),
      }));
      const entry = { at: now(), value };
      cached = entry;
      value.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    return cached.value;
  }

  // Token calls are made for a request (a sign-in's callback, the call that found its token due), deep
  // in shared code: the id of the request they run for is sent along when there is one.
  const tokenRequestOptions = (url: URL, signal?: AbortSignal) => ({
    ...httpOptionsFor(url),
    [oauth.customFetch]: fetchImpl,
    signal,
    headers: { origin: appOrigin, 'user-agent': USER_AGENT, ...correlationHeaders() },
    // Shopify wants client_id in the body of every token call, Basic auth or not.
    ...(clientSecret === null ? {} : { additionalParameters: { client_id: clientId } }),
  });

  return {
    /** The discovered endpoints. @throws AppError CONFIG when discovery fails. */
    endpoints,

    /**
     * Whether discovery is usable: `ok` when cached or fetched now, `unreachable` (network, 5xx, 429,
     * timeout) or `invalid` (not a Shopify storefront's documents). Never throws. For `/readyz`.
     */
    async discoveryStatus(): Promise<'ok' | 'unreachable' | 'invalid'> {
      try {
        await endpoints();
        return 'ok';
      } catch (error) {
        return isAppError(error, 'UPSTREAM_INVALID') ? 'invalid' : 'unreachable';
      }
    },

    /** A fresh state, nonce and PKCE verifier for one sign-in attempt. */
    newPendingAuthorization(): PendingAuthorization {
      return {
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        codeVerifier: oauth.generateRandomCodeVerifier(),
      };
    },

    /** The URL of Shopify's sign-in page for this attempt (PKCE S256, state, nonce). */
    async authorizationUrl(pending: PendingAuthorization, passthrough: Record<string, string>): Promise<string> {
      const url = new URL((await endpoints()).authorizationEndpoint);
      url.search = new URLSearchParams({
        ...passthrough,
        client_id: clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: SCOPES,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
      }).toString();
      return url.href;
    },

    /**
     * Completes a sign-in: checks the callback against `pending.state`, exchanges the code with the PKCE
     * verifier, and checks the id_token (RS256 signature against the discovered JWKS, iss, aud, exp, nonce).
     * @throws AppError LOGIN_FAILED with a `reason` detail; its message never carries the code or a token.
     */
    async exchangeCode(callbackParams: URLSearchParams, pending: PendingAuthorization): Promise<SignInTokens> {
      const { authorizationServer: as, tokenEndpoint, jwks } = await endpoints();
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callbackParams, pending.state);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError) {
          throw new AppError('LOGIN_FAILED', 'Shopify declined the sign-in', {
            reason: 'authorization_error',
            error: error.error,
          });
        }
        throw new AppError('LOGIN_FAILED', 'The sign-in callback was not valid', { reason: 'bad_callback' });
      }
      // oauth4webapi checks state and errors, not the code's presence: without one there is nothing to
      // exchange, and asking Shopify anyway would be logged as an outage.
      if (!params.get('code')) {
        throw new AppError('LOGIN_FAILED', 'The sign-in callback was not valid', { reason: 'bad_callback' });
      }

      let tokens: oauth.TokenEndpointResponse;
      let status: number | null = null;
      try {
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth,
          params,
          redirectUri,
          pending.codeVerifier,
          tokenRequestOptions(tokenEndpoint, AbortSignal.timeout(10_000)),
        );
        status = response.status;
        tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: pending.nonce,
          requireIdToken: true,
        });
      } catch (error) {
        // 429, or a 401 whose error code is empty: Shopify is busy (the rule of classify-refresh.ts), not
        // refusing. Sign-in can simply be tried again.
        const code = error instanceof oauth.ResponseBodyError ? error.error : null;
        if (status === 429 || (status === 401 && !code && !(error instanceof oauth.WWWAuthenticateChallengeError))) {
          throw new AppError('LOGIN_FAILED', 'Shopify is busy and could not complete the sign-in; please try again', {
            reason: 'token_endpoint',
            status,
            busy: true,
          });
        }
        if (error instanceof oauth.ResponseBodyError) {
          throw new AppError('LOGIN_FAILED', 'Shopify refused the sign-in code', {
            reason: 'token_endpoint',
            status: error.status,
            error: error.error,
          });
        }
        if (error instanceof oauth.WWWAuthenticateChallengeError) {
          throw new AppError('LOGIN_FAILED', 'Shopify refused this client', {
            reason: 'token_endpoint',
            status: error.status,
          });
        }
        if (isIdTokenFailure(error)) {
          throw new AppError('LOGIN_FAILED', 'The ID token did not pass its checks', { reason: 'id_token' });
        }
        // A network error, timeout or 5xx: Shopify is having trouble, the customer did nothing wrong.
        throw new AppError('LOGIN_FAILED', 'Shopify could not complete the sign-in; please try again', {
          reason: 'token_endpoint',
          status: status ?? 503,
        });
      }

      const idToken = tokens.id_token!;
      let claims: { sub?: string; email?: unknown };
      try {
        ({ payload: claims } = await jwtVerify(idToken, jwks, {
          issuer: as.issuer,
          audience: clientId,
          algorithms: ['RS256'],
        }));
      } catch {
        throw new AppError('LOGIN_FAILED', 'The ID token did not pass its checks', { reason: 'id_token' });
      }
      if (
        typeof tokens.refresh_token !== 'string' ||
        typeof tokens.expires_in !== 'number' ||
        tokens.expires_in <= 0 ||
        !claims.sub
      ) {
        throw new AppError('LOGIN_FAILED', 'Shopify answered with an incomplete token response', {
          reason: 'token_endpoint',
          status: 200,
        });
      }
      return {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        idToken,
        expiresInSeconds: tokens.expires_in,
        customerId: claims.sub,
        email: typeof claims.email === 'string' ? claims.email : null,
      };
    },

    /** One refresh-grant call, classified; never throws (the token manager owns retries). */
    refreshGrant: (async (refreshToken, signal): Promise<RefreshResult> => {
      const transient: RefreshResult = { kind: 'transient', status: null, errorCode: null, retryAfterSeconds: null };
      let as: oauth.AuthorizationServer;
      let response: Response;
      let text: string;
      try {
        const found = await endpoints();
        as = found.authorizationServer;
        response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          clientAuth,
          refreshToken,
          tokenRequestOptions(found.tokenEndpoint, signal),
        );
        text = await response.text();
      } catch {
        return transient; // network error, timeout, or discovery down
      }
      if (text.length > MAX_TOKEN_RESPONSE_BYTES) return { ...transient, status: response.status };
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: classified by status alone
      }
      const hasAccessToken = typeof (body as { access_token?: unknown } | null)?.access_token === 'string';
      if (response.status !== 200 || !hasAccessToken) {
        return classifyRefreshFailure({
          status: response.status,
          body,
          wwwAuthenticate: response.headers.get('www-authenticate'),
          retryAfter: response.headers.get('retry-after'),
        });
      }
      try {
        const tokens = await oauth.processRefreshTokenResponse(
          as,
          client,
          new Response(text, { status: 200, headers: response.headers }),
        );
        if (typeof tokens.expires_in !== 'number' || tokens.expires_in <= 0) return { ...transient, status: 200 };
        return {
          kind: 'success',
          accessToken: tokens.access_token,
          // Shopify rotates refresh tokens; if one ever does not, the current one stays valid.
          refreshToken: typeof tokens.refresh_token === 'string' ? tokens.refresh_token : refreshToken,
          expiresInSeconds: tokens.expires_in,
        };
      } catch {
        return { ...transient, status: 200 }; // a malformed success body
      }
    }) satisfies RefreshGrant,

    /** Shopify's end-session URL for a browser redirect after the local session is gone. */
    async endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<string> {
      const url = new URL((await endpoints()).endSessionEndpoint);
      url.searchParams.set('id_token_hint', idToken);
      url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
      return url.href;
    },
  };
}

export type ShopifyClient = ReturnType<typeof createShopifyClient>;
