/**
 * The authorization endpoint: validates the request as strictly as a real authorization server,
 * then signs a customer in (one-click page, `login_hint_mode=submit`, or an existing browser session)
 * and redirects back with a one-time `shcac_` code.
 */
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { ClientRegistration } from './config.ts';
import { CUSTOMERS, findCustomerByEmail, type SeedCustomer } from './customers.ts';
import { escapeHtml, htmlPage, parseStrictForm, strictParams, type EmulatorContext, type EmulatorEnv } from './http.ts';
import { sessionCookieName, type Runtime } from './runtime.ts';
import { randomToken, type BrowserSession } from './store.ts';

const CODE_TTL_MS = 60_000;
const REQUIRED_SCOPES = ['openid', 'customer-account-api:full'];
const KNOWN_SCOPES = new Set([...REQUIRED_SCOPES, 'email']);
// RFC 7636: BASE64URL(SHA256(verifier)) is always 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
// Parameters the sign-in page re-posts itself; the rest of the request is carried in hidden fields.
const PAGE_OWNED = new Set(['login_hint', 'login_hint_mode', 'prompt']);

type OAuthErrorCode =
  'invalid_request' | 'unsupported_response_type' | 'invalid_scope' | 'access_denied' | 'login_required';

class AuthorizeError {
  readonly error: OAuthErrorCode;
  readonly description: string;
  constructor(error: OAuthErrorCode, description: string) {
    this.error = error;
    this.description = description;
  }
}

interface ValidRequest {
  client: ClientRegistration;
  redirectUri: string;
  state: string;
  nonce: string | null;
  codeChallenge: string | null;
  prompt: 'none' | 'login' | null;
  loginHint: string | null;
  submitHint: boolean;
}

function errorPage(c: EmulatorContext, message: string): Response {
  return c.html(htmlPage('Sign-in error', `<h1>Cannot sign in</h1><p>${escapeHtml(message)}</p>`), 400);
}

function redirectWith(redirectUri: string, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/** Checks everything after client and redirect URI are known to be good; throws `AuthorizeError`. */
function validateRest(
  params: Map<string, string>,
  duplicate: string | null,
  client: ClientRegistration,
): Omit<ValidRequest, 'client' | 'redirectUri' | 'state'> & { state: string } {
  if (duplicate !== null) throw new AuthorizeError('invalid_request', `${duplicate} given more than once`);
  const responseType = params.get('response_type');
  if (responseType === undefined) throw new AuthorizeError('invalid_request', 'response_type is required');
  if (responseType !== 'code') {
    throw new AuthorizeError('unsupported_response_type', 'only response_type=code is supported');
  }
  const scopes = (params.get('scope') ?? '').split(' ').filter((s) => s !== '');
  const unknownScope = scopes.find((s) => !KNOWN_SCOPES.has(s));
  if (unknownScope !== undefined) throw new AuthorizeError('invalid_scope', `unknown scope ${unknownScope}`);
  if (!REQUIRED_SCOPES.every((s) => scopes.includes(s))) {
    throw new AuthorizeError('invalid_scope', `scope must include ${REQUIRED_SCOPES.join(' and ')}`);
  }
  const state = params.get('state') ?? '';
  if (state === '') throw new AuthorizeError('invalid_request', 'state is required');

  const challenge = params.get('code_challenge') ?? null;
  const method = params.get('code_challenge_method') ?? null;
  if (challenge === null) {
    if (method !== null) throw new AuthorizeError('invalid_request', 'code_challenge_method without code_challenge');
    if (client.type === 'public') {
      throw new AuthorizeError('invalid_request', 'public clients must use PKCE (code_challenge)');
    }
  } else {
    // An absent method means "plain" (RFC 7636 §4.3), which is not supported.
    if (method !== 'S256') throw new AuthorizeError('invalid_request', 'code_challenge_method must be S256');
    if (!S256_CHALLENGE.test(challenge)) throw new AuthorizeError('invalid_request', 'malformed code_challenge');
  }

  const promptValue = params.get('prompt') ?? null;
  if (promptValue !== null && promptValue !== 'none' && promptValue !== 'login') {
    throw new AuthorizeError('invalid_request', 'prompt must be none or login');
  }
  const mode = params.get('login_hint_mode') ?? null;
  if (mode !== null && mode !== 'submit') throw new AuthorizeError('invalid_request', 'login_hint_mode must be submit');
  const loginHint = params.get('login_hint') ?? null;
  if (mode === 'submit' && (loginHint === null || loginHint === '')) {
    throw new AuthorizeError('invalid_request', 'login_hint_mode=submit needs a login_hint');
  }
  const nonce = params.get('nonce') ?? null;
  return {
    state,
    nonce: nonce === '' ? null : nonce,
    codeChallenge: challenge,
    prompt: promptValue,
    loginHint,
    submitHint: mode === 'submit',
  };
}

function signInPage(params: Map<string, string>, action: string, hint: string | null): string {
  const hidden = [...params]
    .filter(([k]) => !PAGE_OWNED.has(k))
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const ordered = [...CUSTOMERS].sort((a, b) => Number(b.email === hint) - Number(a.email === hint));
  const buttons = ordered
    .map(
      (c) => `<form method="post" action="${escapeHtml(action)}">${hidden}
<input type="hidden" name="login_hint" value="${escapeHtml(c.email)}">
<input type="hidden" name="login_hint_mode" value="submit">
<button type="submit">${escapeHtml(`${c.firstName} ${c.lastName}`)}
<span class="muted">${escapeHtml(c.email)}</span></button></form>`,
    )
    .join('\n');
  return htmlPage(
    'Sign in',
    `<h1>Sign in</h1><p class="muted">Shopify emulator: choose a customer (no e-mail code needed).</p>${buttons}`,
  );
}

export function authorizeRoutes(rt: Runtime): Hono<EmulatorEnv> {
  const app = new Hono<EmulatorEnv>();
  const path = `/authentication/${rt.shopId}/oauth/authorize`;
  const cookieName = sessionCookieName(rt.shopId);

  const currentSession = (c: EmulatorContext): BrowserSession | null => {
    const value = getCookie(c, cookieName);
    return value === undefined ? null : (rt.store.sessions.get(value) ?? null);
  };

  const startSession = (c: EmulatorContext, customer: SeedCustomer): BrowserSession => {
    const existing = currentSession(c);
    if (existing !== null && existing.customerId === customer.id) return existing;
    const { cookieValue, session } = rt.store.createSession(customer.id);
    setCookie(c, cookieName, cookieValue, {
      path: `/authentication/${rt.shopId}`,
      httpOnly: true,
      sameSite: 'Lax',
    });
    return session;
  };

  const handle = (c: EmulatorContext, params: Map<string, string>, duplicate: string | null): Response => {
    // Until client and redirect URI are trusted, redirecting would make us an open redirector.
    if (duplicate === 'client_id' || duplicate === 'redirect_uri') {
      rt.store.stats.authorize.errors++;
      return errorPage(c, `${duplicate} given more than once.`);
    }
    const client = rt.clients.get(params.get('client_id') ?? '');
    if (client === undefined) {
      rt.store.stats.authorize.errors++;
      return errorPage(c, 'Unknown client_id.');
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!client.redirectUris.includes(redirectUri)) {
      rt.store.stats.authorize.errors++;
      return errorPage(c, 'redirect_uri is not registered for this client.');
    }
    const state = params.get('state');
    try {
      const req: ValidRequest = { client, redirectUri, ...validateRest(params, duplicate, client) };
      let customer: SeedCustomer | null;
      if (req.submitHint) {
        customer = findCustomerByEmail(req.loginHint ?? '');
        if (customer === null) throw new AuthorizeError('access_denied', 'no customer with that e-mail');
      } else {
        const session = currentSession(c);
        if (req.prompt === 'none' && session === null) {
          throw new AuthorizeError('login_required', 'the customer is not signed in');
        }
        if (session === null || req.prompt === 'login') {
          return c.html(signInPage(params, path, req.loginHint));
        }
        customer = CUSTOMERS.find((x) => x.id === session.customerId) ?? null;
        if (customer === null) throw new AuthorizeError('login_required', 'the customer is not signed in');
      }
      const session = startSession(c, customer);
      const code = randomToken('shcac_');
      rt.store.codes.set(code, {
        clientId: client.clientId,
        redirectUri,
        codeChallenge: req.codeChallenge,
        customerId: customer.id,
        nonce: req.nonce,
        sid: session.sid,
        expiresAtMs: rt.now() + CODE_TTL_MS,
        redeemed: false,
        grantId: null,
      });
      rt.store.stats.authorize.codesIssued++;
      return c.redirect(redirectWith(redirectUri, { code, state: req.state }), 302);
    } catch (err) {
      if (!(err instanceof AuthorizeError)) throw err;
      rt.store.stats.authorize.errors++;
      const answer: Record<string, string> =
        err.error === 'login_required' && rt.config.loginRequiredAs === 'code'
          ? { code: err.error }
          : { error: err.error, error_description: err.description };
      if (state !== undefined && state !== '') answer.state = state;
      return c.redirect(redirectWith(redirectUri, answer), 302);
    }
  };

  app.get(path, (c) => {
    const { params, duplicate } = strictParams(new URL(c.req.url).searchParams);
    return handle(c, params, duplicate);
  });
  // The sign-in page posts the original request back with the chosen customer as a submitted hint.
  app.post(path, async (c) => {
    const form = parseStrictForm(c.req.header('content-type'), await c.req.text());
    if (form === null) return errorPage(c, 'Expected a form submission.');
    return handle(c, form.params, form.duplicate);
  });
  return app;
}
