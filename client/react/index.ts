/**
 * React bindings for the customer client (React ≥ 18, an optional peer dependency): a provider, the
 * session as state (`useSyncExternalStore` over the client's events, so every tab's sign-in, sign-out
 * and refresh re-renders), and a query hook that follows the session.
 *
 * ```ts
 * createElement(CustomerSessionProvider, { options: { basePath: '/account-session' } }, createElement(App));
 * // in a component:
 * const { status, customer, signIn } = useCustomerSession();
 * const { data, error, loading, refetch } = useCustomerQuery(ORDERS, { first: 5 });
 * ```
 *
 * Written with `createElement` (no JSX), so the library needs no JSX setting of its own.
 */
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactElement,
  type ReactNode,
} from 'react';
import {
  createCustomerClient,
  type CartAttachment,
  type CustomerClient,
  type CustomerClientError,
  type CustomerClientOptions,
  type GraphQLResponse,
  type SignInOptions,
} from '../lib/index.ts';
import { createSessionStore, UNKNOWN_SESSION, type CustomerSessionSnapshot } from './store.ts';

export type { CustomerSessionSnapshot, CustomerSessionStatus } from './store.ts';

/** `undefined`: no provider above; `null`: a provider whose client is not created yet (first render, SSR). */
const ClientContext = createContext<CustomerClient | null | undefined>(undefined);

export type CustomerSessionProviderProps = { readonly children?: ReactNode } & (
  | {
      /** A client the page created (and keeps: the provider never closes it). */
      readonly client: CustomerClient;
      readonly options?: never;
    }
  | {
      readonly client?: never;
      /**
       * Options for a client the provider creates after mounting (so a server render never touches
       * `window`) and closes when it unmounts. Read once, at mount.
       */
      readonly options?: CustomerClientOptions;
    }
);

/** Makes a customer client available to the hooks below it: the given one, or one of its own. */
export function CustomerSessionProvider(props: CustomerSessionProviderProps): ReactElement {
  const { client: given, children } = props;
  const [owned, setOwned] = useState<CustomerClient | null>(null);
  const options = useRef(props.options);
  useEffect(() => {
    if (given !== undefined) return undefined;
    const client = createCustomerClient(options.current ?? {});
    setOwned(client);
    return () => client.close();
  }, [given]);
  return createElement(ClientContext.Provider, { value: given ?? owned }, children);
}

/**
 * The provider's client (`null` until it exists: the first render, a server render), for what the
 * hooks do not cover (`client.query` in an event handler, `client.on('activity', …)`).
 * @throws Error outside a `CustomerSessionProvider`.
 */
export function useCustomerClient(): CustomerClient | null {
  const client = useContext(ClientContext);
  if (client === undefined) throw new Error('useCustomerClient needs a CustomerSessionProvider above it');
  return client;
}

/** The session, plus the two actions on it. */
export interface CustomerSession extends CustomerSessionSnapshot {
  /** Navigates to the store's sign-in (see `CustomerClient.signIn`). */
  signIn(options?: SignInOptions | string): void;
  /** Signs out everywhere (see `CustomerClient.signOut`). */
  signOut(): void;
}

const noSubscription = (): (() => void) => () => undefined;
const unknownSession = (): CustomerSessionSnapshot => UNKNOWN_SESSION;

/**
 * The session as this tab knows it; re-renders when it changes here or in any other tab.
 * @throws Error outside a `CustomerSessionProvider`.
 */
export function useCustomerSession(): CustomerSession {
  const client = useCustomerClient();
  const store = useMemo(() => (client === null ? null : createSessionStore(client)), [client]);
  const snapshot = useSyncExternalStore(
    store?.subscribe ?? noSubscription,
    store?.getSnapshot ?? unknownSession,
    unknownSession,
  );
  const signIn = useCallback((options?: SignInOptions | string) => client?.signIn(options), [client]);
  const signOut = useCallback(() => client?.signOut(), [client]);
  return useMemo(() => ({ ...snapshot, signIn, signOut }), [snapshot, signIn, signOut]);
}

/** GraphQL `errors` in an answer: the query reached Shopify, which refused (part of) it. */
export class CustomerQueryError extends Error {
  override readonly name = 'CustomerQueryError';
  readonly errors: NonNullable<GraphQLResponse<unknown>['errors']>;
  constructor(errors: NonNullable<GraphQLResponse<unknown>['errors']>) {
    super(errors.map((e) => e.message).join('; ') || 'GraphQL error');
    this.errors = errors;
  }
}

export interface CustomerQueryResult<TData> {
  /** The last answer's `data` (also when it came with `errors`); `null` while signed out. */
  readonly data: TData | null;
  /** A `CustomerClientError` (REAUTH_REQUIRED, OFFLINE, …) or a `CustomerQueryError`. */
  readonly error: Error | null;
  readonly loading: boolean;
  /** Runs the query again now (nothing while not signed in); resolves when its answer is in. */
  refetch(): Promise<void>;
}

interface QueryState<TData> {
  readonly data: TData | null;
  readonly error: Error | null;
  readonly loading: boolean;
}

/**
 * Runs a Customer Account API query while the customer is signed in: at mount, when `doc` or
 * `variables` change (compared by value), and again after every sign-in (in any tab); a sign-out
 * (in any tab) clears its data. An answer that arrives after a newer run started, or after a
 * sign-out, is dropped.
 * @throws Error outside a `CustomerSessionProvider`.
 */
export function useCustomerQuery<TData = unknown>(
  doc: string,
  variables?: Readonly<Record<string, unknown>>,
): CustomerQueryResult<TData> {
  const client = useCustomerClient();
  const { status, customer, offline } = useCustomerSession();
  const [state, setState] = useState<QueryState<TData>>({ data: null, error: null, loading: true });
  const key = `${doc}\u0000${JSON.stringify(variables ?? null)}`;
  const request = useRef({ doc, variables });
  request.current = { doc, variables };
  // Every run and every sign-out takes a new number; only the latest run's answer is kept.
  const generation = useRef(0);

  const run = useCallback(async (): Promise<void> => {
    if (client === null) return;
    const mine = ++generation.current;
    setState((previous) => ({ ...previous, loading: true }));
    let next: QueryState<TData>;
    try {
      const answer = await client.query<TData>(request.current.doc, request.current.variables);
      const errors = answer.errors ?? [];
      next = {
        data: answer.data ?? null,
        error: errors.length > 0 ? new CustomerQueryError(errors) : null,
        loading: false,
      };
    } catch (error) {
      next = { data: null, error: error instanceof Error ? error : new Error(String(error)), loading: false };
    }
    if (mine === generation.current) setState(next);
  }, [client]);

  const customerId = customer?.id ?? null;
  useEffect(() => {
    if (status === 'signed-in') {
      void run();
    } else if (status === 'signed-out') {
      generation.current += 1;
      setState({ data: null, error: null, loading: false });
    }
  }, [status, customerId, key, run]);

  // Unmounted: drop whatever is still on its way.
  useEffect(
    () => () => {
      generation.current += 1;
    },
    [],
  );

  const refetch = useCallback(() => (status === 'signed-in' ? run() : Promise.resolve()), [status, run]);
  // Nothing known yet: loading, unless the page is offline (then nothing will load until it is back).
  const loading = status === 'unknown' ? !offline : state.loading;
  return { ...state, loading, refetch };
}

/** What `useAttachedCart` knows: the last answer of `attachCart`, or why there is none. */
export interface AttachedCart {
  /** The cart as Shopify holds it after the attach (its `checkoutUrl` opens signed in), or `null`. */
  readonly cart: CartAttachment['cart'];
  readonly userErrors: CartAttachment['userErrors'];
  readonly error: CustomerClientError | Error | null;
  readonly attaching: boolean;
}

const NOT_ATTACHED: AttachedCart = { cart: null, userErrors: [], error: null, attaching: false };

/**
 * Binds the storefront's cart to the customer whenever a customer is signed in (on this tab's sign-in,
 * another tab's, or a page load while signed in), once per customer and cart; with no cart or nobody
 * signed in there is nothing to attach. The BFF detaches the cart at sign-out.
 * @throws Error outside a `CustomerSessionProvider`.
 */
export function useAttachedCart(cartId: string | null): AttachedCart {
  const client = useCustomerClient();
  const { status, customer } = useCustomerSession();
  const customerId = status === 'signed-in' ? (customer?.id ?? null) : null;
  const [state, setState] = useState<AttachedCart & { key: string | null }>({ ...NOT_ATTACHED, key: null });
  const key = client !== null && customerId !== null && cartId !== null ? `${customerId} ${cartId}` : null;

  useEffect(() => {
    if (key === null || client === null || cartId === null) return undefined;
    let live = true;
    setState({ ...NOT_ATTACHED, attaching: true, key });
    client.attachCart(cartId).then(
      (answer) =>
        live && setState({ cart: answer.cart, userErrors: answer.userErrors, error: null, attaching: false, key }),
      (error: unknown) =>
        live &&
        setState({
          ...NOT_ATTACHED,
          error: error instanceof Error ? error : new Error(String(error)),
          key,
        }),
    );
    return () => {
      live = false;
    };
  }, [client, cartId, key]);

  return state.key === key && key !== null ? state : NOT_ATTACHED;
}
