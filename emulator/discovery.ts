/**
 * The two public discovery documents and the JWKS, in the shapes of real shops' documents.
 */
import { Hono } from 'hono';
import type { EmulatorEnv } from './http.ts';
import type { Runtime } from './runtime.ts';

export function openIdConfiguration(rt: Runtime): Record<string, unknown> {
  const e = rt.endpoints;
  return {
    issuer: e.issuer,
    authorization_endpoint: e.authorization,
    token_endpoint: e.token,
    end_session_endpoint: e.endSession,
    jwks_uri: e.jwks,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    subject_types_supported: ['public'],
    code_challenge_methods_supported: ['S256'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    // Shopify advertises only client_secret_basic, although public clients authenticate with none.
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'customer-account-api:full'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'sid', 'email'],
  };
}

export function discoveryRoutes(rt: Runtime): Hono<EmulatorEnv> {
  const app = new Hono<EmulatorEnv>();
  app.get('/.well-known/openid-configuration', (c) => c.json(openIdConfiguration(rt)));
  app.get('/.well-known/customer-account-api', (c) =>
    c.json({
      graphql_api: rt.endpoints.graphql,
      // Advertised like Shopify's, not implemented by the emulator.
      mcp_api: `${rt.origin}/${rt.shopId}/account/mcp`,
    }),
  );
  app.get(`/authentication/${rt.shopId}/.well-known/jwks.json`, (c) => c.json(rt.keys.jwks));
  // Also under the issuer, so standard OIDC discovery from the issuer identifier works too.
  app.get(`/authentication/${rt.shopId}/.well-known/openid-configuration`, (c) => c.json(openIdConfiguration(rt)));
  return app;
}
