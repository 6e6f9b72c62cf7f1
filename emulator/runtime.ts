/**
 * What every route module shares: identity (origin, shop, issuer), registered clients, the live
 * configuration, state, faults, keys and the clock.
 */
import { API_VERSION, type ClientRegistration, type EmulatorConfig } from './config.ts';
import type { FaultQueue } from './faults.ts';
import type { SigningKeys } from './keys.ts';
import type { RequestLog } from './request-log.ts';
import type { Store } from './store.ts';

export interface Endpoints {
  issuer: string;
  authorization: string;
  token: string;
  endSession: string;
  jwks: string;
  graphql: string;
}

/** Same shapes as Shopify's, with the emulator's origin standing in for `https://shopify.com`. */
export function endpointsFor(origin: string, shopId: string): Endpoints {
  const issuer = `${origin}/authentication/${shopId}`;
  return {
    issuer,
    authorization: `${issuer}/oauth/authorize`,
    token: `${issuer}/oauth/token`,
    endSession: `${issuer}/logout`,
    jwks: `${issuer}/.well-known/jwks.json`,
    graphql: `${origin}/${shopId}/account/customer/api/${API_VERSION}/graphql`,
  };
}

export interface Runtime {
  origin: string;
  shopId: string;
  endpoints: Endpoints;
  clients: ReadonlyMap<string, ClientRegistration>;
  /** Mutable through the admin API; read it at request time, never capture a field. */
  config: EmulatorConfig;
  /** The configuration `/__emulator/reset` returns to. */
  readonly baselineConfig: Readonly<EmulatorConfig>;
  store: Store;
  /** The Storefront API token the storefront's server presents (emulator/storefront.ts). */
  storefrontApiToken: string;
  faults: FaultQueue;
  /** Correlation headers of the requests served (`GET /__emulator/requests`). */
  requests: RequestLog;
  keys: SigningKeys;
  now: () => number;
  /** Aborted on close so pending latency and timeout faults end at once. */
  shutdown: AbortSignal;
}

export const sessionCookieName = (shopId: string): string => `emulator_session_${shopId}`;
