/**
 * The token endpoint's answer to a refresh grant, already classified (by `server/shopify/`), so the
 * token manager decides on classes, never on raw HTTP.
 */
export type RefreshResult =
  | {
      kind: 'success';
      accessToken: string;
      refreshToken: string;
      expiresInSeconds: number;
    }
  /** `invalid_grant` at any status (also in a 2xx body), or any other 400: the refresh token is dead. */
  | { kind: 'dead_grant'; status: number; errorCode: string | null }
  /** 401 invalid_client/unauthorized_client, 401 with invalid_token in WWW-Authenticate, 403: our config is wrong. */
  | { kind: 'misconfiguration'; status: number; errorCode: string | null }
  /** 401 with an empty error code, 429, 5xx, timeout, network error, malformed body: try again later. */
  | {
      kind: 'transient';
      status: number | null;
      errorCode: string | null;
      /** From the upstream's Retry-After, when it sent one. */
      retryAfterSeconds: number | null;
    };

export type RefreshFailureClass = Exclude<RefreshResult['kind'], 'success'>;

/** Performs one refresh-grant request (no retries: the token manager owns retry policy). Never throws. */
export type RefreshGrant = (refreshToken: string, signal: AbortSignal) => Promise<RefreshResult>;
