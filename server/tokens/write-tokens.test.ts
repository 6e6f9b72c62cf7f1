import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteSessionStore } from '../sessions/sqlite-store.ts';
import type { SessionRecord } from '../sessions/types.ts';
import { createTestStore, storeAsAnotherInstance } from './testing.ts';
import { CAS_ATTEMPTS, writeTokens } from './write-tokens.ts';

const T0 = 1_800_000_000_000;
const SID = 'sid-write-tokens';
const now = () => T0;
const fresh = {
  kind: 'success',
  accessToken: 'shcat_ours',
  refreshToken: 'shcrt_ours',
  expiresInSeconds: 3600,
} as const;

const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  accessToken: 'shcat_old',
  refreshToken: 'shcrt_old',
  idToken: 'eyJ.id.sig',
  expiresAtMs: T0 + 30_000,
  customerId: 'gid://shopify/Customer/1',
  email: null,
  version: 1,
  createdAtMs: T0 - 3_600_000,
  lastSeenAtMs: T0 - 1_000,
  ...overrides,
});

let store: SqliteSessionStore;
afterEach(async () => {
  await store.close();
});

async function seeded(): Promise<SessionRecord> {
  store = createTestStore(now);
  return storeAsAnotherInstance(store, SID, record());
}

describe('writeTokens', () => {
  it('stores the new tokens on the base record, version + 1, expiry from expires_in', async () => {
    const base = await seeded();
    const outcome = await writeTokens(store, SID, base, fresh, now);
    const expected = { ...base, accessToken: 'shcat_ours', refreshToken: 'shcrt_ours', expiresAtMs: T0 + 3_600_000 };
    expect(outcome).toEqual({ kind: 'written', record: { ...expected, version: 2 } });
    expect(await store.get(SID)).toEqual({ ...expected, version: 2 });
  });

  it('is gone, and writes nothing, when the session was deleted meanwhile (a sign-out)', async () => {
    const base = await seeded();
    await store.delete(SID);
    expect(await writeTokens(store, SID, base, fresh, now)).toEqual({ kind: 'gone' });
    expect(await store.get(SID)).toBeNull();
  });

  it('lets tokens someone else stored meanwhile win', async () => {
    const base = await seeded();
    const theirs = await storeAsAnotherInstance(
      store,
      SID,
      record({ accessToken: 'shcat_theirs', refreshToken: 'shcrt_theirs', version: 2 }),
    );
    expect(await writeTokens(store, SID, base, fresh, now)).toEqual({ kind: 'theirs', record: theirs });
    expect(await store.get(SID)).toEqual(theirs);
  });

  it('recognises our own tokens stored by an earlier write whose answer was lost', async () => {
    const base = await seeded();
    const landed = await storeAsAnotherInstance(
      store,
      SID,
      record({ accessToken: 'shcat_ours', refreshToken: 'shcrt_ours', version: 2 }),
    );
    expect(await writeTokens(store, SID, base, fresh, now)).toEqual({ kind: 'written', record: landed });
  });

  it('puts our tokens on top of a write that did not touch the tokens', async () => {
    const base = await seeded();
    await storeAsAnotherInstance(store, SID, record({ lastSeenAtMs: T0, version: 2 }));
    const outcome = await writeTokens(store, SID, base, fresh, now);
    expect(outcome).toEqual({
      kind: 'written',
      record: record({
        accessToken: 'shcat_ours',
        refreshToken: 'shcrt_ours',
        expiresAtMs: T0 + 3_600_000,
        lastSeenAtMs: T0,
        version: 3,
      }),
    });
  });

  it(`gives up as contended after ${CAS_ATTEMPTS} lost compare-and-sets in a row, writing nothing of ours`, async () => {
    const base = await seeded();
    let otherWrites = 0;
    // Another instance bumps lastSeenAtMs just before each of our writes.
    const busy = {
      get: store.get,
      async compareAndSet(sid: string, expectedVersion: number, next: SessionRecord) {
        const current = await store.get(sid);
        if (current !== null) {
          otherWrites += 1;
          await store.compareAndSet(sid, current.version, { ...current, lastSeenAtMs: T0 + otherWrites });
        }
        return store.compareAndSet(sid, expectedVersion, next);
      },
    };
    expect(await writeTokens(busy, SID, base, fresh, now)).toEqual({ kind: 'contended' });
    expect(otherWrites).toBe(CAS_ATTEMPTS);
    expect(await store.get(SID)).toMatchObject({ refreshToken: 'shcrt_old', version: 1 + CAS_ATTEMPTS });
  });
});
