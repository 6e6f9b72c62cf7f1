import { describe, expect, it } from 'vitest';
import { appWith } from '../../testing.ts';
import { sameOrigin } from './index.ts';

describe('sameOrigin', () => {
  const app = appWith(sameOrigin('https://shop.example.com'));
  const status = async (headers: Record<string, string>) =>
    (await app.request('/', { method: 'POST', headers })).status;

  it('lets through our own Origin, or Sec-Fetch-Site: same-origin when there is no Origin', async () => {
    expect(await status({ origin: 'https://shop.example.com' })).toBe(200);
    expect(await status({ 'sec-fetch-site': 'same-origin' })).toBe(200);
  });

  it('refuses another origin (even with a same-origin fetch-site), a sibling scheme, and no evidence at all', async () => {
    expect(await status({ origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' })).toBe(599);
    expect(await status({ origin: 'http://shop.example.com' })).toBe(599);
    expect(await status({ 'sec-fetch-site': 'cross-site' })).toBe(599);
    expect(await status({})).toBe(599);
  });
});
