/**
 * The token endpoint: code grant (one-time code, PKCE, exact redirect URI) and refresh grant (single-use
 * rotation, with the reuse behaviour a switch). Statuses and bodies follow SHOPIFY.md; the rest is what
 * a strict RFC 6749 server answers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { ClientRegistration } from './config.ts';
import { customerGid, findCustomerById } from './customers.ts';
import { faultResponse } from './faults.ts';
import { delay, htmlPage, parseStrictForm, type EmulatorContext, type EmulatorEnv } from './http.ts';
import type { Runtime } from './runtime.ts';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

type TokenErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
  });
}

function oauthError(status: 400 | 401, error: TokenErrorCode, description: string): Response {
  return json(status, { error, error_description: description });
}

/** Compares secrets in constant time; hashing first makes the lengths equal. */
function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1), or `null` when malformed. */
function parseBasic(header: string): { clientId: string; secret: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (match === null) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    return { clientId, secret };
  } catch {
    return null;
  }
}

type Authenticated = { client: ClientRegistration } | { response: Response };

function authenticateClient(rt: Runtime, c: EmulatorContext, params: Map<string, string>): Authenticated {
  const invalidClient = () => ({ response: json(401, { error: 'invalid_client' }) });
  const authorization = c.req.header('authorization');
  const bodyClientId = params.get('client_id');
  if (params.has('client_secret')) return invalidClient(); // client_secret_post is not offered
  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    if (basic === null) return invalidClient();
    const client = rt.clients.get(basic.clientId);
    if (
      client === undefined ||
      client.type !== 'confidential' ||
      client.clientSecret === undefined ||
      !secretsEqual(basic.secret, client.clientSecret) ||
      (bodyClientId !== undefined && bodyClientId !== basic.clientId)
    ) {
      return invalidClient();
    }
    return { client };
  }
  const client = rt.clients.get(bodyClientId ?? '');
  if (client === undefined || client.type !== 'public') return invalidClient();
  // A public client is only trusted from its registered browser origins (SHOPIFY.md).
  const origin = c.req.header('origin');
  if (origin === undefined || !client.javascriptOrigins.includes(origin)) {
    const description = origin === undefined ? 'Origin header is required' : 'Origin is not registered for this client';
    return {
      response: json(
        401,
        { error: 'invalid_token', error_description: description },
        { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` },
      ),
    };
  }
  return { client };
}

export function tokenRoutes(rt: Runtime): Hono<EmulatorEnv> {
  const app = new Hono<EmulatorEnv>();
  const { store } = rt;

  const issue = async (grantId: string, idToken: { nonce: string | null } | null): Promise<Record<string, unknown>> => {
    const grant = store.grants.get(grantId)!;
    const { accessTokenTtlSeconds, refreshTokenTtlSeconds } = rt.config;
    const { accessToken, refreshToken } = store.issueTokens(grantId, accessTokenTtlSeconds, refreshTokenTtlSeconds);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      expires_in: accessTokenTtlSeconds,
      refresh_token: refreshToken,
      token_type: 'Bearer',
    };
    if (idToken !== null) {
      const customer = findCustomerById(grant.customerId)!;
      const iatSeconds = Math.floor(rt.now() / 1000);
      body.id_token = await rt.keys.signIdToken({
        iss: rt.endpoints.issuer,
        sub: customerGid(customer.id),
        aud: grant.clientId,
        email: customer.email,
        sid: grant.sid,
        nonce: idToken.nonce,
        iatSeconds,
        expSeconds: iatSeconds + accessTokenTtlSeconds,
      });
    }
    return body;
  };

  const codeGrant = async (client: ClientRegistration, params: Map<string, string>): Promise<Response> => {
    const code = params.get('code');
    const redirectUri = params.get('redirect_uri');
    if (code === undefined || code === '') return oauthError(400, 'invalid_request', 'code is required');
    if (redirectUri === undefined) return oauthError(400, 'invalid_request', 'redirect_uri is required');
    const record = store.codes.get(code);
    if (record === undefined) return oauthError(400, 'invalid_grant', 'The authorization code is invalid.');
    if (record.redeemed) {
      // A replayed code may be stolen: revoke what it produced (RFC 6749 §4.1.2, RFC 9700 §4.5).
      if (record.grantId !== null) store.revokeGrant(record.grantId);
      return oauthError(400, 'invalid_grant', 'The authorization code was already used.');
    }
    // Any redemption attempt consumes the code, so a failed guess cannot be retried.
    record.redeemed = true;
    if (record.expiresAtMs <= rt.now()) return oauthError(400, 'invalid_grant', 'The authorization code has expired.');
    if (record.clientId !== client.clientId) {
      return oauthError(400, 'invalid_grant', 'The authorization code was issued to another client.');
    }
    if (record.redirectUri !== redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri does not match.');
    const verifier = params.get('code_verifier');
    if (record.codeChallenge !== null) {
      if (verifier === undefined) return oauthError(400, 'invalid_request', 'code_verifier is required');
      if (!VERIFIER.test(verifier) || s256(verifier) !== record.codeChallenge) {
        return oauthError(400, 'invalid_grant', 'PKCE verification failed.');
      }
    } else if (verifier !== undefined) {
      // RFC 9700 §2.1.1: a verifier without a challenge is a PKCE downgrade attempt.
      return oauthError(400, 'invalid_grant', 'code_verifier given but no code_challenge was sent.');
    }
    const grant = store.createGrant(client.clientId, record.customerId, record.sid);
    record.grantId = grant.id;
    return json(200, await issue(grant.id, { nonce: record.nonce }));
  };

  const refreshGrant = async (client: ClientRegistration, params: Map<string, string>): Promise<Response> => {
    const token = params.get('refresh_token');
    if (token === undefined || token === '') return oauthError(400, 'invalid_request', 'refresh_token is required');
    const dead = () => oauthError(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked.');
    const record = store.refreshTokens.get(token);
    const grant = record === undefined ? undefined : store.grants.get(record.grantId);
    if (record === undefined || grant === undefined || grant.clientId !== client.clientId) return dead();
    if (record.usedAtMs !== null) {
      store.stats.refresh.reused++;
      const mode = rt.config.refreshTokenReuse;
      if (mode === 'revoke-family') store.revokeGrant(grant.id);
      const withinGrace = rt.now() - record.usedAtMs <= rt.config.reuseGraceSeconds * 1000;
      if (mode !== 'grace' || !withinGrace) return dead();
    }
    if (grant.revoked || record.expiresAtMs <= rt.now()) return dead();
    record.usedAtMs ??= rt.now();
    // Like Shopify: a refresh answers a new pair and no id_token.
    return json(200, await issue(grant.id, null));
  };

  const answer = async (c: EmulatorContext, rawBody: string): Promise<Response> => {
    const form = parseStrictForm(c.req.header('content-type'), rawBody);
    if (form === null) {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    if (form.duplicate !== null) {
      return oauthError(400, 'invalid_request', `${form.duplicate} given more than once`);
    }
    const auth = authenticateClient(rt, c, form.params);
    if ('response' in auth) return auth.response;
    const grantType = form.params.get('grant_type');
    if (grantType === undefined || grantType === '') {
      return oauthError(400, 'invalid_request', 'grant_type is required');
    }
    if (grantType === 'authorization_code') return codeGrant(auth.client, form.params);
    if (grantType === 'refresh_token') return refreshGrant(auth.client, form.params);
    return oauthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
  };

  app.post(`/authentication/${rt.shopId}/oauth/token`, async (c) => {
    const rawBody = await c.req.text();
    const grantType = new URLSearchParams(rawBody).get('grant_type');
    const kind = grantType === 'authorization_code' || grantType === 'refresh_token' ? grantType : 'other';
    store.stats.token[kind]++;

    // Shopify's edge answers this before the auth service sees the request.
    if ((c.req.header('user-agent') ?? '').trim() === '') {
      return c.html(htmlPage('Forbidden', '<h1>403 Forbidden</h1><p>Access denied.</p>'), 403);
    }
    const fault = rt.faults.take('token');
    if (fault !== null) store.stats.faults.injected++;
    if (fault !== null && fault.phase === 'before') return faultResponse(c, fault, rt.shutdown);

    await delay(rt.config.tokenLatencyMs, rt.shutdown);
    const response = await answer(c, rawBody);
    const outcome = response.status === 200 ? 'succeeded' : 'failed';
    if (kind === 'refresh_token') store.stats.refresh[outcome]++;
    if (kind === 'authorization_code') store.stats.code[outcome]++;
    return fault !== null ? faultResponse(c, fault, rt.shutdown) : response;
  });
  return app;
}
