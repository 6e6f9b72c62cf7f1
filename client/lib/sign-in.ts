/**
 * The sign-in URL: the BFF's `GET <basePath>/auth/login` with what the storefront knows about the
 * customer's visit. The BFF checks every value (an open-redirect guard on `returnTo`, lengths on the
 * rest) before anything reaches Shopify: this only spells the query.
 */

/** What a storefront may pass to the sign-in. */
export interface SignInOptions {
  /** Where the customer comes back to after signing in (a same-origin path; default: this page). */
  readonly returnTo?: string;
  /** The language of Shopify's sign-in page, e.g. `fr` or `pt-BR` (query `locale`). */
  readonly locale?: string;
  /** The customer's market, an ISO 3166-1 alpha-2 code such as `CA` (query `country`). */
  readonly countryCode?: string;
  /** The e-mail address to prefill on Shopify's sign-in page (query `login_hint`). */
  readonly loginHint?: string;
}

/**
 * `loginPath` (`bffPaths(basePath).login`) with the query for `options`: `returnTo` always (default
 * `currentPath`), then `login_hint`, `locale` and `country` when given and not blank.
 */
export function signInUrl(loginPath: string, options: SignInOptions, currentPath: string): string {
  const query = new URLSearchParams({ returnTo: options.returnTo ?? currentPath });
  const optional: ReadonlyArray<readonly [string, string | undefined]> = [
    ['login_hint', options.loginHint],
    ['locale', options.locale],
    ['country', options.countryCode],
  ];
  for (const [name, value] of optional) {
    const trimmed = value?.trim() ?? '';
    if (trimmed !== '') query.set(name, trimmed);
  }
  return `${loginPath}?${query.toString()}`;
}

/** The old string form (`signIn('/account')`) and the object form, as one options object. */
export const signInOptions = (value: SignInOptions | string | undefined): SignInOptions =>
  typeof value === 'string' ? { returnTo: value } : (value ?? {});
