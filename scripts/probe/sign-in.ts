/**
 * The probe's one sign-in: a loopback listener at the redirect URI, the authorize URL (PKCE S256, state,
 * nonce), the callback checked against the state, and the single code exchange. A person (or, in tests, a
 * script) performs the browser step in between.
 */
import { createServer } from 'node:http';
import * as oauth from 'oauth4webapi';
import { SCOPES } from '../../server/shopify/client.ts';
import { ProbeError, type CallShape } from './report.ts';
import type { SecretSet } from './secrets.ts';
import type { TokenEndpoint } from './token-endpoint.ts';

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The page's URL holds the authorization code.
  'referrer-policy': 'no-referrer',
  connection: 'close',
};
const RECEIVED_PAGE =
  '<!doctype html><title>Probe</title><p>Signed in. The probe is measuring now: see the terminal. You can close this tab.</p>';
const LATE_PAGE = '<!doctype html><title>Probe</title><p>The probe already has a sign-in. You can close this tab.</p>';

/** The loopback end of the redirect URI: the query of the first request to its path. */
export interface CallbackListener {
  received: Promise<URLSearchParams>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` for the sign-in callback at `path`.
 * @throws ProbeError CONFIG when the port cannot be bound (e.g. the BFF is running on it).
 */
export async function listenForCallback(port: number, path: string): Promise<CallbackListener> {
  let deliver: (params: URLSearchParams) => void = () => {};
  const received = new Promise<URLSearchParams>((resolve) => {
    deliver = resolve;
  });
  let delivered = false;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'GET' || url.pathname !== path) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Not found\n');
      return;
    }
    response.writeHead(200, PAGE_HEADERS).end(delivered ? LATE_PAGE : RECEIVED_PAGE);
    if (!delivered) {
      delivered = true;
      deliver(url.searchParams);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ProbeError(
      'CONFIG',
      `cannot listen on 127.0.0.1:${port} for the sign-in callback (${reason}): is the BFF running on it?`,
    );
  }
  return {
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SignInOptions {
  authorizationServer: oauth.AuthorizationServer;
  tokenEndpoint: TokenEndpoint;
  clientId: string;
  redirectUri: string;
  listenPort: number;
  callbackTimeoutMs: number;
  /** Sent as `login_hint` with `login_hint_mode=submit`: the e-mail is filled in and submitted. */
  loginHint: string | null;
  /** Performs (or asks a person to perform) the browser step; the callback may arrive before it returns. */
  onAuthorizeUrl: (url: string) => void | Promise<void>;
  secrets: SecretSet;
}

/** The code exchange's answer and the refresh token the measurements start from. */
export interface SignedIn {
  shape: CallShape;
  refreshToken: string;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProbeError('CALLBACK_TIMEOUT', `no sign-in callback within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Signs in once and exchanges the code once.
 * @throws ProbeError CONFIG (callback port), CALLBACK_TIMEOUT, SIGN_IN_FAILED (the browser step failed,
 *   Shopify answered with an error, or the state does not match), EXCHANGE_FAILED.
 */
export async function signInOnce(options: SignInOptions): Promise<SignedIn> {
  const { authorizationServer: as, clientId, redirectUri, secrets } = options;
  if (as.authorization_endpoint === undefined) {
    throw new ProbeError('DISCOVERY_FAILED', 'discovery: authorization_endpoint is missing');
  }
  const listener = await listenForCallback(options.listenPort, new URL(redirectUri).pathname);
  try {
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const codeVerifier = oauth.generateRandomCodeVerifier();
    secrets.add(codeVerifier);
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({
      ...(options.loginHint === null ? {} : { login_hint: options.loginHint, login_hint_mode: 'submit' }),
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: SCOPES,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();

    const browserStep = Promise.resolve()
      .then(() => options.onAuthorizeUrl(url.href))
      .catch((error: unknown) => {
        const reason = secrets.scrub(error instanceof Error ? error.message : String(error));
        throw new ProbeError('SIGN_IN_FAILED', `the sign-in step failed: ${reason}`);
      });
    const [callbackParams] = await withTimeout(
      Promise.all([listener.received, browserStep]),
      options.callbackTimeoutMs,
    );
    secrets.add(callbackParams.get('code'));

    let validated: URLSearchParams;
    try {
      validated = oauth.validateAuthResponse(as, { client_id: clientId }, callbackParams, state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        throw new ProbeError('SIGN_IN_FAILED', `Shopify declined the sign-in: ${secrets.scrub(error.error)}`);
      }
      const code = error instanceof oauth.OperationProcessingError ? (error.code ?? error.name) : 'invalid';
      throw new ProbeError(
        'SIGN_IN_FAILED',
        `the sign-in callback is not valid (${code}): was it from another attempt?`,
      );
    }
    const answer = await options.tokenEndpoint.exchangeCode(validated, redirectUri, { codeVerifier, nonce });
    if (answer.kind === 'refused')
      throw new ProbeError('EXCHANGE_FAILED', `the code exchange failed: ${answer.reason}`);
    return { shape: answer.shape, refreshToken: answer.refreshToken };
  } finally {
    await listener.close();
  }
}
