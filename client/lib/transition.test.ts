import { describe, expect, it } from 'vitest';
import { sessionMarker, sessionTransition } from './transition.ts';

describe('sessionTransition', () => {
  it.each([
    ['first sign-in in this browser', null, 'c1', { type: 'login', customerId: 'c1' }],
    ['sign-in after a sign-out', '', 'c1', { type: 'login', customerId: 'c1' }],
    ['another customer signed in', 'c2', 'c1', { type: 'login', customerId: 'c1' }],
    ['same customer, another page', 'c1', 'c1', null],
    ['sign-out noticed on landing', 'c1', null, { type: 'logout' }],
    ['still signed out', '', null, null],
    ['never signed in', null, null, null],
  ] as const)('%s', (_name, previous, current, expected) =>
    expect(sessionTransition(previous, current)).toEqual(expected),
  );
  it('stores a customer id or an empty marker', () => {
    expect(sessionMarker('c1')).toBe('c1');
    expect(sessionMarker(null)).toBe('');
  });
});
