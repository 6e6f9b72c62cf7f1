import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionIdHash } from '../observability/ids.ts';
import { SessionExistsError } from './records.ts';
import type { SessionRecord, SessionStore } from './types.ts';

/**
 * The one behaviour every `SessionStore` must have. A store's test file calls
 * `describeSessionStoreConformance` with a backend factory; the suite never looks inside a store
 * except through the backend's raw accessors (to prove data is sealed, and to tamper with it).
 */

export interface OpenOptions {
  /** `passwords[0]` seals; all unseal. */
  passwords: string[];
  absoluteTimeoutMs: number;
}

export type RawKind = 'session';

/** One empty storage (a fresh SQLite file, a fresh Redis prefix), opened as many times as a test needs. */
export interface StoreBackend {
  /** A store over this backend's storage; every store opened here sees the same data. */
  open(options: OpenOptions): Promise<SessionStore>;
  /** Everything stored for `id` (columns or hash fields included), as one string; `null` if nothing. */
  readRaw(kind: RawKind, id: string): Promise<string | null>;
  /** The stored sealed blob alone; `null` if nothing. */
  readSealed(kind: RawKind, id: string): Promise<string | null>;
  /** Replaces the stored sealed blob of `id` with `edit(blob)`, bypassing the store. */
  editSealed(kind: RawKind, id: string, edit: (sealed: string) => string): Promise<void>;
  /** Closes every store it opened and removes the data. */
  destroy(): Promise<void>;
}

export const PASSWORD_A = 'a'.repeat(16) + '-first-password-of-the-test-set';
export const PASSWORD_B = 'b'.repeat(16) + '-second-password-of-the-test-set';
const HOUR_MS = 3_600_000;

export function sampleRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    accessToken: 'shcat_access-token-that-must-never-appear-at-rest',
    refreshToken: 'shcrt_refresh-token-that-must-never-appear-at-rest',
    idToken: 'eyJhbGciOiJSUzI1NiJ9.id-token-payload.signature',
    expiresAtMs: now + HOUR_MS,
    customerId: 'gid://shopify/Customer/42',
    email: 'customer@example.com',
    version: 1,
    createdAtMs: now,
    lastSeenAtMs: now,
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh, unguessable-looking id per test so runs never collide. */
const newId = () => crypto.randomUUID() + crypto.randomUUID();

export function describeSessionStoreConformance(name: string, createBackend: () => Promise<StoreBackend>): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let backend: StoreBackend;
    let store: SessionStore;
    const open = (passwords = [PASSWORD_A], absoluteTimeoutMs = HOUR_MS) =>
      backend.open({ passwords, absoluteTimeoutMs });

    beforeEach(async () => {
      backend = await createBackend();
      store = await open();
    });
    afterEach(async () => {
      await backend.destroy();
    });

    it('answers a ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('sessions', () => {
      it('round-trips a record and stores it as version 1, whatever version it was given', async () => {
        const sid = newId();
        const input = sampleRecord({ version: 7 });
        const created = await store.create(sid, input);
        expect(created).toEqual({ ...input, version: 1 });
        expect(await store.get(sid)).toEqual(created);
      });

      it('keeps the record sealed at rest: no token, customer id or sid in the raw storage', async () => {
        const sid = newId();
        const record = sampleRecord();
        await store.create(sid, record);
        const raw = await backend.readRaw('session', sid);
        expect(raw).not.toBeNull();
        for (const secret of [
          record.accessToken,
          record.refreshToken,
          record.idToken,
          record.customerId,
          record.email ?? '',
          sid,
        ]) {
          expect(raw).not.toContain(secret);
        }
      });

      it('returns the stored copy, not the caller object, and drops properties outside the contract', async () => {
        const sid = newId();
        const input = { ...sampleRecord(), extra: 'not-part-of-the-record' } as SessionRecord;
        await store.create(sid, input);
        input.accessToken = 'mutated-after-create';
        const read = await store.get(sid);
        expect(read?.accessToken).toBe(sampleRecord().accessToken);
        expect(read).not.toHaveProperty('extra');
      });

      it('rejects create on an existing sid and leaves the first record', async () => {
        const sid = newId();
        const first = await store.create(sid, sampleRecord());
        await expect(store.create(sid, sampleRecord({ accessToken: 'second' }))).rejects.toBeInstanceOf(
          SessionExistsError,
        );
        expect(await store.get(sid)).toEqual(first);
      });

      it('returns null for an unknown sid', async () => {
        expect(await store.get(newId())).toBeNull();
      });

      it('compareAndSet on the current version stores the next record with version + 1', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        const next = sampleRecord({ accessToken: 'rotated-access', refreshToken: 'rotated-refresh' });
        const stored = await store.compareAndSet(sid, 1, next);
        expect(stored).toEqual({ ...next, version: 2 });
        expect(await store.get(sid)).toEqual({ ...next, version: 2 });
        expect(await store.compareAndSet(sid, 2, next)).toEqual({ ...next, version: 3 });
      });

      it('keeps an attached cart id through compareAndSet, and a record without one has none', async () => {
        const sid = newId();
        expect(await store.create(sid, sampleRecord())).not.toHaveProperty('cartId');
        const withCart = { ...sampleRecord(), cartId: 'gid://shopify/Cart/abc' };
        expect(await store.compareAndSet(sid, 1, withCart)).toEqual({ ...withCart, version: 2 });
        expect(await store.get(sid)).toEqual({ ...withCart, version: 2 });
      });

      it('compareAndSet with a stale version returns null and leaves the record as it was', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        const v2 = await store.compareAndSet(sid, 1, sampleRecord({ accessToken: 'v2' }));
        expect(await store.compareAndSet(sid, 1, sampleRecord({ accessToken: 'stale' }))).toBeNull();
        expect(await store.get(sid)).toEqual(v2);
      });

      it('compareAndSet after delete returns null and does not resurrect the session', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        await store.delete(sid);
        expect(await store.compareAndSet(sid, 1, sampleRecord())).toBeNull();
        expect(await store.get(sid)).toBeNull();
        expect(await backend.readRaw('session', sid)).toBeNull();
      });

      it('compareAndSet on a sid never stored returns null', async () => {
        expect(await store.compareAndSet(newId(), 1, sampleRecord())).toBeNull();
      });

      it('lets exactly one of several concurrent compareAndSet on one version win', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => store.compareAndSet(sid, 1, sampleRecord({ accessToken: `racer-${i}` }))),
        );
        const winners = results.filter((result) => result !== null);
        expect(winners).toHaveLength(1);
        expect(await store.get(sid)).toEqual(winners[0]);
      });

      it('lets exactly one of two stores (two instances) win a compareAndSet race', async () => {
        const sid = newId();
        const other = await open();
        await store.create(sid, sampleRecord());
        const results = await Promise.all([
          store.compareAndSet(sid, 1, sampleRecord({ accessToken: 'instance-1' })),
          other.compareAndSet(sid, 1, sampleRecord({ accessToken: 'instance-2' })),
        ]);
        expect(results.filter((result) => result !== null)).toHaveLength(1);
      });

      it('delete removes the record; deleting an unknown sid is a no-op', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        await store.delete(sid);
        expect(await store.get(sid)).toBeNull();
        await expect(store.delete(newId())).resolves.toBeUndefined();
      });

      it('allows a new create on a sid after its delete', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        await store.delete(sid);
        const again = await store.create(sid, sampleRecord({ accessToken: 'again' }));
        expect(await store.get(sid)).toEqual(again);
      });

      it('stops returning a session once its absolute lifetime (createdAtMs + absoluteTimeoutMs) has passed', async () => {
        // Real time (Redis expires keys itself), with margins a loaded machine cannot eat: 1.5 s left
        // when created (it was 80 ms, and a busy CI machine took longer than that to read it back).
        const short = await open([PASSWORD_A], 3_000);
        const sid = newId();
        await short.create(sid, sampleRecord({ createdAtMs: Date.now() - 3_000 + 1_500 }));
        expect(await short.get(sid)).not.toBeNull();
        await sleep(1_700);
        expect(await short.get(sid)).toBeNull();
        expect(await short.compareAndSet(sid, 1, sampleRecord())).toBeNull();
      });
    });

    describe('unreadable storage reads as absent, never as an error', () => {
      const cases: [string, (sealed: string) => string][] = [
        ['one character of the ciphertext flipped', (s) => flipInSealPart(s, 4)],
        ['the HMAC digest altered', (s) => flipInSealPart(s, 7)],
        ['the expiry field altered', (s) => s.replace(/^((?:[^*]*\*){5})/, '$1' + String(Date.now() + HOUR_MS))],
        ['truncated', (s) => s.slice(0, Math.floor(s.length / 2))],
        ['not a seal at all', () => 'garbage'],
        ['empty', () => ''],
      ];
      for (const [label, edit] of cases) {
        it(`session blob ${label} → get() is null`, async () => {
          const sid = newId();
          await store.create(sid, sampleRecord());
          await backend.editSealed('session', sid, edit);
          const fresh = await open(); // a cold cache: the bad blob must really be unsealed
          expect(await fresh.get(sid)).toBeNull();
          expect(await store.get(sid)).toBeNull();
        });
      }

      it("another session's valid blob copied into this session's slot → get() is null", async () => {
        const victim = newId();
        const attacker = newId();
        await store.create(victim, sampleRecord({ customerId: 'victim' }));
        await store.create(attacker, sampleRecord({ customerId: 'attacker' }));
        const attackerBlob = await backend.readSealed('session', attacker);
        expect(attackerBlob).not.toBeNull();
        await backend.editSealed('session', victim, () => attackerBlob ?? '');
        expect(await store.get(victim)).toBeNull();
      });
    });

    describe("a customer's sessions (the admin API's index)", () => {
      it('lists the live sessions of one customer, oldest first, as summaries without a token', async () => {
        const [first, second, other] = [newId(), newId(), newId()];
        const now = Date.now();
        await store.create(first, sampleRecord({ customerId: 'gid://shopify/Customer/1', createdAtMs: now - 2_000 }));
        await store.create(second, sampleRecord({ customerId: 'gid://shopify/Customer/1', createdAtMs: now - 1_000 }));
        await store.create(other, sampleRecord({ customerId: 'gid://shopify/Customer/2' }));
        const listed = await store.listByCustomer('gid://shopify/Customer/1');
        expect(listed.map((s) => s.id)).toEqual([sessionIdHash(first), sessionIdHash(second)]);
        expect(listed[0]).toEqual({
          id: sessionIdHash(first),
          createdAtMs: now - 2_000,
          lastSeenAtMs: expect.any(Number),
        });
        expect(JSON.stringify(listed)).not.toMatch(/shc(at|rt)_/);
        expect(await store.listByCustomer('gid://shopify/Customer/3')).toEqual([]);
      });

      it('deletes one session by its label, only among that customer’s sessions', async () => {
        const [mine, theirs] = [newId(), newId()];
        await store.create(mine, sampleRecord({ customerId: 'gid://shopify/Customer/1' }));
        await store.create(theirs, sampleRecord({ customerId: 'gid://shopify/Customer/2' }));
        expect(await store.deleteByCustomer('gid://shopify/Customer/1', sessionIdHash(theirs))).toBe(false);
        expect(await store.get(theirs)).not.toBeNull();
        expect(await store.deleteByCustomer('gid://shopify/Customer/1', sessionIdHash(mine))).toBe(true);
        expect(await store.get(mine)).toBeNull();
        expect(await store.listByCustomer('gid://shopify/Customer/1')).toEqual([]);
        expect(await store.deleteByCustomer('gid://shopify/Customer/1', sessionIdHash(mine))).toBe(false);
      });

      it('leaves out a session deleted or expired, and keeps the index across rewrites', async () => {
        const [gone, kept] = [newId(), newId()];
        await store.create(gone, sampleRecord({ customerId: 'gid://shopify/Customer/1' }));
        await store.create(kept, sampleRecord({ customerId: 'gid://shopify/Customer/1' }));
        await store.delete(gone);
        await store.compareAndSet(
          kept,
          1,
          sampleRecord({ customerId: 'gid://shopify/Customer/1', accessToken: 'next' }),
        );
        expect((await store.listByCustomer('gid://shopify/Customer/1')).map((s) => s.id)).toEqual([
          sessionIdHash(kept),
        ]);
        const shortLived = await open([PASSWORD_A], 50);
        const brief = newId();
        await shortLived.create(
          brief,
          sampleRecord({ customerId: 'gid://shopify/Customer/9', createdAtMs: Date.now() }),
        );
        await sleep(120);
        expect(await shortLived.listByCustomer('gid://shopify/Customer/9')).toEqual([]);
      });
    });

    describe('password rotation', () => {
      it('reads a record sealed with an old password while it is still listed, and writes with the new one', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        const rotated = await open([PASSWORD_B, PASSWORD_A]);
        const read = await rotated.get(sid);
        expect(read).toEqual(await store.get(sid));
        // After a write under the new set, the record no longer needs the old password.
        await rotated.compareAndSet(sid, 1, sampleRecord({ accessToken: 'resealed' }));
        expect((await (await open([PASSWORD_B])).get(sid))?.accessToken).toBe('resealed');
      });

      it('does not read a record sealed with a password that was removed from the list', async () => {
        const sid = newId();
        await store.create(sid, sampleRecord());
        expect(await (await open([PASSWORD_B])).get(sid)).toBeNull();
      });
    });
  });
}

/**
 * Changes one character inside field `part` of an iron seal (`Fe26.2*id*salt*iv*ciphertext*expiry*salt*hmac`),
 * keeping the length and alphabet, so only the cryptographic checks can catch it.
 */
export function flipInSealPart(sealed: string, part: number): string {
  const parts = sealed.split('*');
  const field = parts[part];
  if (field === undefined || field.length < 4) throw new Error(`seal has no field ${part} to alter`);
  const index = 2;
  parts[part] = field.slice(0, index) + (field[index] === 'A' ? 'B' : 'A') + field.slice(index + 1);
  return parts.join('*');
}
