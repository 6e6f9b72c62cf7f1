import { describe, expect, it } from 'vitest';
import type { SessionView } from '../messages.ts';
import { workerScriptUrl, workerSetup } from './worker.ts';

describe('workerSetup', () => {
  it('registers the ready-made /sw.js by default', () =>
    expect(workerSetup({})).toEqual({ mode: 'register', url: '/sw.js' }));
  it('registers another URL when given', () =>
    expect(workerSetup({ serviceWorkerUrl: '/shop/sw.js' })).toEqual({ mode: 'register', url: '/shop/sw.js' }));
  it('reads serviceWorkerUrl: null (the older way) as no SW', () =>
    expect(workerSetup({ serviceWorkerUrl: null })).toEqual({ mode: 'none', url: '' }));
  it.each(['external', 'none'] as const)('%s: nothing to register, whatever the URL', (mode) =>
    expect(workerSetup({ serviceWorker: mode, serviceWorkerUrl: '/sw.js' })).toEqual({ mode, url: '' }),
  );
});

describe('workerScriptUrl', () => {
  const view: SessionView = {
    authenticated: true,
    customer: null,
    expiresAt: null,
    graphqlApiUrl: 'https://shopify.com/1/account/customer/api/2026-04/graphql',
    refreshBufferSeconds: 90,
    demo: false,
  };
  const params = (url: string) => Object.fromEntries(new URL(url, 'http://shop.test').searchParams);

  it("at the root: today's URL (no base parameter)", () =>
    expect(params(workerScriptUrl('/sw.js', view, ''))).toEqual({ api: view.graphqlApiUrl, buffer: '90' }));
  it('under a base path: the SW learns it from its URL', () =>
    expect(params(workerScriptUrl('/sw.js', view, '/account-session'))).toMatchObject({ base: '/account-session' }));
  it('no API URL while discovery fails', () =>
    expect(params(workerScriptUrl('/sw.js', { ...view, graphqlApiUrl: '' }, ''))).toEqual({ buffer: '90' }));
  it('keeps a query the script URL already has', () =>
    expect(workerScriptUrl('/sw.js?v=2', view, '').startsWith('/sw.js?v=2&api=')).toBe(true));
});
