/**
 * The one rule for every URL tokens or session cookies cross: https, or plain http on loopback only
 * (the emulator, local development). Config, discovery and the cookie all apply it through here.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const isLoopbackUrl = (url: URL): boolean => LOOPBACK_HOSTS.has(url.hostname);

/** How the rule reads in an error message, after the name of what broke it. */
export const SECURE_ORIGIN_RULE = 'must use https (plain http is allowed only on localhost)';

/**
 * `url` when it is https, or http on loopback; otherwise `fail` with the rule's wording.
 * @throws whatever `fail` throws (each caller keeps its own error code)
 */
export function requireSecureOrigin(url: URL, fail: (rule: string) => never): URL {
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url))) return url;
  return fail(SECURE_ORIGIN_RULE);
}
