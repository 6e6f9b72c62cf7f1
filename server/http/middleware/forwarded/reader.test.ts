import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createForwardedReader } from './reader.ts';

const request = (peer: string, headers: Record<string, string> = {}): IncomingMessage => {
  const socket = { remoteAddress: peer };
  // proxy-addr reads `connection`, Node's older alias of `socket`.
  return { socket, connection: socket, headers } as unknown as IncomingMessage;
};

const spoofed = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'http' };

describe('createForwardedReader', () => {
  it('believes no header without TRUST_PROXY: the socket peer is the client', () => {
    expect(createForwardedReader(null)(request('127.0.0.1', spoofed))).toEqual({
      clientAddress: '127.0.0.1',
      forwardedProto: null,
    });
  });

  it('believes a trusted peer, and walks X-Forwarded-For from the right to the first untrusted hop', () => {
    const read = createForwardedReader({ addresses: ['loopback'] });
    expect(read(request('127.0.0.1', spoofed))).toEqual({ clientAddress: '6.6.6.6', forwardedProto: 'http' });
    // A client sent its own X-Forwarded-For; the proxy appended the address it really saw.
    const prepended = { 'x-forwarded-for': '1.2.3.4, 203.0.113.9', 'x-forwarded-proto': 'https, http' };
    expect(read(request('127.0.0.1', prepended))).toEqual({ clientAddress: '203.0.113.9', forwardedProto: 'https' });
  });

  it('ignores the headers of a peer outside the trusted addresses', () => {
    const read = createForwardedReader({ addresses: ['loopback', '10.1.0.0/16'] });
    expect(read(request('10.2.0.5', spoofed))).toEqual({ clientAddress: '10.2.0.5', forwardedProto: null });
    expect(read(request('10.1.3.4', spoofed))).toEqual({ clientAddress: '6.6.6.6', forwardedProto: 'http' });
  });

  it('trusts exactly as many hops as configured', () => {
    const headers = { 'x-forwarded-for': '1.2.3.4, 203.0.113.9' };
    expect(createForwardedReader({ hops: 1 })(request('10.0.0.1', headers)).clientAddress).toBe('203.0.113.9');
    expect(createForwardedReader({ hops: 2 })(request('10.0.0.1', headers)).clientAddress).toBe('1.2.3.4');
  });

  it('keeps only http or https from X-Forwarded-Proto, and has nothing to say without a socket', () => {
    const read = createForwardedReader({ hops: 1 });
    expect(read(request('10.0.0.1', { 'x-forwarded-proto': 'gopher' })).forwardedProto).toBeNull();
    expect(read(undefined)).toEqual({ clientAddress: null, forwardedProto: null });
  });
});
