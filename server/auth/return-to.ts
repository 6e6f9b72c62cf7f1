/**
 * Where a customer may be sent after signing in: a path on our own origin, nothing else. Anything that
 * could leave the origin (`//evil`, `/\evil`, `https://evil`, encoded or whitespace-smuggled forms)
 * falls back to `/`, so the sign-in flow can never be used as an open redirect.
 *
 * It is a page of the storefront, never one of the BFF's own routes: with a `basePath`, a path under
 * it (`/account-session/auth/login`, say, which would only loop) falls back to `/` too.
 */
export function safeReturnTo(raw: string | null | undefined, appOrigin: string, basePath = ''): string {
  // A backslash or control character never belongs in a path we hand back.
  if (!raw || !raw.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, appOrigin);
  } catch {
    return '/';
  }
  const path = url.pathname + url.search + url.hash;
  // After normalisation (`/.//x` becomes `//x`) a path may start to look protocol-relative again.
  if (url.origin !== appOrigin || path.startsWith('//') || /^\/[\\/]/.test(decodeSafely(path))) return '/';
  // Decoded, as the router would see it: `/account%2Dsession/…` is the BFF's too.
  const pathname = decodeSafely(url.pathname);
  if (basePath !== '' && (pathname === basePath || pathname.startsWith(`${basePath}/`))) return '/';
  return path;
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return '//'; // undecodable: treat as hostile
  }
}

/** The sign-in URL (under the BFF's `basePath`) that brings the customer back to `returnTo`, a storefront path. */
export const loginUrlFor = (returnTo: string, basePath = ''): string =>
  `${basePath}/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
