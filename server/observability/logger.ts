import { pino } from 'pino';
import type { DestinationStream, Level, Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * Defence in depth: call sites log a session hash and never a secret, but if a record, a token
 * response or a callback query ever lands in a log by mistake, these keys are censored anyway.
 * Both the top level and one level down are listed because pino's `*` matches exactly one level.
 */
const SECRET_KEYS = [
  'accessToken',
  'refreshToken',
  'idToken',
  'code',
  'codeVerifier',
  'sid',
  'access_token',
  'refresh_token',
  'id_token',
  'code_verifier',
  'authorization',
  'cookie',
] as const;

export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`]);

export interface LoggerOptions {
  /** Minimum level written; default `info`. */
  level?: Level | 'silent';
  /** Where JSON lines go; default stdout. Tests pass a capturing stream. */
  destination?: DestinationStream;
  /** Fields added to every line (e.g. `{ service: 'bff' }`). */
  base?: Record<string, string | number>;
}

/** Creates the JSON logger: one line per event, `event` field set by the caller, secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: options.base ?? null,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** A destination that keeps every line in memory, parsed; for tests. */
export function createCapturingDestination(): DestinationStream & {
  readonly lines: string[];
  events(): Array<Record<string, unknown>>;
} {
  const lines: string[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
    },
    events() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}
