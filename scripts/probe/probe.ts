/**
 * `runShopifyProbe`: one sign-in against a real store (or the emulator), then the token-endpoint behaviour
 * SHOPIFY.md marks UNKNOWN — access-token lifetime, rotation, what reusing a used refresh token does, the
 * grace window if there is one — and the emulator configuration that matches it. All I/O is injected
 * (fetch, clock, sleep, the browser step), so tests drive it against the emulator in-process.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { isAppError } from '../../server/errors.ts';
import { discoverShopify, type ShopifyEndpoints } from '../../server/shopify/discovery.ts';
import { measureRefreshBehaviour, type RefreshBehaviour, type RefreshCall } from './measure.ts';
import {
  ProbeError,
  formatSummary,
  type CallRecord,
  type CallShape,
  type ProbeMeasurements,
  type ProbeReport,
} from './report.ts';
import { SecretSet } from './secrets.ts';
import { signInOnce } from './sign-in.ts';
import { createTokenEndpoint } from './token-endpoint.ts';
import { decideVerdict } from './verdict.ts';

export interface ShopifyProbeOptions {
  /** Where `/.well-known/openid-configuration` lives (the storefront's origin, or the emulator). */
  storefrontOrigin: string;
  clientId: string;
  /** Confidential client (HTTP Basic) when set; public client (PKCE + `Origin`) otherwise. */
  clientSecret: string | null;
  /** The BFF's origin: the redirect URI is `${appOrigin}/auth/callback`, and a public client's `Origin`. */
  appOrigin: string;
  /** The local port the callback listener binds on 127.0.0.1 (a tunnel's target for an https appOrigin). */
  listenPort: number;
  callbackTimeoutMs: number;
  /** Delays, ascending, after which a used refresh token is presented again (only if reuse works at all). */
  graceScheduleSeconds: readonly number[];
  /** Sent as `login_hint` with `login_hint_mode=submit`. */
  loginHint?: string | null;
  /** The browser step: show the URL to a person, or sign in by script (the emulator's `login_hint_mode=submit`). */
  onAuthorizeUrl: (url: string) => void | Promise<void>;
  /** Progress lines (never a secret) while the probe waits. */
  onProgress?: (line: string) => void;
  fetchImpl?: typeof fetch;
  /** Epoch milliseconds. */
  now?: () => number;
  sleep?: (delayMs: number) => Promise<void>;
}

async function discover(storefrontOrigin: string, fetchImpl: typeof fetch): Promise<ShopifyEndpoints> {
  try {
    return await discoverShopify(storefrontOrigin, { fetchImpl });
  } catch (error) {
    if (isAppError(error)) throw new ProbeError('DISCOVERY_FAILED', error.message);
    throw error;
  }
}

const distinct = <T>(values: T[]): T[] => [...new Set(values)];

/** The report's summary of the calls: lifetimes and field names from the answers, the rest as measured. */
function measurementsFrom(calls: CallRecord[], behaviour: RefreshBehaviour, unknown: CallShape): ProbeMeasurements {
  const successes = calls.filter((call) => call.outcome === 'success');
  const codeGrant = successes.find((call) => call.step === 'code');
  const lifetimes = new Map<string, { field: string; seconds: number | null }>();
  for (const { refreshTokenLifetime: lifetime } of successes) {
    if (lifetime !== null) lifetimes.set(`${lifetime.field}=${lifetime.seconds}`, lifetime);
  }
  const refreshFields = behaviour.firstRefresh.fields;
  return {
    accessTokenTtlSeconds: {
      codeGrant: codeGrant?.expiresInSeconds ?? null,
      refreshes: distinct(
        successes.flatMap((call) =>
          call === codeGrant || call.expiresInSeconds === null ? [] : [call.expiresInSeconds],
        ),
      ),
    },
    codeGrantFields: codeGrant?.fields ?? [],
    refreshFields,
    refreshCarries: {
      refreshToken: refreshFields.includes('refresh_token'),
      idToken: refreshFields.includes('id_token'),
    },
    refreshTokenLifetimeFields: [...lifetimes.values()],
    rotation: behaviour.rotation,
    reuse: behaviour.reuse,
    grace: behaviour.grace,
    unknownRefreshToken: unknown,
  };
}

async function probe(options: ShopifyProbeOptions, secrets: SecretSet): Promise<ProbeReport> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((delayMs: number) => sleepFor(delayMs));
  const progress = options.onProgress ?? (() => {});
  const startedAtMs = now();

  const { authorizationServer } = await discover(options.storefrontOrigin, fetchImpl);
  const tokenEndpoint = createTokenEndpoint({
    authorizationServer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    appOrigin: options.appOrigin,
    fetchImpl,
    secrets,
  });
  const signedIn = await signInOnce({
    authorizationServer,
    tokenEndpoint,
    clientId: options.clientId,
    redirectUri: `${options.appOrigin}/auth/callback`,
    listenPort: options.listenPort,
    callbackTimeoutMs: options.callbackTimeoutMs,
    loginHint: options.loginHint ?? null,
    onAuthorizeUrl: options.onAuthorizeUrl,
    secrets,
  });
  const exchangedAtMs = now();
  const calls: CallRecord[] = [{ step: 'code', atSeconds: 0, ...signedIn.shape }];
  const refresh: RefreshCall = async (step, refreshToken) => {
    const answer = await tokenEndpoint.refresh(refreshToken);
    calls.push({ step, atSeconds: Math.round((now() - exchangedAtMs) / 100) / 10, ...answer.shape });
    return answer;
  };

  progress('signed in; measuring the refresh grant');
  const behaviour = await measureRefreshBehaviour({
    refreshToken: signedIn.refreshToken,
    refresh,
    sleep,
    graceScheduleSeconds: options.graceScheduleSeconds,
    progress,
  });
  // Not a secret: a random string no store has issued, for the shape of a dead grant.
  const unknown = await refresh('unknown-token', `probe-unknown-${randomBytes(24).toString('base64url')}`);

  const measurements = measurementsFrom(calls, behaviour, unknown.shape);
  const report: ProbeReport = {
    date: new Date(startedAtMs).toISOString(),
    storefrontOrigin: options.storefrontOrigin,
    issuer: authorizationServer.issuer,
    clientType: options.clientSecret === null ? 'public' : 'confidential',
    measurements,
    calls,
    verdict: decideVerdict(measurements),
  };
  // Everything kept was scrubbed on the way in; this is the last line of defence before anything is shown.
  if (secrets.foundIn(JSON.stringify(report)) || secrets.foundIn(formatSummary(report).join('\n'))) {
    throw new ProbeError('PROBE_FAILED', 'the report would hold a secret, so none was produced');
  }
  return report;
}

/**
 * Runs the probe: discovery, one sign-in through `onAuthorizeUrl`, one code exchange, then the refresh
 * measurements on that grant. Returns the report (nothing in it is secret); prints and writes nothing.
 * @throws ProbeError DISCOVERY_FAILED, CONFIG (callback port), CALLBACK_TIMEOUT, SIGN_IN_FAILED,
 *   EXCHANGE_FAILED, REFRESH_FAILED, PROBE_FAILED — each with a one-line message free of secrets.
 */
export async function runShopifyProbe(options: ShopifyProbeOptions): Promise<ProbeReport> {
  const secrets = new SecretSet([options.clientSecret]);
  try {
    return await probe(options, secrets);
  } catch (error) {
    if (error instanceof ProbeError) throw new ProbeError(error.code, secrets.scrub(error.message));
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ProbeError('PROBE_FAILED', secrets.scrub(reason.split('\n')[0] ?? ''));
  }
}
