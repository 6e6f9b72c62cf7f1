/**
 * The probe's configuration: the BFF's own variables (so the probe signs in exactly as the BFF would) plus
 * a few PROBE_* ones, and the command line. Validated once; a bad or missing value is one line naming it.
 */
import { parseOrigin, wholeNumber as bffWholeNumber } from '../../server/config.ts';
import { isAppError } from '../../server/errors.ts';
import type { ShopifyProbeOptions } from './probe.ts';
import { ProbeError } from './report.ts';

type Env = Record<string, string | undefined>;

export const USAGE = `Usage: npm run probe:shopify -- [--out <file>] [--login-hint <email>]

Signs in once to a real store's Customer Account API and measures what SHOPIFY.md marks UNKNOWN about
refresh tokens; writes a JSON report (default probe-report.json) and prints a summary. Never prints a token.

Environment (as for the BFF): SHOPIFY_STOREFRONT_ORIGIN, SHOPIFY_CLIENT_ID, SHOPIFY_CLIENT_SECRET (optional:
confidential client), APP_ORIGIN (default http://localhost:$PORT, PORT default 3000; the redirect URI is
$APP_ORIGIN/auth/callback and must be registered). Probe only:
  PROBE_LISTEN_PORT               local port of the callback listener (required for an https APP_ORIGIN: the
                                  port your tunnel forwards to); default APP_ORIGIN's port
  PROBE_CALLBACK_TIMEOUT_SECONDS  how long to wait for the sign-in (default 600)
  PROBE_MAX_WAIT_SECONDS          the longest delay tried for a grace window (default 120)
  PROBE_GRACE_SCHEDULE_SECONDS    the delays tried, e.g. 1,5,30 (default 1,2,5,10,15,30,60,… up to the max)`;

/** The options `runShopifyProbe` needs from configuration (the rest is I/O the CLI wires). */
export type ProbeSettings = Pick<
  ShopifyProbeOptions,
  | 'storefrontOrigin'
  | 'clientId'
  | 'clientSecret'
  | 'appOrigin'
  | 'listenPort'
  | 'callbackTimeoutMs'
  | 'graceScheduleSeconds'
  | 'loginHint'
>;

export interface ProbeCliConfig {
  settings: ProbeSettings;
  /** Where the JSON report is written. */
  outPath: string;
}

// Grace windows people configure are round numbers; a delay on each keeps the bracket tight where it matters.
const ROUND_DELAYS_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400];
const MAX_WAIT_LIMIT_SECONDS = 24 * 3600;

// Typed on the binding so that a call narrows like `throw` does.
const fail: (message: string) => never = (message) => {
  throw new ProbeError('CONFIG', message);
};

/** The BFF's own rules for these variables (server/config.ts), with the probe's error type. */
function fromBffRules<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isAppError(error, 'CONFIG')) return fail(error.message);
    throw error;
  }
}

function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  return fromBffRules(() => bffWholeNumber({ [name]: raw }, name, fallback, min, max));
}

const origin = (name: string, raw: string): URL => new URL(fromBffRules(() => parseOrigin(name, raw)));

/** The delays tried for a grace window: round numbers below the max wait, then the max wait itself. */
export function defaultGraceSchedule(maxWaitSeconds: number): number[] {
  return [...ROUND_DELAYS_SECONDS.filter((delaySeconds) => delaySeconds < maxWaitSeconds), maxWaitSeconds];
}

function graceSchedule(raw: string | undefined, maxWaitSeconds: number): number[] {
  if (raw === undefined || raw.trim() === '') return defaultGraceSchedule(maxWaitSeconds);
  const delays = raw.split(',').map((part) => Number(part.trim()));
  const ascending = delays.every(
    (delay, i) => Number.isInteger(delay) && delay >= 1 && (i === 0 || delay > (delays[i - 1] ?? 0)),
  );
  if (!ascending || delays.some((delay) => delay > maxWaitSeconds)) {
    fail(
      `PROBE_GRACE_SCHEDULE_SECONDS must be ascending whole seconds up to PROBE_MAX_WAIT_SECONDS (${maxWaitSeconds}), got "${raw}"`,
    );
  }
  return delays;
}

function listenPort(env: Env, appOrigin: URL): number {
  const raw = env.PROBE_LISTEN_PORT;
  if (appOrigin.protocol === 'https:' && (raw === undefined || raw.trim() === '')) {
    fail('APP_ORIGIN is https: set PROBE_LISTEN_PORT to the local port your tunnel forwards to');
  }
  return wholeNumber('PROBE_LISTEN_PORT', raw, appOrigin.port === '' ? 80 : Number(appOrigin.port), 1, 65535);
}

function flags(argv: readonly string[]): { out: string; loginHint: string | null; help: boolean } {
  let out = 'probe-report.json';
  let loginHint: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { out, loginHint, help: true };
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') && equals !== -1 ? arg.slice(0, equals) : arg;
    if (name !== '--out' && name !== '--login-hint') return fail(`unknown argument "${arg}" (see --help)`);
    const value = (name === arg ? argv[++i] : arg.slice(equals + 1)) || fail(`${name} needs a value`);
    if (name === '--out') out = value;
    else loginHint = value;
  }
  return { out, loginHint, help: false };
}

/**
 * Reads the command line and the environment.
 * @returns `'help'` for `--help`.
 * @throws ProbeError CONFIG with one line naming the bad or missing value.
 */
export function parseProbeCli(argv: readonly string[], env: Env): ProbeCliConfig | 'help' {
  const cli = flags(argv);
  if (cli.help) return 'help';
  const port = wholeNumber('PORT', env.PORT, 3000, 1, 65535);
  const appOrigin = origin('APP_ORIGIN', env.APP_ORIGIN || `http://localhost:${port}`);
  const storefrontOrigin = origin(
    'SHOPIFY_STOREFRONT_ORIGIN',
    env.SHOPIFY_STOREFRONT_ORIGIN ||
      fail('SHOPIFY_STOREFRONT_ORIGIN is required (where /.well-known/openid-configuration is served)'),
  );
  const clientId = env.SHOPIFY_CLIENT_ID?.trim() || fail('SHOPIFY_CLIENT_ID is required');
  const maxWaitSeconds = wholeNumber(
    'PROBE_MAX_WAIT_SECONDS',
    env.PROBE_MAX_WAIT_SECONDS,
    120,
    1,
    MAX_WAIT_LIMIT_SECONDS,
  );
  return {
    settings: {
      storefrontOrigin: storefrontOrigin.origin,
      clientId,
      clientSecret: env.SHOPIFY_CLIENT_SECRET?.trim() || null,
      appOrigin: appOrigin.origin,
      listenPort: listenPort(env, appOrigin),
      callbackTimeoutMs:
        wholeNumber(
          'PROBE_CALLBACK_TIMEOUT_SECONDS',
          env.PROBE_CALLBACK_TIMEOUT_SECONDS,
          600,
          1,
          MAX_WAIT_LIMIT_SECONDS,
        ) * 1000,
      graceScheduleSeconds: graceSchedule(env.PROBE_GRACE_SCHEDULE_SECONDS, maxWaitSeconds),
      loginHint: cli.loginHint,
    },
    outPath: cli.out,
  };
}
