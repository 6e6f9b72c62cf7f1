/**
 * The customer client: what a storefront imports to call the Shopify Customer Account API through
 * the BFF from any number of tabs, with one token refresh for all of them and no token in the page.
 *
 * ```ts
 * const customer = createCustomerClient({ onSignedOut: () => showSignedOut() });
 * const { data } = await customer.query(`{ customer { displayName } }`);
 * ```
 *
 * Controlled pages send calls through the service worker (the ready-made one registered here with
 * workbox-window, or the storefront's own that runs `installCustomerSession`: see `worker.ts`);
 * uncontrolled ones (first load, Shift+reload, no SW) run the SW's own coordinator (`client/core/`)
 * themselves. The BFF may be mounted under a base path (`basePath`): every URL follows it.
 */
import { Workbox } from 'workbox-window';
import type { BusMessage, BusSender, CartAttachment, SessionView, SignedOutReason } from '../messages.ts';
import { answerErrorCode } from './answer.ts';
import { createCoordinator, offlineResponse, type Coordinator } from '../core/coordinator.ts';
import { isBusMessage } from '../core/guard.ts';
import { createLock } from '../core/lock.ts';
import {
  bffPaths,
  BUS_CHANNEL,
  OBSERVED_BY_SW_HEADER,
  parseBasePath,
  parseSessionView,
  REFRESH_LOCK,
  REFRESH_LOCK_WAIT_MS,
  stampBusMessage,
  type BusPayload,
} from '../core/policy.ts';
import { Emitter } from './emitter.ts';
import { refreshingAfter } from './refreshing.ts';
import { signInOptions, signInUrl, type SignInOptions } from './sign-in.ts';
import { sessionMarker, sessionTransition } from './transition.ts';
import { workerScriptUrl, workerSetup, type ServiceWorkerMode } from './worker.ts';

export type { BusMessage, BusSender, CartAttachment, SessionView, SignedOutReason } from '../messages.ts';
export type { SignInOptions } from './sign-in.ts';
export type { ServiceWorkerMode } from './worker.ts';

const MARKER_KEY = 'customer-session.v1:customer';
/** In `localStorage`: when a tab of this browser left for sign-in after a dead session (ms epoch). */
const SIGN_IN_TURN_KEY = 'customer-session.v1:sign-in-started';
/** How long one tab's sign-in counts for the others: past it (an abandoned sign-in), another may go. */
const SIGN_IN_TURN_MS = 60_000;
/** The Web Lock the tabs of a browser take turns with to go to sign-in. */
const SIGN_IN_TURN_LOCK = 'customer-session.v1:sign-in-turn';
/** How long a tab nobody is looking at leaves a visible one to go first. */
const HIDDEN_TAB_GRACE_MS = 500;

/** In `localStorage`: when a tab of this browser last learned of a live session (ms epoch). */
const SIGNED_IN_AT_KEY = 'customer-session.v1:signed-in-at';

/**
 * Takes this browser's sign-in turn for a session found dead at `signedOutAtMs`: `false` when another
 * tab took it in the last `SIGN_IN_TURN_MS`, or when some tab has been signed in since (that sign-in
 * already happened: its broadcast is on its way here).
 */
function claimSignInTurn(signedOutAtMs: number): boolean {
  try {
    if (Number(localStorage.getItem(SIGNED_IN_AT_KEY)) >= signedOutAtMs) return false;
    const started = Number(localStorage.getItem(SIGN_IN_TURN_KEY));
    if (started > 0 && Date.now() - started < SIGN_IN_TURN_MS) return false;
    localStorage.setItem(SIGN_IN_TURN_KEY, String(Date.now()));
  } catch {
    // No storage to agree on: this tab goes (the old behaviour, every tab on its own).
  }
  return true;
}

/** In `sessionStorage`: this tab already made (or, signing out, gave up) its silent sign-in attempt. */
const SILENT_TRIED_KEY = 'customer-session.v1:silent-tried';

/** Reads and sets the tab's silent-attempt flag; `false` (no attempt) where storage is unavailable. */
function takeSilentAttempt(): boolean {
  try {
    if (sessionStorage.getItem(SILENT_TRIED_KEY) !== null) return false;
    sessionStorage.setItem(SILENT_TRIED_KEY, '1');
    return true;
  } catch {
    return false;
  }
}

export type CustomerClientErrorCode =
  | 'REAUTH_REQUIRED' // the session is gone (every tab has been told)
  | 'UPSTREAM_UNAVAILABLE' // Shopify hiccup: try again later, still signed in
  | 'OFFLINE' // no network: still signed in
  | 'CSRF'
  | 'HTTP_ERROR'; // anything else the BFF answered

/** Every failure of `query()`; `status` is the HTTP status seen (503 for offline). */
export class CustomerClientError extends Error {
  override readonly name = 'CustomerClientError';
  readonly code: CustomerClientErrorCode;
  readonly status: number;
  constructor(code: CustomerClientErrorCode, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Shopify's GraphQL response shape, passed through unchanged. */
export interface GraphQLResponse<TData> {
  readonly data?: TData | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: Record<string, unknown> }[];
  readonly extensions?: Record<string, unknown>;
}

export interface CustomerClientEvents {
  /** This tab learned it is signed in (load, or a sign-in in another tab). */
  'signed-in': SessionView;
  /** The session is gone: `reauth_required` (dead grant) or `signed_out` (someone signed out). */
  'signed-out': { readonly reason: SignedOutReason };
  /** Some context (this one, another tab, the SW) refreshed the tokens. */
  refreshed: { readonly expiresAtMs: number; readonly by: BusSender };
  /** A refresh started (`active`) or ended, in any context: for a "refreshing…" indicator. */
  refreshing: { readonly active: boolean };
  offline: undefined;
  online: undefined;
  /** Every bus message this tab sent or received: the panel's event stream. */
  activity: { readonly message: BusMessage; readonly own: boolean };
  /** The SW started or stopped controlling this page. */
  controller: { readonly controlled: boolean };
}

export interface CustomerClientOptions {
  /**
   * Replaces the default reaction to a session that ended elsewhere or here (the default goes to
   * `<basePath>/auth/login?returnTo=<this page>`).
   */
  readonly onSignedOut?: (reason: SignedOutReason) => void;
  /**
   * Where the BFF is mounted on this origin (default `''`, the site root; e.g. `/account-session`): its
   * routes are then `<basePath>/auth/session`, `<basePath>/api/customer/graphql`, …
   * @throws TypeError at creation when it is not a plain path (see `parseBasePath`).
   */
  readonly basePath?: string;
  /**
   * Which service worker routes the calls (default `register`): `register` the ready-made `sw.js`
   * (at `serviceWorkerUrl`), `external` the storefront's own SW that calls `installCustomerSession`
   * (never registered or unregistered here), `none` no SW at all.
   */
  readonly serviceWorker?: ServiceWorkerMode;
  /**
   * For `register`: the ready-made SW's script URL (default `/sw.js`, scope `/`). `null` means no SW,
   * like `serviceWorker: 'none'`.
   */
  readonly serviceWorkerUrl?: string | null;
  /** How this tab names itself in other tabs' event streams. */
  readonly label?: string;
  /**
   * Silent sign-in (the BFF needs `SILENT_SIGN_IN=1`): on a page load without a session, once per tab
   * session, a top-level `prompt=none` round trip to Shopify. A customer signed in there (after checkout,
   * say) comes back signed in; one who is not comes back to this page, signed out. Never after a
   * sign-out in this tab; the BFF itself allows one attempt per browser session, so it cannot loop.
   */
  readonly silentSignIn?: boolean;
}

export interface CustomerClient {
  /** Resolves once the first `GET /auth/session` is done (`null` when offline). */
  readonly ready: Promise<SessionView | null>;
  /**
   * Runs a Customer Account API query through the BFF.
   * @throws CustomerClientError `REAUTH_REQUIRED`, `UPSTREAM_UNAVAILABLE`, `OFFLINE`, `CSRF`, `HTTP_ERROR`.
   */
  query<TData = unknown>(
    query: string,
    variables?: Readonly<Record<string, unknown>>,
    operationName?: string,
  ): Promise<GraphQLResponse<TData>>;
  /** Reads the session from the BFF (the public view: never a token). `null` when offline. */
  session(): Promise<SessionView | null>;
  /**
   * Re-reads the session from the BFF and, when its expiry moved, tells every other tab and the SW.
   * For code that changed the session behind this library's back (an admin or test control that
   * shortened the tokens' life): without it, the other contexts would act on the old expiry.
   * `null` when offline.
   */
  resync(): Promise<SessionView | null>;
  /** The last session view seen. */
  readonly current: SessionView | null;
  /** The session's token expiry as this tab knows it (ms epoch), `null` when unknown or signed out. */
  readonly expiresAtMs: number | null;
  /** A service worker routes this page's calls (never with `serviceWorker: 'none'`). */
  readonly controlled: boolean;
  readonly offline: boolean;
  /** Some context (this tab, another tab, the SW) is refreshing the tokens right now. */
  readonly refreshing: boolean;
  readonly sender: BusSender;
  /** The sign-in URL (`<basePath>/auth/login?returnTo=…`); a string is the old form of `{ returnTo }`. */
  loginUrl(options?: SignInOptions | string): string;
  /**
   * Navigates to the store's sign-in; comes back to `returnTo` (default: this page). `locale`,
   * `countryCode` and `loginHint` go to Shopify's sign-in page. A string is the old form of `{ returnTo }`.
   */
  signIn(options?: SignInOptions | string): void;
  /** Signs out everywhere (a form POST to the BFF, then Shopify's end-session page). */
  signOut(): void;
  /**
   * After a dead session (`signed-out` with `reauth_required`): goes to sign-in from this tab if it is
   * this browser's turn, so that 5 open tabs make 1 sign-in, not 5. The tab the customer is looking at
   * goes (a hidden tab only if its own call found the session dead, and no visible tab went first);
   * the others stay, signed out, and come back signed in on that sign-in's broadcast, with no reload.
   * Resolves `true` when this tab is leaving. The default reaction when `onSignedOut` is not given.
   */
  reauthenticate(options?: SignInOptions | string): Promise<boolean>;
  /**
   * Binds a Storefront API cart to the signed-in customer, so that its checkout opens signed in with
   * their addresses (`POST <basePath>/api/cart/buyer-identity`; the BFF needs its Storefront API token).
   * The customer's token stays on the server; sign-out detaches the cart there.
   * @throws CustomerClientError as `query` (`REAUTH_REQUIRED` when signed out, `HTTP_ERROR` for a bad id).
   */
  attachCart(cartId: string): Promise<CartAttachment>;
  on<E extends keyof CustomerClientEvents>(event: E, listener: (payload: CustomerClientEvents[E]) => void): () => void;
  /**
   * Stops listening (the bus, network and SW events, the offline probe), for a page framework that
   * unmounts what created the client. Calls already made still settle; the client is not reusable.
   */
  close(): void;
}

const randomId = (): string => Math.random().toString(36).slice(2, 8);
const currentPath = (): string => `${location.pathname}${location.search}`;

function readMarker(): string | null {
  try {
    return localStorage.getItem(MARKER_KEY);
  } catch {
    return null;
  }
}

function writeMarker(value: string): void {
  try {
    localStorage.setItem(MARKER_KEY, value);
  } catch {
    // Storage disabled: cross-tab login/logout then only travels on the channel.
  }
}

/**
 * Creates the client for this page. Call once per page (or `close()` the previous one).
 * @throws TypeError when `basePath` is not a plain path.
 */
export function createCustomerClient(options: CustomerClientOptions = {}): CustomerClient {
  const parsedBasePath = parseBasePath(options.basePath ?? '');
  if (parsedBasePath === null) throw new TypeError('basePath must be a plain path such as /account-session');
  const basePath: string = parsedBasePath;
  const paths = bffPaths(basePath);
  const worker = workerSetup(options);
  const events = new Emitter<CustomerClientEvents>();
  const id = randomId();
  const sender: BusSender = { kind: 'page', id, label: options.label ?? `tab ${id} ${location.pathname}` };
  const bus = typeof BroadcastChannel === 'function' ? new BroadcastChannel(BUS_CHANNEL) : null;
  let current: SessionView | null = null;
  let offline = false;
  let signedOutHandled = false;
  /** Whether the last sign-out was found by this tab's own call (see `reauthenticate`), and when. */
  let signedOutHere = false;
  let signedOutAtMs = 0;
  let initialized = false;
  let probeTimer: ReturnType<typeof setInterval> | undefined;
  let refreshingBy: BusSender | null = null;
  let refreshingTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  /** Follows refreshes announced on the bus, own or others'; bounded in case the refresher dies. */
  function trackRefreshing(message: BusMessage): void {
    const before = refreshingBy;
    refreshingBy = refreshingAfter(refreshingBy, message);
    if (refreshingBy === before) return;
    clearTimeout(refreshingTimer);
    if (refreshingBy !== null) {
      refreshingTimer = setTimeout(() => {
        refreshingBy = null;
        events.emit('refreshing', { active: false });
      }, REFRESH_LOCK_WAIT_MS);
    }
    if ((before === null) !== (refreshingBy === null)) events.emit('refreshing', { active: refreshingBy !== null });
  }

  function publish(payload: BusPayload): void {
    // A closed client's calls may still finish: the channel is gone, and so is its voice.
    if (closed) return;
    const message = stampBusMessage(payload, sender, Date.now());
    bus?.postMessage(message);
    events.emit('activity', { message, own: true });
    trackRefreshing(message);
    if (message.type === 'refreshed') events.emit('refreshed', { expiresAtMs: message.expiresAtMs, by: sender });
  }

  const coordinator: Coordinator = createCoordinator({
    fetch: (url, init) => fetch(url, init),
    withLock: createLock(REFRESH_LOCK, REFRESH_LOCK_WAIT_MS, navigator.locks ?? null),
    publish,
    nowMs: Date.now,
    bufferSeconds: () => current?.refreshBufferSeconds ?? 60,
    requestTimeoutMs: 10_000,
    paths,
  });

  // With no SW of ours, a SW that happens to control the page (a leftover, or one without
  // `installCustomerSession`) is not relied on: this page coordinates its calls itself.
  const isControlled = (): boolean => worker.mode !== 'none' && navigator.serviceWorker?.controller != null;
  const loginUrl = (value?: SignInOptions | string): string =>
    signInUrl(paths.login, signInOptions(value), currentPath());

  function setOffline(value: boolean): void {
    if (offline === value || closed) return;
    offline = value;
    clearInterval(probeTimer);
    if (value) {
      // `online` events are not guaranteed (a dead Wi-Fi can stay "online"): probe as well.
      probeTimer = setInterval(() => void session(), 5000);
      events.emit('offline', undefined);
    } else {
      events.emit('online', undefined);
    }
  }

  function signedIn(view: SessionView): void {
    signedOutHandled = false;
    // Signed in again: the next dead session gets a sign-in turn of its own, and a tab still waiting for
    // its turn on the last one sees that nobody needs to go any more.
    try {
      localStorage.setItem(SIGNED_IN_AT_KEY, String(Date.now()));
      localStorage.removeItem(SIGN_IN_TURN_KEY);
    } catch {
      // no storage: nothing was claimed there
    }
    events.emit('signed-in', view);
  }

  /** `here`: this tab's own call found the session dead; `elsewhere`: another context said so. */
  function signedOut(reason: SignedOutReason, origin: 'here' | 'elsewhere'): void {
    if (signedOutHandled) return;
    signedOutHandled = true;
    signedOutHere = origin === 'here';
    signedOutAtMs = Date.now();
    if (current !== null) current = { ...current, authenticated: false, customer: null, expiresAt: null };
    writeMarker(sessionMarker(null));
    events.emit('signed-out', { reason });
    if (options.onSignedOut) options.onSignedOut(reason);
    else if (reason === 'reauth_required') void reauthenticate();
    else location.assign(loginUrl());
  }

  async function reauthenticate(value?: SignInOptions | string): Promise<boolean> {
    if (document.visibilityState !== 'visible') {
      if (!signedOutHere) return false;
      await new Promise((resolve) => setTimeout(resolve, HIDDEN_TAB_GRACE_MS));
    }
    // A closed client claims nothing: it would hold the turn (and the lock) without ever leaving.
    const claim = () => !closed && claimSignInTurn(signedOutAtMs);
    // The winner keeps the lock until its page unloads on the way to sign-in: a tab asking meanwhile
    // (`ifAvailable`) loses at once, whatever its storage has seen yet (other tabs' writes reach it late).
    const mine =
      typeof navigator.locks?.request === 'function'
        ? await new Promise<boolean>((resolve) => {
            void navigator.locks.request(SIGN_IN_TURN_LOCK, { ifAvailable: true }, async (lock) => {
              const won = lock !== null && claim();
              resolve(won);
              if (won) await new Promise(() => undefined);
            });
          })
        : claim();
    if (mine && !closed) location.assign(loginUrl(value));
    return mine && !closed;
  }

  /** `announce`: publish a changed expiry (after something moved it behind everyone's back: `resync`). */
  async function readSession(announce: boolean): Promise<SessionView | null> {
    let response: Response;
    try {
      response = await fetch(paths.session, { credentials: 'same-origin', cache: 'no-store' });
    } catch {
      setOffline(true);
      return null;
    }
    const view = response.ok ? parseSessionView(await response.json().catch(() => null)) : null;
    if (view === null) return current;
    current = view;
    coordinator.learnSession(view, announce);
    if (!initialized) initialize(view);
    setOffline(false);
    return view;
  }

  /** Once per page, with the first session view (at load, or when a page loaded offline recovers). */
  function initialize(view: SessionView): void {
    initialized = true;
    const customerId = view.authenticated ? (view.customer?.id ?? 'customer') : null;
    const transition = sessionTransition(readMarker(), customerId);
    writeMarker(sessionMarker(customerId));
    if (transition?.type === 'login') publish({ type: 'login', customerId: transition.customerId });
    if (transition?.type === 'logout') publish({ type: 'logout', reason: 'signed_out' });
    if (view.authenticated) signedIn(view);
    if (worker.mode === 'register' && !closed) registerWorker(view);
  }

  const session = (): Promise<SessionView | null> => readSession(false);

  function onBus(event: MessageEvent<unknown>): void {
    const message = event.data;
    if (!isBusMessage(message) || message.from.id === sender.id) return;
    coordinator.onBusMessage(message);
    events.emit('activity', { message, own: false });
    trackRefreshing(message);
    switch (message.type) {
      case 'refreshed':
        events.emit('refreshed', { expiresAtMs: message.expiresAtMs, by: message.from });
        break;
      case 'logout':
        // A tab already signed out has nothing to leave.
        if (current === null || current.authenticated) signedOut(message.reason, 'elsewhere');
        break;
      case 'login':
        if (current?.customer?.id !== message.customerId) {
          void session().then((view) => {
            if (view?.authenticated) signedIn(view);
          });
        }
        break;
      case 'hello':
      case 'refreshing':
      case 'expiry':
      case 'refresh-failed':
        break;
    }
  }

  async function query<TData>(
    queryText: string,
    variables?: Readonly<Record<string, unknown>>,
    operationName?: string,
  ): Promise<GraphQLResponse<TData>> {
    const body = JSON.stringify({ query: queryText, variables, operationName });
    const viaWorker = isControlled();
    let response: Response;
    if (viaWorker) {
      response = await postJson(paths.graphql, body);
      // An answer the SW forwarded has been announced by it; one it let go straight (the session was
      // fresh) is this tab's to learn from and announce.
      await coordinator.observe(response, response.headers.get(OBSERVED_BY_SW_HEADER) !== '1');
    } else {
      response = await coordinator.forward(body, 'application/json');
    }
    return handleAnswer<TData>(response);
  }

  /** A JSON POST to the BFF as the pages make it (`X-CSRF: 1`); no network answers as offline. */
  async function postJson(url: string, body: string): Promise<Response> {
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-CSRF': '1' },
        body,
        credentials: 'same-origin',
      });
    } catch {
      return offlineResponse();
    }
  }

  async function attachCart(cartId: string): Promise<CartAttachment> {
    const response = await postJson(paths.cartBuyerIdentity, JSON.stringify({ cartId }));
    // No SW routes this call: its expiry (moved by a refresh the BFF made first) is this tab's to announce.
    await coordinator.observe(response, true);
    return (await handleAnswer(response)) as unknown as CartAttachment;
  }

  async function handleAnswer<TData>(response: Response): Promise<GraphQLResponse<TData>> {
    const payload: unknown = await response.json().catch(() => null);
    const error = typeof payload === 'object' && payload !== null && 'error' in payload ? payload.error : undefined;
    if (response.ok) {
      setOffline(false);
      return (payload ?? {}) as GraphQLResponse<TData>;
    }
    const code = answerErrorCode(response.status, error);
    setOffline(code === 'OFFLINE');
    switch (code) {
      case 'REAUTH_REQUIRED':
        signedOut('reauth_required', 'here');
        throw new CustomerClientError(code, 401, 'The session has ended: sign in again.');
      case 'OFFLINE':
        throw new CustomerClientError(code, 503, 'You are offline.');
      case 'UPSTREAM_UNAVAILABLE':
        throw new CustomerClientError(code, response.status, 'The store is briefly unavailable.');
      case 'CSRF':
        throw new CustomerClientError(code, 403, 'The request was refused (CSRF).');
      case 'HTTP_ERROR':
        throw new CustomerClientError(code, response.status, `Unexpected answer ${response.status}.`);
    }
  }

  /** `register` mode only: the ready-made SW, its configuration in its script URL (sw/config.ts). */
  function registerWorker(view: SessionView): void {
    if (!('serviceWorker' in navigator)) return;
    const workbox = new Workbox(workerScriptUrl(worker.url, view, basePath), { type: 'module', scope: '/' });
    workbox.register({ immediate: true }).catch(() => undefined);
  }

  const ready = session().then((view) => {
    publish({ type: 'hello' });
    if (options.silentSignIn === true && view !== null && !view.authenticated && takeSilentAttempt()) {
      location.assign(`${loginUrl()}&prompt=none`);
    }
    return view;
  });

  const onControllerChange = (): void => events.emit('controller', { controlled: isControlled() });
  const onOnline = (): void => void session();
  const onOffline = (): void => setOffline(true);
  bus?.addEventListener('message', onBus);
  if (worker.mode !== 'none') navigator.serviceWorker?.addEventListener('controllerchange', onControllerChange);
  addEventListener('online', onOnline);
  addEventListener('offline', onOffline);

  return {
    ready,
    query,
    session,
    resync: () => readSession(true),
    get current() {
      return current;
    },
    get expiresAtMs() {
      const knowledge = coordinator.knowledge;
      return knowledge.state === 'signed-in' ? knowledge.expiresAtMs : null;
    },
    get controlled() {
      return isControlled();
    },
    get offline() {
      return offline;
    },
    get refreshing() {
      return refreshingBy !== null;
    },
    sender,
    loginUrl,
    signIn: (value) => location.assign(loginUrl(value)),
    signOut() {
      // Signed out on purpose: this tab must not sign silently back in.
      takeSilentAttempt();
      // A real top-level form POST: the BFF answers with a redirect through Shopify's end-session page.
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = paths.logout;
      form.hidden = true;
      document.body.append(form);
      form.submit();
    },
    attachCart,
    reauthenticate,
    on: (event, listener) => events.on(event, listener),
    close() {
      closed = true;
      bus?.removeEventListener('message', onBus);
      bus?.close();
      navigator.serviceWorker?.removeEventListener('controllerchange', onControllerChange);
      removeEventListener('online', onOnline);
      removeEventListener('offline', onOffline);
      clearInterval(probeTimer);
      clearTimeout(refreshingTimer);
    },
  };
}
