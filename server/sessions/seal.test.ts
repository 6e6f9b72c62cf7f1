import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { createSealer, passwordId } from './seal.ts';
import { PASSWORD_A, PASSWORD_B, flipInSealPart } from './store.conformance.ts';

const anything = (value: unknown) => value;
const asNumber = (value: unknown) => (typeof value === 'number' ? value : null);

function configError(make: () => unknown): { code: string; message: string } | null {
  try {
    make();
    return null;
  } catch (error) {
    return isAppError(error)
      ? { code: error.code, message: error.message }
      : { code: 'not an AppError', message: String(error) };
  }
}

describe('passwordId', () => {
  it('is a stable decimal integer (iron-session needs integer ids) derived from the password', () => {
    expect(passwordId(PASSWORD_A)).toBe(passwordId(PASSWORD_A));
    expect(passwordId(PASSWORD_A)).not.toBe(passwordId(PASSWORD_B));
    expect(passwordId(PASSWORD_A)).toMatch(/^\d+$/);
    expect(Number.isSafeInteger(Number(passwordId(PASSWORD_A)))).toBe(true);
  });
});

describe('createSealer configuration', () => {
  it('rejects an empty list', () => {
    expect(configError(() => createSealer([]))).toEqual({
      code: 'CONFIG',
      message: 'session passwords: at least one is required',
    });
  });

  it('rejects a password under 32 characters, naming its position but never its value', () => {
    const short = 'x'.repeat(31);
    const error = configError(() => createSealer([PASSWORD_A, short]));
    expect(error).toEqual({ code: 'CONFIG', message: 'session passwords: #1 is shorter than 32 characters' });
  });

  it('rejects the same password listed twice', () => {
    expect(configError(() => createSealer([PASSWORD_A, PASSWORD_A]))).toEqual({
      code: 'CONFIG',
      message: 'session passwords: #1 is listed twice',
    });
  });

  it('keeps every password for unsealing and only the first for sealing', () => {
    const sealer = createSealer([PASSWORD_B, PASSWORD_A]);
    expect(sealer.ironPasswords).toEqual({
      [passwordId(PASSWORD_B)]: PASSWORD_B,
      [passwordId(PASSWORD_A)]: PASSWORD_A,
    });
    expect(sealer.ironSealPasswords).toEqual({ [passwordId(PASSWORD_B)]: PASSWORD_B });
  });
});

describe('seal / unseal', () => {
  it('round-trips plain JSON through parse', async () => {
    const sealer = createSealer([PASSWORD_A]);
    const sealed = await sealer.seal({ a: 1, b: 'two', c: null });
    expect(sealed.startsWith('Fe26.2*')).toBe(true);
    expect(await createSealer([PASSWORD_A]).unseal(sealed, anything)).toEqual({ a: 1, b: 'two', c: null });
  });

  it('seals with the first password even when its id is numerically lower than another listed one', async () => {
    // iron-session on its own picks the highest id; the order of the list must win instead.
    const [low, high] = [PASSWORD_A, PASSWORD_B].sort((x, y) => Number(passwordId(x)) - Number(passwordId(y))) as [
      string,
      string,
    ];
    const sealed = await createSealer([low, high]).seal({ n: 1 });
    expect(sealed.split('*')[1]).toBe(passwordId(low));
    expect(await createSealer([low]).unseal(sealed, anything)).toEqual({ n: 1 });
    expect(await createSealer([high]).unseal(sealed, anything)).toBeNull();
  });

  it('returns null, never throws, for tampered, truncated, foreign or empty input', async () => {
    const sealer = createSealer([PASSWORD_A]);
    const sealed = await sealer.seal({ n: 1 });
    const cold = createSealer([PASSWORD_A]);
    for (const bad of [
      flipInSealPart(sealed, 4),
      flipInSealPart(sealed, 7),
      sealed.slice(0, -5),
      'garbage',
      '',
      '*'.repeat(7),
    ]) {
      await expect(cold.unseal(bad, anything)).resolves.toBeNull();
    }
  });

  it('returns null when parse rejects the shape, also on a cache hit', async () => {
    const sealer = createSealer([PASSWORD_A]);
    const sealed = await sealer.seal({ n: 'not a number' });
    expect(await sealer.unseal(sealed, (v) => asNumber((v as { n: unknown }).n))).toBeNull();
    expect(await sealer.unseal(sealed, anything)).toEqual({ n: 'not a number' });
  });

  it('tells a seal of {} apart from a failed unseal (iron-session gives {} for both)', async () => {
    const sealer = createSealer([PASSWORD_A]);
    const empty = await sealer.seal({});
    expect(await createSealer([PASSWORD_A]).unseal(empty, anything)).toEqual({});
    expect(await createSealer([PASSWORD_B]).unseal(empty, anything)).toBeNull();
  });

  it('stops serving a seal from the cache once iron itself would reject it as expired', async () => {
    let nowMs = Date.now();
    const sealer = createSealer([PASSWORD_A], { nowMs: () => nowMs });
    const sealed = await sealer.seal({ n: 1 }, 60);
    expect(await sealer.unseal(sealed, anything)).toEqual({ n: 1 });
    // iron accepts until expiry + 60 s of skew; the cache stops at the same moment.
    const sealedExpiryMs = Number(sealed.split('*')[5]);
    nowMs = sealedExpiryMs + 60_000 - 1;
    expect(await sealer.unseal(sealed, anything)).toEqual({ n: 1 });
    nowMs += 1;
    expect(await sealer.unseal(sealed, anything)).toBeNull();
  });

  it('gives callers fresh objects: mutating one result does not change the next', async () => {
    const sealer = createSealer([PASSWORD_A]);
    const sealed = await sealer.seal({ list: [1] });
    const first = (await sealer.unseal(sealed, (v) => structuredClone(v))) as { list: number[] };
    first.list.push(2);
    expect(await sealer.unseal(sealed, (v) => structuredClone(v))).toEqual({ list: [1] });
  });
});

describe('unseal cache', () => {
  it('serves a repeated seal from the cache, and a freshly sealed one without unsealing', async () => {
    const writer = createSealer([PASSWORD_A]);
    const sealed = await writer.seal({ n: 1 });
    await writer.unseal(sealed, anything);
    expect(writer.cacheStats()).toEqual({ size: 1, hits: 1, misses: 0 });

    const reader = createSealer([PASSWORD_A]);
    await reader.unseal(sealed, anything);
    await reader.unseal(sealed, anything);
    expect(reader.cacheStats()).toEqual({ size: 1, hits: 1, misses: 1 });
  });

  it('unseals a cold seal once for concurrent readers', async () => {
    const sealed = await createSealer([PASSWORD_A]).seal({ n: 1 });
    const reader = createSealer([PASSWORD_A]);
    const results = await Promise.all([
      reader.unseal(sealed, anything),
      reader.unseal(sealed, anything),
      reader.unseal(sealed, anything),
    ]);
    expect(results).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect(reader.cacheStats()).toMatchObject({ hits: 2, misses: 1 });
  });

  it('does not keep failures', async () => {
    const reader = createSealer([PASSWORD_A]);
    await reader.unseal('garbage', anything);
    await reader.unseal('garbage', anything);
    expect(reader.cacheStats()).toEqual({ size: 0, hits: 0, misses: 2 });
  });

  it('evicts the least recently used entry beyond cacheSize', async () => {
    const writer = createSealer([PASSWORD_A]);
    const [one, two, three] = await Promise.all([writer.seal({ n: 1 }), writer.seal({ n: 2 }), writer.seal({ n: 3 })]);
    const reader = createSealer([PASSWORD_A], { cacheSize: 2 });
    await reader.unseal(one, anything);
    await reader.unseal(two, anything);
    await reader.unseal(one, anything); // one is now the most recent
    await reader.unseal(three, anything); // evicts two
    expect(reader.cacheStats()).toEqual({ size: 2, hits: 1, misses: 3 });
    await reader.unseal(one, anything);
    await reader.unseal(two, anything);
    expect(reader.cacheStats()).toEqual({ size: 2, hits: 2, misses: 4 });
  });
});
