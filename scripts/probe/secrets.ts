/**
 * The probe handles live tokens of a real customer: every token, the authorization code, the PKCE verifier
 * and the client secret are remembered here, so that anything taken from Shopify's answers (an
 * `error_description`, a `WWW-Authenticate` header) is scrubbed before it is kept, and the finished report
 * can be checked for a leak before it is written.
 */

const REDACTED = '[redacted]';
/** Long enough for any error description we have seen; a longer one is noise, not a shape. */
const MAX_RECORDED_CHARS = 300;

/** The set of secret strings one probe run has met. */
export class SecretSet {
  readonly #values = new Set<string>();

  constructor(initial: Iterable<string | null> = []) {
    for (const value of initial) this.add(value);
  }

  /** Remembers a secret; empty and absent values are ignored (they would match everything). */
  add(value: string | null | undefined): void {
    if (typeof value === 'string' && value !== '') this.#values.add(value);
  }

  /** `text` with every known secret replaced and cut to a length fit for a report. */
  scrub(text: string): string {
    let scrubbed = text;
    for (const value of this.#values) scrubbed = scrubbed.split(value).join(REDACTED);
    return scrubbed.length > MAX_RECORDED_CHARS ? `${scrubbed.slice(0, MAX_RECORDED_CHARS)}…` : scrubbed;
  }

  /** Whether `text` holds a known secret, as is or JSON-escaped. */
  foundIn(text: string): boolean {
    for (const value of this.#values) {
      if (text.includes(value) || text.includes(JSON.stringify(value).slice(1, -1))) return true;
    }
    return false;
  }
}
