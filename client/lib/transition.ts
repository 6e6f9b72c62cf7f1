/**
 * Login and logout that happened by navigation (the OAuth callback, the end-session redirect) are
 * noticed by the page that lands afterwards: it compares the session with the marker the last page
 * left in localStorage (a customer id or `''` — never a token) and broadcasts the difference.
 */

export type Transition = { readonly type: 'login'; readonly customerId: string } | { readonly type: 'logout' } | null;

/** `previous`: the stored marker (`null` if none yet); `currentCustomerId`: `null` when signed out. */
export function sessionTransition(previous: string | null, currentCustomerId: string | null): Transition {
  if (currentCustomerId !== null) {
    return previous === currentCustomerId ? null : { type: 'login', customerId: currentCustomerId };
  }
  return previous !== null && previous !== '' ? { type: 'logout' } : null;
}

/** The marker to store for a session state. */
export const sessionMarker = (currentCustomerId: string | null): string => currentCustomerId ?? '';
