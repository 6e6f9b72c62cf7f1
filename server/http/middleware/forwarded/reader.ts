import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { TrustProxy } from '../../../config.ts';

/** What a request says about where it came from, after `TRUST_PROXY` decided which headers to believe. */
export interface RequestOrigin {
  /** The customer's address (the socket peer unless a trusted proxy forwarded another); `null` without a socket. */
  clientAddress: string | null;
  /** `X-Forwarded-Proto` as set by a trusted proxy (`http` or `https`), else `null`. */
  forwardedProto: 'http' | 'https' | null;
}

/**
 * Builds the reader of forwarding headers for one `TRUST_PROXY` setting, validated once.
 *
 * Why proxy-addr: `X-Forwarded-For` is a list anyone can prepend to; only the entries added by
 * proxies we trust, read from the right, say who the client is. Without `TRUST_PROXY` nothing in
 * these headers is believed, so a client cannot choose the address we log (or rate-limit).
 */
export function createForwardedReader(trust: TrustProxy): (incoming: IncomingMessage | undefined) => RequestOrigin {
  const trusts: (address: string, index: number) => boolean =
    trust === null
      ? () => false
      : 'hops' in trust
        ? (_address, index) => index < trust.hops
        : proxyAddr.compile(trust.addresses);
  return (incoming) => {
    if (incoming === undefined) return { clientAddress: null, forwardedProto: null };
    const peer = incoming.socket.remoteAddress ?? null;
    if (peer === null) return { clientAddress: null, forwardedProto: null };
    if (trust === null) return { clientAddress: peer, forwardedProto: null };
    // proxy-addr walks the list from the socket outwards and stops at the first untrusted hop.
    const clientAddress = proxyAddr(incoming, trusts);
    const proto = trusts(peer, 0) ? firstValue(incoming.headers['x-forwarded-proto']) : null;
    return { clientAddress, forwardedProto: proto === 'http' || proto === 'https' ? proto : null };
  };
}

/** The first entry of a header that proxies may have turned into a list (`https, http`). */
function firstValue(header: string | string[] | undefined): string | null {
  const raw = Array.isArray(header) ? header[0] : header;
  return raw?.split(',')[0]?.trim().toLowerCase() || null;
}
