/**
 * What `GET /auth/login` passes on to Shopify's sign-in page besides the attempt itself, read from
 * the query the storefront (or the page client) sent:
 *
 * - `login_hint` (an e-mail to prefill) and `login_hint_mode`, as they come (capped);
 * - `locale`, the language of the sign-in page: a language tag such as `en`, `fr-CA` or `zh-Hant-TW`,
 *   sent as Shopify's `locale` parameter (Shopify's name for it, rather than OpenID's `ui_locales`;
 *   regional variants load the market's own translations);
 * - `country`, the market whose policies and branding the page shows: an ISO 3166-1 alpha-2 code,
 *   sent as Shopify's `region_country` (which is also accepted under that name).
 *
 * See shopify.dev, "About market-aware auth URLs for headless stores". A malformed locale or country is
 * refused rather than dropped or passed on: the storefront asked for something it would not get.
 */
import { AppError } from '../errors.ts';

// Language (2-3 letters), then an optional script (4 letters) and region (2 letters or 3 digits): the
// shape of every locale Shopify publishes. Extensions and private use have no meaning there.
const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?$/;
const COUNTRY = /^[A-Za-z]{2}$/;
// An e-mail address is at most 254 characters; anything longer is not a hint.
const MAX_HINT_LENGTH = 256;

/**
 * The authorize parameters for Shopify, by their wire names, from the sign-in query (`query(name)`
 * is the first value of `name`, or `undefined`). Empty values count as absent.
 * @throws AppError BAD_REQUEST naming the parameter when `locale` or `country` is malformed
 */
export function signInHints(query: (name: string) => string | undefined): Record<string, string> {
  const hints: Record<string, string> = {};
  for (const name of ['login_hint', 'login_hint_mode']) {
    const value = query(name);
    if (value) hints[name] = value.slice(0, MAX_HINT_LENGTH);
  }
  const locale = query('locale');
  if (locale) hints.locale = canonicalLocale(locale);
  const countryName = query('country') ? 'country' : 'region_country';
  const country = query(countryName);
  if (country) {
    if (!COUNTRY.test(country)) {
      throw new AppError(
        'BAD_REQUEST',
        `${countryName} must be a two-letter country code (ISO 3166-1 alpha-2) such as CA`,
      );
    }
    hints.region_country = country.toUpperCase();
  }
  return hints;
}

/** `fr-ca` → `fr-CA`, `zh-hant-tw` → `zh-Hant-TW`: the casing Shopify's locales are written in. */
function canonicalLocale(raw: string): string {
  let canonical: string | undefined;
  try {
    if (LOCALE.test(raw)) [canonical] = Intl.getCanonicalLocales(raw);
  } catch {
    canonical = undefined;
  }
  if (canonical === undefined) throw new AppError('BAD_REQUEST', 'locale must be a language tag such as en or fr-CA');
  return canonical;
}
