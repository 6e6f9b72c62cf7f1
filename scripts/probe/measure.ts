/**
 * The measurements of one grant, in the only order that keeps it alive as long as possible: rotate
 * (R0 → R1), reuse R0 at once, then — only if that worked — time how long a used token keeps working.
 * Every call goes through the injected `refresh`, so the sequence is independent of HTTP and of the clock.
 */
import {
  ProbeError,
  describeCall,
  type CallShape,
  type GraceMeasurement,
  type ProbeStep,
  type ReuseMeasurement,
  type Rotation,
} from './report.ts';
import type { TokenAnswer } from './token-endpoint.ts';

/** One refresh-grant call, recorded under `step` by the caller. */
export type RefreshCall = (step: ProbeStep, refreshToken: string) => Promise<TokenAnswer>;

export interface MeasureInput {
  /** R0: the refresh token of the code exchange. */
  refreshToken: string;
  refresh: RefreshCall;
  sleep: (delayMs: number) => Promise<void>;
  /** Delays, ascending, after which a used token is presented again. */
  graceScheduleSeconds: readonly number[];
  progress: (line: string) => void;
}

export interface RefreshBehaviour {
  /** The answer of the first refresh (R0 → R1). */
  firstRefresh: CallShape;
  rotation: Rotation;
  reuse: ReuseMeasurement | null;
  grace: GraceMeasurement | null;
}

/**
 * Each delay uses a token of its own (use it, wait, present it again), so a window counted from the first
 * use, one reset by every reuse, and a limit on the number of reuses all give the same bracket. On every
 * success the newest refresh token becomes the current one: it is the one a real client would keep.
 */
async function measureGrace(input: MeasureInput, startToken: string): Promise<GraceMeasurement> {
  const scheduleSeconds = [...input.graceScheduleSeconds];
  let current = startToken;
  let lastWorkingDelaySeconds = 0;
  const result = (rest: Partial<GraceMeasurement>): GraceMeasurement => ({
    scheduleSeconds,
    lastWorkingDelaySeconds,
    firstFailingDelaySeconds: null,
    afterWindow: null,
    stoppedEarly: null,
    ...rest,
  });

  for (const delaySeconds of scheduleSeconds) {
    const use = await input.refresh('grace-use', current);
    if (use.kind === 'refused') {
      return result({ stoppedEarly: `the current refresh token was refused (${describeCall(use.shape)})` });
    }
    const used = current;
    current = use.refreshToken ?? current;
    input.progress(`grace: presenting a used refresh token again in ${delaySeconds} s`);
    await input.sleep(delaySeconds * 1000);
    const again = await input.refresh('grace-reuse', used);
    if (again.kind === 'success') {
      lastWorkingDelaySeconds = delaySeconds;
      current = again.refreshToken ?? current;
      continue;
    }
    if (again.shape.outcome !== 'dead_grant') {
      return result({ stoppedEarly: `a reuse met a ${again.shape.outcome} failure (${describeCall(again.shape)})` });
    }
    const check = await input.refresh('check-current', current);
    const afterWindow =
      check.kind === 'success' ? 'reject' : check.shape.outcome === 'dead_grant' ? 'revoke-family' : null;
    return result({ firstFailingDelaySeconds: delaySeconds, afterWindow });
  }
  return result({});
}

/**
 * Rotation, reuse and (when reuse works) the grace window of one grant.
 * @throws ProbeError REFRESH_FAILED when the first refresh is refused.
 */
export async function measureRefreshBehaviour(input: MeasureInput): Promise<RefreshBehaviour> {
  const r0 = input.refreshToken;
  const first = await input.refresh('refresh', r0);
  if (first.kind === 'refused') {
    throw new ProbeError('REFRESH_FAILED', `the first refresh was refused: ${describeCall(first.shape)}`);
  }
  const r1 = first.refreshToken;
  const rotation: Rotation = r1 === null ? 'no-refresh-token' : r1 === r0 ? 'same-token' : 'rotated';
  // Without rotation there is no used token to present again.
  if (r1 === null || rotation !== 'rotated') return { firstRefresh: first.shape, rotation, reuse: null, grace: null };

  input.progress('reuse: presenting the first refresh token again');
  const reuse = await input.refresh('reuse-immediately', r0);
  if (reuse.kind === 'success') {
    const grace = await measureGrace(input, reuse.refreshToken ?? r1);
    return {
      firstRefresh: first.shape,
      rotation,
      reuse: { outcome: 'accepted', sameRefreshTokenAsRotation: reuse.refreshToken === r1 },
      grace,
    };
  }
  // Whether R1 survived the refused reuse is what tells `reject` from `revoke-family`.
  const check = await input.refresh('check-current', r1);
  return {
    firstRefresh: first.shape,
    rotation,
    reuse: { outcome: 'refused', refusal: reuse.shape, currentTokenAfterwards: check.shape.outcome },
    grace: null,
  };
}
