/**
 * The probe's token calls, made with oauth4webapi exactly as the BFF makes them (discovered endpoint,
 * client_id in the body, HTTP Basic for a confidential client, `Origin` for a public one, a User-Agent
 * always), with one difference: every answer is kept as a shape (status, field names, error code), because
 * the shape is what the probe measures. Tokens go into the run's `SecretSet` the moment they are parsed.
 */
import * as oauth from 'oauth4webapi';
import { classifyRefreshFailure } from '../../server/shopify/classify-refresh.ts';
import { httpOptionsFor } from '../../server/shopify/discovery.ts';
import { ProbeError, describeCall, type CallShape } from './report.ts';
import type { SecretSet } from './secrets.ts';

/** Lets Shopify tell probe traffic from the BFF's in its logs; a missing User-Agent gets a 403. */
export const PROBE_USER_AGENT = 'shopify-customer-session-probe/0.1';

const MAX_BODY_CHARS = 64 * 1024;
const CALL_TIMEOUT_MS = 15_000;
// `refresh_token_expires_in` is the usual name; others are matched so that an unexpected one still shows.
const REFRESH_LIFETIME_FIELD = /^refresh_?token_?(expires|expiry|ttl|lifetime|valid)|^refresh_expires/i;

export interface TokenEndpointOptions {
  authorizationServer: oauth.AuthorizationServer;
  clientId: string;
  /** Confidential client (HTTP Basic) when set; public client (PKCE + `Origin`) otherwise. */
  clientSecret: string | null;
  /** Sent as `Origin` by a public client: it must be one of the client's registered JavaScript origins. */
  appOrigin: string;
  fetchImpl: typeof fetch;
  secrets: SecretSet;
}

/** A refusal with its shape and a few words on why (never a token). */
export type Refusal = { kind: 'refused'; shape: CallShape; reason: string };

/** A usable token response (its tokens recorded as secrets) or a refusal. */
export type TokenAnswer = { kind: 'success'; shape: CallShape; refreshToken: string | null } | Refusal;

/** The code exchange's result: the refresh token to measure with, or the refusal. */
export type CodeAnswer = { kind: 'success'; shape: CallShape; refreshToken: string } | Refusal;

interface RawAnswer {
  response: Response;
  text: string;
  body: Record<string, unknown> | null;
}

const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);
const numberOrNull = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function shapeOf(raw: RawAnswer, outcome: CallShape['outcome'], secrets: SecretSet): CallShape {
  const { response, body } = raw;
  const kept = (value: string | null) => (value === null ? null : secrets.scrub(value));
  const lifetimeField = body === null ? undefined : Object.keys(body).find((name) => REFRESH_LIFETIME_FIELD.test(name));
  return {
    outcome,
    status: response.status,
    contentType: kept(response.headers.get('content-type')),
    fields: body === null ? [] : Object.keys(body).sort(),
    error: kept(stringOrNull(body?.error)),
    errorDescription: kept(stringOrNull(body?.error_description)),
    wwwAuthenticate: kept(response.headers.get('www-authenticate')),
    expiresInSeconds: outcome === 'success' ? numberOrNull(body?.expires_in) : null,
    refreshTokenLifetime:
      lifetimeField === undefined ? null : { field: lifetimeField, seconds: numberOrNull(body?.[lifetimeField]) },
  };
}

function noAnswerShape(error: unknown): CallShape {
  return {
    outcome: 'transient',
    status: null,
    contentType: null,
    fields: [],
    error: null,
    // The error's name only: a network error's message may quote the request.
    errorDescription: error instanceof Error ? error.name : 'unknown error',
    wwwAuthenticate: null,
    expiresInSeconds: null,
    refreshTokenLifetime: null,
  };
}

async function readAnswer(response: Response, secrets: SecretSet): Promise<RawAnswer> {
  const text = (await response.text()).slice(0, MAX_BODY_CHARS);
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the shape keeps the status and content type only
  }
  const body =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  // Before anything else reads the body: whatever token it holds must be scrubbed from then on.
  for (const name of ['access_token', 'refresh_token', 'id_token']) secrets.add(stringOrNull(body?.[name]));
  return { response, text, body };
}

function refusalShape(raw: RawAnswer, secrets: SecretSet): CallShape {
  const { kind } = classifyRefreshFailure({
    status: raw.response.status,
    body: raw.body,
    wwwAuthenticate: raw.response.headers.get('www-authenticate'),
    retryAfter: raw.response.headers.get('retry-after'),
  });
  return shapeOf(raw, kind, secrets);
}

const isTokenResponse = (raw: RawAnswer) => raw.response.status === 200 && typeof raw.body?.access_token === 'string';

/** The failed check by oauth4webapi's stable code (e.g. `OAUTH_JWT_CLAIM_COMPARISON_FAILED`); never its message, which may quote values. */
const checkFailure = (error: unknown) =>
  error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError
    ? `the answer failed oauth4webapi's checks (${error.code ?? error.name})`
    : `the answer failed its checks (${error instanceof Error ? error.name : 'unknown error'})`;

/**
 * The token endpoint of one client, for the code exchange and refreshes.
 * @throws ProbeError DISCOVERY_FAILED when the metadata names no token endpoint.
 */
export function createTokenEndpoint(options: TokenEndpointOptions) {
  const { authorizationServer: as, clientId, clientSecret, appOrigin, fetchImpl, secrets } = options;
  if (as.token_endpoint === undefined) throw new ProbeError('DISCOVERY_FAILED', 'discovery: token_endpoint is missing');
  const insecureOnLoopback = httpOptionsFor(as.token_endpoint);
  const client: oauth.Client = { client_id: clientId, id_token_signed_response_alg: 'RS256' };
  const clientAuth = clientSecret === null ? oauth.None() : oauth.ClientSecretBasic(clientSecret);
  const requestOptions = (): oauth.TokenEndpointRequestOptions => ({
    ...insecureOnLoopback,
    [oauth.customFetch]: fetchImpl,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    headers:
      clientSecret === null
        ? { origin: appOrigin, 'user-agent': PROBE_USER_AGENT }
        : { 'user-agent': PROBE_USER_AGENT },
    // Shopify wants client_id in the body of every token call, Basic auth or not.
    ...(clientSecret === null ? {} : { additionalParameters: { client_id: clientId } }),
  });

  /** One token call: its raw answer kept as a shape, and a usable one passed through oauth4webapi's checks. */
  async function call(
    send: () => Promise<Response>,
    check: (response: Response) => Promise<oauth.TokenEndpointResponse>,
  ): Promise<{ kind: 'success'; shape: CallShape; tokens: oauth.TokenEndpointResponse } | Refusal> {
    let raw: RawAnswer;
    try {
      raw = await readAnswer(await send(), secrets);
    } catch (error) {
      return { kind: 'refused', shape: noAnswerShape(error), reason: 'no answer from the token endpoint' };
    }
    if (!isTokenResponse(raw)) {
      const shape = refusalShape(raw, secrets);
      return { kind: 'refused', shape, reason: `refused: ${describeCall(shape)}` };
    }
    try {
      const tokens = await check(new Response(raw.text, { status: 200, headers: raw.response.headers }));
      return { kind: 'success', shape: shapeOf(raw, 'success', secrets), tokens };
    } catch (error) {
      // A 200 that is not a valid token response: what the BFF would treat as a transient failure.
      return { kind: 'refused', shape: shapeOf(raw, 'transient', secrets), reason: checkFailure(error) };
    }
  }

  return {
    /**
     * Redeems the code of a validated callback with the PKCE verifier; the answer must pass oauth4webapi's
     * checks, the id_token's `nonce` included.
     */
    async exchangeCode(
      callbackParams: URLSearchParams,
      redirectUri: string,
      pending: { codeVerifier: string; nonce: string },
    ): Promise<CodeAnswer> {
      const answer = await call(
        () =>
          oauth.authorizationCodeGrantRequest(
            as,
            client,
            clientAuth,
            callbackParams,
            redirectUri,
            pending.codeVerifier,
            requestOptions(),
          ),
        (response) =>
          oauth.processAuthorizationCodeResponse(as, client, response, {
            expectedNonce: pending.nonce,
            requireIdToken: true,
          }),
      );
      if (answer.kind === 'refused') return answer;
      if (typeof answer.tokens.refresh_token !== 'string') {
        return {
          kind: 'refused',
          shape: { ...answer.shape, outcome: 'transient' },
          reason: 'the answer has no refresh_token',
        };
      }
      return { kind: 'success', shape: answer.shape, refreshToken: answer.tokens.refresh_token };
    },

    /** One refresh-grant call; never throws (a network error is a `transient` refusal). */
    async refresh(refreshToken: string): Promise<TokenAnswer> {
      const answer = await call(
        () => oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, requestOptions()),
        (response) => oauth.processRefreshTokenResponse(as, client, response),
      );
      if (answer.kind === 'refused') return answer;
      const next = answer.tokens.refresh_token;
      return { kind: 'success', shape: answer.shape, refreshToken: typeof next === 'string' ? next : null };
    },
  };
}

export type TokenEndpoint = ReturnType<typeof createTokenEndpoint>;
