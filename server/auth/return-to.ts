/**
 * Where a customer may be sent after signing in: a path on our own origin, nothing else. Anything that
 * could leave the origin (`//evil`, `/\evil`, `https://evil`, encoded or whitespace-smuggled forms)
 * falls back to `/`, so the sign-in flow can never be used as an open redirect.
 */
export function safeReturnTo(raw: string | null | undefined, appOrigin: string): string {
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
  return path;
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return '//'; // undecodable: treat as hostile
  }
}

/** The sign-in URL that brings the customer back to `returnTo`. */
export const loginUrlFor = (returnTo: string): string => `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
