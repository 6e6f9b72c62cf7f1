import { describe, expect, it } from 'vitest';
import { signInOptions, signInUrl } from './sign-in.ts';

const query = (url: string) => [...new URL(url, 'http://shop.test').searchParams];

describe('signInUrl', () => {
  it('comes back to this page by default', () =>
    expect(signInUrl('/auth/login', {}, '/account?tab=orders')).toBe('/auth/login?returnTo=%2Faccount%3Ftab%3Dorders'));

  it('maps every option to the query the BFF reads', () =>
    expect(
      query(
        signInUrl(
          '/account-session/auth/login',
          { returnTo: '/cart', loginHint: 'alice@example.com', locale: 'fr', countryCode: 'CA' },
          '/',
        ),
      ),
    ).toEqual([
      ['returnTo', '/cart'],
      ['login_hint', 'alice@example.com'],
      ['locale', 'fr'],
      ['country', 'CA'],
    ]));

  it('keeps the base path', () =>
    expect(signInUrl('/account-session/auth/login', {}, '/').startsWith('/account-session/auth/login?')).toBe(true));

  it('leaves out blank options, and trims the others', () =>
    expect(query(signInUrl('/auth/login', { locale: ' ', countryCode: '', loginHint: ' a@b.c ' }, '/'))).toEqual([
      ['returnTo', '/'],
      ['login_hint', 'a@b.c'],
    ]));

  it('encodes what it is given (the BFF checks it)', () =>
    expect(query(signInUrl('/auth/login', { returnTo: '/a?b=1&c=2#d', locale: 'x&y=z' }, '/'))).toEqual([
      ['returnTo', '/a?b=1&c=2#d'],
      ['locale', 'x&y=z'],
    ]));
});

describe('signInOptions', () => {
  it('reads the old string form as returnTo', () =>
    expect(signInOptions('/account')).toEqual({ returnTo: '/account' }));
  it('passes the object form through', () => expect(signInOptions({ locale: 'fr' })).toEqual({ locale: 'fr' }));
  it('nothing is no options', () => expect(signInOptions(undefined)).toEqual({}));
});
