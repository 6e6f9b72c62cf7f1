import { describe, expect, it } from 'vitest';
import { cacheName, parsePrecacheManifest, shellKey, shellPaths, staleCaches } from './precache.ts';

describe('parsePrecacheManifest', () => {
  it('parses a built manifest', () =>
    expect(parsePrecacheManifest('{"version":"abc","urls":["/","/assets/a.js"]}')).toEqual({
      version: 'abc',
      urls: ['/', '/assets/a.js'],
    }));
  it('gives an empty manifest for the unbuilt placeholder', () =>
    expect(parsePrecacheManifest('__SW_PRECACHE_MANIFEST__')).toEqual({ version: 'dev', urls: [] }));
  it('rejects cross-origin URLs', () =>
    expect(parsePrecacheManifest('{"version":"a","urls":["https://x.test/a"]}').urls).toEqual([]));
});

describe('shell paths', () => {
  const manifest = { version: 'v1', urls: ['/', '/account', '/assets/a.js', '/manifest.webmanifest'] };
  it('names the cache by version', () => expect(cacheName(manifest)).toBe('shell-v1'));
  it('adds the .html aliases of pages only', () =>
    expect([...shellPaths(manifest)].sort()).toEqual(
      ['/', '/account', '/account.html', '/assets/a.js', '/index.html', '/manifest.webmanifest'].sort(),
    ));
  it.each([
    ['/', '/'],
    ['/index.html', '/'],
    ['/account.html', '/account'],
    ['/account', '/account'],
    ['/assets/a.js', '/assets/a.js'],
  ])('keys %s as %s', (path, key) => expect(shellKey(path)).toBe(key));
  it('finds stale shell caches only', () =>
    expect(staleCaches(['shell-v0', 'shell-v1', 'other'], 'shell-v1')).toEqual(['shell-v0']));
});
