import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { signInHints } from './sign-in-hints.ts';

const hints = (query: Record<string, string>) => signInHints((name) => query[name]);

const refusal = (query: Record<string, string>): string => {
  try {
    hints(query);
  } catch (error) {
    if (isAppError(error, 'BAD_REQUEST')) return error.message;
    throw error;
  }
  throw new Error('expected a BAD_REQUEST');
};

describe('signInHints', () => {
  it('passes nothing when nothing is asked, and empty values count as absent', () => {
    expect(hints({})).toEqual({});
    expect(hints({ locale: '', country: '', login_hint: '' })).toEqual({});
  });

  it('passes the login hint and its mode as they come, capped', () => {
    expect(hints({ login_hint: 'a@example.com', login_hint_mode: 'submit', returnTo: '/x' })).toEqual({
      login_hint: 'a@example.com',
      login_hint_mode: 'submit',
    });
    expect(hints({ login_hint: 'x'.repeat(300) }).login_hint).toHaveLength(256);
  });

  it.each([
    ['en', 'en'],
    ['fr-CA', 'fr-CA'],
    ['fr-ca', 'fr-CA'],
    ['PT-br', 'pt-BR'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['es-419', 'es-419'],
  ])("locale %s is sent as Shopify's locale %s", (locale, sent) => {
    expect(hints({ locale })).toEqual({ locale: sent });
  });

  it.each([['ca'], ['CA'], ['gB']])('country %s is sent as region_country, upper-cased', (country) => {
    expect(hints({ country })).toEqual({ region_country: country.toUpperCase() });
  });

  it('takes region_country, Shopify own name, too; country wins when both are given', () => {
    expect(hints({ region_country: 'de' })).toEqual({ region_country: 'DE' });
    expect(hints({ country: 'fr', region_country: 'de' })).toEqual({ region_country: 'FR' });
  });

  it.each(['e', 'english', 'fr_CA', 'fr-', '-CA', 'fr-CAN', 'fr-C4', 'en-US-x-private', 'en US', 'fr-CA;', '😀'])(
    'refuses locale %j with one exact message',
    (locale) => {
      expect(refusal({ locale })).toBe('locale must be a language tag such as en or fr-CA');
    },
  );

  it.each(['C', 'CAN', 'C1', '12', 'U S', 'ÇA'])('refuses country %j with one exact message', (country) => {
    expect(refusal({ country })).toBe('country must be a two-letter country code (ISO 3166-1 alpha-2) such as CA');
    expect(refusal({ region_country: country })).toBe(
      'region_country must be a two-letter country code (ISO 3166-1 alpha-2) such as CA',
    );
  });
});
