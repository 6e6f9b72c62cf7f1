/**
 * What the probe finds, as written to the report file: field names, statuses, error codes and lifetimes —
 * never a token, a code, an id_token or the client secret. Also the probe's one error family and the human
 * summary the CLI prints.
 */
import type { EmulatorConfig, RefreshTokenReuse } from '../../emulator/config.ts';

/** Stable codes of the failures that stop a probe before it has measured anything worth reporting. */
export type ProbeErrorCode =
  | 'CONFIG' // a missing or bad variable or flag, or the callback port cannot be bound
  | 'DISCOVERY_FAILED' // the storefront's discovery documents are unreachable or not Shopify's
  | 'CALLBACK_TIMEOUT' // nobody completed the sign-in in time
  | 'SIGN_IN_FAILED' // Shopify answered the callback with an error, or the callback is not ours
  | 'EXCHANGE_FAILED' // the code exchange was refused or its answer failed its checks
  | 'REFRESH_FAILED' // the very first refresh was refused: nothing about reuse can be learnt
  | 'PROBE_FAILED'; // anything else (a bug, a network failure between steps)

/** A failure whose message is one line fit to print: it never carries a secret. */
export class ProbeError extends Error {
  override readonly name = 'ProbeError';
  readonly code: ProbeErrorCode;
  constructor(code: ProbeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Which call of the probe's sequence a record belongs to. */
export type ProbeStep =
  | 'code' // the one code exchange
  | 'refresh' // R0 → R1
  | 'reuse-immediately' // R0 again, right after its first use
  | 'check-current' // the newest refresh token, after a refused reuse
  | 'grace-use' // the current token's first use before a timed reuse
  | 'grace-reuse' // a used token presented again after a delay
  | 'unknown-token'; // a random string, for the dead-grant answer

/**
 * `success` for a usable token response; otherwise the class the BFF gives the answer
 * (`server/shopify/classify-refresh.ts`), so the report says how the BFF would react.
 */
export type CallOutcome = 'success' | 'dead_grant' | 'misconfiguration' | 'transient';

/** One token-endpoint answer, reduced to its shape. */
export interface CallShape {
  outcome: CallOutcome;
  /** `null` when no HTTP answer came (network error, timeout). */
  status: number | null;
  contentType: string | null;
  /** The JSON body's top-level field names, sorted; empty for a non-JSON body. */
  fields: string[];
  error: string | null;
  errorDescription: string | null;
  wwwAuthenticate: string | null;
  /** `expires_in` of a success. */
  expiresInSeconds: number | null;
  /** A field announcing the refresh token's own lifetime (e.g. `refresh_token_expires_in`), if any. */
  refreshTokenLifetime: { field: string; seconds: number | null } | null;
}

/** A call as the report's timeline keeps it. */
export interface CallRecord extends CallShape {
  step: ProbeStep;
  /** Seconds since the code exchange (by the probe's clock). */
  atSeconds: number;
}

/** Whether a refresh hands out a new refresh token. */
export type Rotation = 'rotated' | 'same-token' | 'no-refresh-token';

export type ReuseMeasurement =
  | {
      outcome: 'accepted';
      /** Whether the reuse answered the same refresh token as the first rotation did. */
      sameRefreshTokenAsRotation: boolean;
    }
  | {
      outcome: 'refused';
      refusal: CallShape;
      /** The newest refresh token, presented right after the refused reuse. */
      currentTokenAfterwards: CallOutcome;
    };

export interface GraceMeasurement {
  scheduleSeconds: number[];
  /** The longest delay after which a used token still worked; 0 = only the immediate reuse. */
  lastWorkingDelaySeconds: number;
  /** The first delay after which it failed; `null` when it still worked at the longest delay tried. */
  firstFailingDelaySeconds: number | null;
  /** After the window: does a reuse leave the current token alive (`reject`) or kill it (`revoke-family`)? */
  afterWindow: 'reject' | 'revoke-family' | null;
  /** Why the probe stopped before it had a bracket, if it did. */
  stoppedEarly: string | null;
}

export interface ProbeMeasurements {
  accessTokenTtlSeconds: { codeGrant: number | null; refreshes: number[] };
  codeGrantFields: string[];
  refreshFields: string[];
  refreshCarries: { refreshToken: boolean; idToken: boolean };
  /** Refresh-token lifetime fields seen in any success answer. */
  refreshTokenLifetimeFields: { field: string; seconds: number | null }[];
  rotation: Rotation;
  reuse: ReuseMeasurement | null;
  grace: GraceMeasurement | null;
  unknownRefreshToken: CallShape | null;
}

/** The emulator keys a probe can pin down. */
export type EmulatorPatch = Partial<
  Pick<EmulatorConfig, 'refreshTokenReuse' | 'reuseGraceSeconds' | 'accessTokenTtlSeconds' | 'refreshTokenTtlSeconds'>
>;

export interface ProbeVerdict {
  /** The emulator mode that matches the store; `null` when none does or the probe could not tell. */
  refreshTokenReuse: RefreshTokenReuse | null;
  /** The JSON accepted by the emulator's `POST /__emulator/config`. */
  emulatorConfig: EmulatorPatch;
  /** Starts the demo on an emulator that behaves like the store (`npm run emulator` takes the same variable). */
  command: string;
  notes: string[];
}

export interface ProbeReport {
  date: string;
  storefrontOrigin: string;
  issuer: string;
  clientType: 'public' | 'confidential';
  measurements: ProbeMeasurements;
  calls: CallRecord[];
  verdict: ProbeVerdict;
}

/** `400 invalid_grant "…"`: a refusal in a few words. */
export function describeCall(shape: CallShape): string {
  if (shape.status === null)
    return `no HTTP answer${shape.errorDescription === null ? '' : ` (${shape.errorDescription})`}`;
  const parts = [String(shape.status)];
  if (shape.error !== null) parts.push(shape.error === '' ? '(empty error)' : shape.error);
  if (shape.wwwAuthenticate !== null) parts.push(`WWW-Authenticate: ${shape.wwwAuthenticate}`);
  return parts.join(' ');
}

const seconds = (value: number | null) => (value === null ? 'none' : `${value} s`);

function reuseLine(m: ProbeMeasurements): string {
  if (m.reuse === null) return 'not measured (no rotation)';
  if (m.reuse.outcome === 'accepted') return 'accepted right after its first use (a fresh pair)';
  const after =
    m.reuse.currentTokenAfterwards === 'success' ? 'still works' : `is refused too (${m.reuse.currentTokenAfterwards})`;
  return `refused (${describeCall(m.reuse.refusal)}); the newest refresh token ${after}`;
}

function graceLine(grace: GraceMeasurement): string {
  const longest = grace.scheduleSeconds.at(-1) ?? 0;
  const bracket =
    grace.firstFailingDelaySeconds === null
      ? `still worked after ${grace.lastWorkingDelaySeconds} s: longer than the max wait (${longest} s)`
      : `worked after ${grace.lastWorkingDelaySeconds} s, failed after ${grace.firstFailingDelaySeconds} s`;
  return grace.stoppedEarly === null ? bracket : `${bracket}; stopped early: ${grace.stoppedEarly}`;
}

/** The lines the CLI prints after a probe: what was measured and the verdict, nothing secret. */
export function formatSummary(report: ProbeReport): string[] {
  const m = report.measurements;
  const lines = [
    `Shopify probe of ${report.storefrontOrigin} (issuer ${report.issuer}, ${report.clientType} client)`,
    `  access token lifetime: ${seconds(m.accessTokenTtlSeconds.codeGrant)} (code grant), ${m.accessTokenTtlSeconds.refreshes.map((s) => `${s} s`).join(', ') || 'none'} (refresh)`,
    `  refresh answer fields: ${m.refreshFields.join(', ')} (refresh_token: ${m.refreshCarries.refreshToken ? 'yes' : 'no'}, id_token: ${m.refreshCarries.idToken ? 'yes' : 'no'})`,
    `  refresh-token lifetime field: ${m.refreshTokenLifetimeFields.map((f) => `${f.field} = ${seconds(f.seconds)}`).join(', ') || 'none'}`,
    `  rotation: ${m.rotation}`,
    `  reuse of a used refresh token: ${reuseLine(m)}`,
  ];
  if (m.grace !== null) lines.push(`  grace window: ${graceLine(m.grace)}`);
  if (m.unknownRefreshToken !== null) lines.push(`  unknown refresh token: ${describeCall(m.unknownRefreshToken)}`);
  lines.push(
    `  verdict: ${report.verdict.refreshTokenReuse ?? 'no emulator mode matches'} → ${JSON.stringify(report.verdict.emulatorConfig)}`,
    `  run the demo against an emulator that behaves like this store: ${report.verdict.command}`,
    ...report.verdict.notes.map((note) => `  note: ${note}`),
  );
  return lines;
}
