/**
 * Helpers for tests that drive the emulator over HTTP (its own tests and cross-folder ones): PKCE,
 * a scripted sign-in through `login_hint_mode=submit`, and form posts to the token endpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { API_VERSION, DEFAULT_STOREFRONT_API_TOKEN, type ClientRegistration } from './config.ts';

export const PUBLIC_CLIENT: ClientRegistration = {
  clientId: 'test-public',
  type: 'public',
  redirectUris: ['http://localhost:3000/auth/callback'],
  javascriptOrigins: ['http://localhost:3000'],
  logoutUris: ['http://localhost:3000/'],
};

export const CONFIDENTIAL_CLIENT: ClientRegistration = {
  clientId: 'test-confidential',
  type: 'confidential',
  clientSecret: 'correct-horse-battery-staple',
  redirectUris: ['http://localhost:4000/auth/callback'],
  javascriptOrigins: [],
  logoutUris: ['http://localhost:4000/signed-out'],
};

export const SCOPE = 'openid email customer-account-api:full';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeInput {
  client?: ClientRegistration;
  email?: string;
  challenge?: string | null;
  nonce?: string;
  state?: string;
  /** Extra or overriding query parameters; `null` removes one. */
  params?: Record<string, string | null>;
}

export function authorizeUrl(issuerUrl: string, input: AuthorizeInput = {}): URL {
  const client = input.client ?? PUBLIC_CLIENT;
  const url = new URL(`${issuerUrl}/oauth/authorize`);
  const params: Record<string, string | null> = {
    client_id: client.clientId,
    redirect_uri: client.redirectUris[0]!,
    response_type: 'code',
    scope: SCOPE,
    state: input.state ?? 'state-123',
    nonce: input.nonce ?? 'nonce-123',
    ...(input.challenge === null
      ? {}
      : { code_challenge: input.challenge ?? pkcePair().challenge, code_challenge_method: 'S256' }),
    ...(input.email === undefined ? {} : { login_hint: input.email, login_hint_mode: 'submit' }),
    ...input.params,
  };
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return url;
}

/** Signs a customer in without a page; returns the code from the 302 to the redirect URI. */
export async function signIn(
  issuerUrl: string,
  input: AuthorizeInput & { email: string; challenge: string | null },
): Promise<string> {
  const res = await fetch(authorizeUrl(issuerUrl, input), { redirect: 'manual' });
  const location = res.headers.get('location');
  const code = location === null ? null : new URL(location).searchParams.get('code');
  if (res.status !== 302 || code === null) throw new Error(`sign-in failed: ${res.status} ${location}`);
  return code;
}

export interface TokenCall {
  client?: ClientRegistration;
  body: Record<string, string>;
  headers?: Record<string, string>;
}

/** Posts a form to the token endpoint the way the client type requires (Origin or Basic auth). */
export async function postToken(tokenUrl: string, call: TokenCall): Promise<Response> {
  const client = call.client ?? PUBLIC_CLIENT;
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'emulator-tests',
  };
  if (client.type === 'public') headers.origin = client.javascriptOrigins[0]!;
  else headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  const body = client.type === 'public' ? { client_id: client.clientId, ...call.body } : call.body;
  return fetch(tokenUrl, {
    method: 'POST',
    headers: { ...headers, ...call.headers },
    body: new URLSearchParams(body).toString(),
  });
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
}

/** Signs in and redeems the code: a fresh grant for `email`. */
export async function login(
  issuerUrl: string,
  email: string,
  client: ClientRegistration = PUBLIC_CLIENT,
): Promise<TokenSet> {
  const { verifier, challenge } = pkcePair();
  const code = await signIn(issuerUrl, { email, challenge, client });
  const res = await postToken(`${issuerUrl}/oauth/token`, {
    client,
    body: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUris[0]!,
      code_verifier: verifier,
    },
  });
  if (res.status !== 200) throw new Error(`code exchange failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenSet;
}

export function refresh(issuerUrl: string, refreshToken: string, client: ClientRegistration = PUBLIC_CLIENT) {
  return postToken(`${issuerUrl}/oauth/token`, {
    client,
    body: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });
}

export function graphql(
  graphqlUrl: string,
  accessToken: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Response> {
  return fetch(graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(accessToken === null ? {} : { authorization: accessToken }),
    },
    body: JSON.stringify({ query, variables }),
  });
}

export function admin(origin: string, path: string, method = 'GET', body?: unknown): Promise<Response> {
  return fetch(`${origin}/__emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
  });
}

/** A Storefront API call (carts) with the store's private token, as a storefront's server makes it. */
export function storefront(
  origin: string,
  query: string,
  variables?: Record<string, unknown>,
  token: string = DEFAULT_STOREFRONT_API_TOKEN,
): Promise<Response> {
  return fetch(`${origin}/api/${API_VERSION}/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'shopify-storefront-private-token': token },
    body: JSON.stringify({ query, variables }),
  });
}
