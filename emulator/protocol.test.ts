// The emulator speaks standard OAuth 2.0 / OIDC: a full round trip driven by oauth4webapi (the library
// the BFF uses) and an id_token checked with jose against the published JWKS.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type StartedEmulator } from './server.ts';
import { CONFIDENTIAL_CLIENT, graphql, PUBLIC_CLIENT, SCOPE } from './testkit.ts';

let emu: StartedEmulator;
let as: oauth.AuthorizationServer;
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  emu = await startEmulator({ port: 0, clients: [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT] });
  // Like Shopify, the issuer lives under /authentication/{shop} while discovery is on the origin.
  const response = await oauth.discoveryRequest(new URL(emu.url), insecure);
  as = await oauth.processDiscoveryResponse(new URL(`${emu.url}/authentication/${emu.shopId}`), response);
});
afterAll(() => emu.close());

async function authorize(client: oauth.Client, redirectUri: string) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: SCOPE,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    login_hint: 'alice@example.com',
    login_hint_mode: 'submit',
  }).toString();
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const callback = new URL(res.headers.get('location')!);
  expect(callback.origin + callback.pathname).toBe(redirectUri);
  expect(callback.searchParams.get('code')).toMatch(/^shcac_/);
  return { params: oauth.validateAuthResponse(as, client, callback, state), verifier, nonce };
}

describe('discovery', () => {
  it('serves both documents with the Shopify endpoint shapes on the emulator origin', async () => {
    const issuer = `${emu.url}/authentication/${emu.shopId}`;
    expect(emu.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(as).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      end_session_endpoint: `${issuer}/logout`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'customer-account-api:full'],
    });
    const api = await (await fetch(`${emu.url}/.well-known/customer-account-api`)).json();
    expect(api.graphql_api).toBe(`${emu.url}/${emu.shopId}/account/customer/api/2026-10/graphql`);
    const jwks = await (await fetch(as.jwks_uri!)).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0].kid).toEqual(expect.any(String));
    expect(jwks.keys[0].d).toBeUndefined();
  });
});

describe('round trip with oauth4webapi', () => {
  it('public client: code + PKCE, id_token verified via JWKS, refresh, GraphQL', async () => {
    const client: oauth.Client = { client_id: PUBLIC_CLIENT.clientId };
    const redirectUri = PUBLIC_CLIENT.redirectUris[0]!;
    const { params, verifier, nonce } = await authorize(client, redirectUri);
    const headers = { origin: PUBLIC_CLIENT.javascriptOrigins[0]! };

    const codeResponse = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      verifier,
      {
        ...insecure,
        headers,
      },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, codeResponse, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    expect(tokens.access_token).toMatch(/^shcat_/);
    expect(tokens.refresh_token).toMatch(/^shcrt_/);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(claims).toMatchObject({ sub: 'gid://shopify/Customer/7000000001', aud: client.client_id, nonce });

    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(as.jwks_uri!)), {
      issuer: as.issuer,
      audience: client.client_id,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({ email: 'alice@example.com', nonce, sid: expect.any(String) });
    expect(payload.exp! - payload.iat!).toBe(3600);

    const refreshResponse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
      ...insecure,
      headers,
    });
    const refreshed = await oauth.processRefreshTokenResponse(as, client, refreshResponse);
    expect(refreshed.access_token).toMatch(/^shcat_/);
    expect(refreshed.refresh_token).toMatch(/^shcrt_/);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.id_token).toBeUndefined();

    const res = await graphql(
      `${emu.url}/${emu.shopId}/account/customer/api/2026-10/graphql`,
      refreshed.access_token,
      '{ customer { id displayName emailAddress { emailAddress } } }',
    );
    expect(res.status).toBe(200);
    expect((await res.json()).data.customer).toEqual({
      id: 'gid://shopify/Customer/7000000001',
      displayName: 'Alice Liddell',
      emailAddress: { emailAddress: 'alice@example.com' },
    });

    const logout = new URL(as.end_session_endpoint!);
    logout.search = new URLSearchParams({
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: PUBLIC_CLIENT.logoutUris[0]!,
      state: 'bye',
    }).toString();
    const out = await fetch(logout, { redirect: 'manual' });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('http://localhost:3000/?state=bye');
  });

  it('confidential client: HTTP Basic authentication with and without PKCE', async () => {
    const client: oauth.Client = { client_id: CONFIDENTIAL_CLIENT.clientId };
    const auth = oauth.ClientSecretBasic(CONFIDENTIAL_CLIENT.clientSecret!);
    const redirectUri = CONFIDENTIAL_CLIENT.redirectUris[0]!;
    const { params, verifier, nonce } = await authorize(client, redirectUri);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      redirectUri,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce });
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(refreshed.access_token).toMatch(/^shcat_/);

    const wrong = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('not-the-secret'),
      refreshed.refresh_token!,
      insecure,
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'invalid_client' });
  });
});
