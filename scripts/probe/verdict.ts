/**
 * From measurements to the emulator configuration that behaves like the store. Pure: the probe's I/O is
 * elsewhere, so every branch here can be checked on hand-made measurements.
 */
import type { RefreshTokenReuse } from '../../emulator/config.ts';
import { describeCall, type EmulatorPatch, type ProbeMeasurements, type ProbeVerdict } from './report.ts';

// The emulator's accepted ranges (emulator/config.ts): a value outside them would be refused whole.
const MAX_ACCESS_TOKEN_TTL_SECONDS = 365 * 24 * 3600;
const MAX_REFRESH_TOKEN_TTL_SECONDS = 10 * 365 * 24 * 3600;
const MAX_GRACE_SECONDS = 24 * 3600;

const inRange = (value: number | null, max: number): value is number =>
  value !== null && Number.isInteger(value) && value >= 1 && value <= max;

type ReuseDecision = { mode: RefreshTokenReuse | null; graceSeconds: number | null; notes: string[] };

function decideReuse(m: Pick<ProbeMeasurements, 'rotation' | 'reuse' | 'grace'>): ReuseDecision {
  const none = (note: string): ReuseDecision => ({ mode: null, graceSeconds: null, notes: [note] });
  if (m.rotation !== 'rotated' || m.reuse === null) {
    return none(
      `refresh tokens are not rotated (${m.rotation}): the emulator always rotates, so no reuse mode matches`,
    );
  }
  if (m.reuse.outcome === 'refused') {
    const { refusal, currentTokenAfterwards } = m.reuse;
    if (refusal.outcome !== 'dead_grant') {
      return none(
        `the reuse was answered ${describeCall(refusal)} (${refusal.outcome}), not as a dead grant: run the probe again`,
      );
    }
    if (currentTokenAfterwards === 'success') return { mode: 'reject', graceSeconds: null, notes: [] };
    if (currentTokenAfterwards === 'dead_grant') return { mode: 'revoke-family', graceSeconds: null, notes: [] };
    return none(
      `the newest token's check after the refused reuse met a ${currentTokenAfterwards} failure: run the probe again`,
    );
  }
  const grace = m.grace;
  if (grace === null) return { mode: 'grace', graceSeconds: 0, notes: ['the grace window was not measured'] };
  const notes: string[] = [];
  const longest = grace.scheduleSeconds.at(-1) ?? 0;
  if (grace.stoppedEarly !== null) {
    notes.push(`the grace measurement stopped early (${grace.stoppedEarly}): reuseGraceSeconds is a lower bound`);
  } else if (grace.firstFailingDelaySeconds === null) {
    notes.push(
      `a used token still worked after ${longest} s, the longest delay tried: the window is at least that (raise PROBE_MAX_WAIT_SECONDS to bracket it)`,
    );
  }
  if (grace.afterWindow === 'revoke-family') {
    notes.push("after the window a reuse revoked the whole grant; the emulator's grace mode only refuses it");
  }
  // The bracket's lower bound: the emulator then refuses no later than the store does.
  return { mode: 'grace', graceSeconds: Math.min(Math.floor(grace.lastWorkingDelaySeconds), MAX_GRACE_SECONDS), notes };
}

/** The emulator configuration matching the measurements, with the notes a reader needs to trust it. */
export function decideVerdict(
  m: Pick<ProbeMeasurements, 'rotation' | 'reuse' | 'grace' | 'accessTokenTtlSeconds' | 'refreshTokenLifetimeFields'>,
): ProbeVerdict {
  const reuse = decideReuse(m);
  const notes = [...reuse.notes];
  const patch: EmulatorPatch = {};
  if (reuse.mode !== null) patch.refreshTokenReuse = reuse.mode;
  if (reuse.graceSeconds !== null) patch.reuseGraceSeconds = reuse.graceSeconds;

  const { codeGrant, refreshes } = m.accessTokenTtlSeconds;
  const accessTtlSeconds = codeGrant ?? refreshes[0] ?? null;
  if (inRange(accessTtlSeconds, MAX_ACCESS_TOKEN_TTL_SECONDS)) patch.accessTokenTtlSeconds = accessTtlSeconds;
  else notes.push(`expires_in (${accessTtlSeconds}) is not a whole number of seconds the emulator accepts`);
  if (refreshes.some((seconds) => seconds !== accessTtlSeconds)) {
    notes.push(`refreshes answered expires_in ${refreshes.join(', ')} against ${codeGrant} for the code grant`);
  }

  const [lifetime] = m.refreshTokenLifetimeFields.flatMap(({ field, seconds }) =>
    inRange(seconds, MAX_REFRESH_TOKEN_TTL_SECONDS) ? [{ field, seconds }] : [],
  );
  if (lifetime !== undefined) {
    patch.refreshTokenTtlSeconds = lifetime.seconds;
    notes.push(`the store announces the refresh token's lifetime in ${lifetime.field}`);
  } else {
    notes.push(
      'the store announces no refresh-token lifetime; refreshTokenTtlSeconds is not measured (it would take waiting it out)',
    );
  }

  return {
    refreshTokenReuse: reuse.mode,
    emulatorConfig: patch,
    command: `EMULATOR_CONFIG='${JSON.stringify(patch)}' npm start`,
    notes,
  };
}
