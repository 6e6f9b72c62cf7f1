import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { storageKey } from './records.ts';
import { createSealer } from './seal.ts';
import { createSqliteStore, type SqliteSessionStore } from './sqlite-store.ts';
import {
  PASSWORD_A,
  describeSessionStoreConformance,
  sampleRecord,
  type RawKind,
  type StoreBackend,
} from './store.conformance.ts';

const TABLES: Record<RawKind, { table: string; key: string }> = {
  session: { table: 'sessions', key: 'sid_hash' },
};

describeSessionStoreConformance('sqlite', async (): Promise<StoreBackend> => {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-test-'));
  // A nested path proves the store creates its parent folder.
  const path = join(dir, 'nested', 'sessions.db');
  const stores: SqliteSessionStore[] = [];
  let raw: DatabaseSync | null = null;
  const rawDb = () => (raw ??= new DatabaseSync(path));
  return {
    async open({ passwords, absoluteTimeoutMs }) {
      const store = createSqliteStore({ path, sealer: createSealer(passwords), absoluteTimeoutMs });
      stores.push(store);
      return store;
    },
    async readRaw(kind, id) {
      const { table, key } = TABLES[kind];
      const row = rawDb().prepare(`SELECT * FROM ${table} WHERE ${key} = ?`).get(storageKey(id));
      return row === undefined ? null : JSON.stringify(row);
    },
    async readSealed(kind, id) {
      const { table, key } = TABLES[kind];
      const row = rawDb().prepare(`SELECT sealed FROM ${table} WHERE ${key} = ?`).get(storageKey(id)) as
        { sealed: string } | undefined;
      return row?.sealed ?? null;
    },
    async editSealed(kind, id, edit) {
      const { table, key } = TABLES[kind];
      const db = rawDb();
      const row = db.prepare(`SELECT sealed FROM ${table} WHERE ${key} = ?`).get(storageKey(id)) as
        { sealed: string } | undefined;
      if (row === undefined) throw new Error('nothing stored to edit');
      db.prepare(`UPDATE ${table} SET sealed = ? WHERE ${key} = ?`).run(edit(row.sealed), storageKey(id));
    },
    async destroy() {
      raw?.close();
      await Promise.all(stores.map((store) => store.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite store specifics', () => {
  const HOUR_MS = 3_600_000;
  let nowMs = 1_700_000_000_000;
  const clock = () => nowMs;
  let store: SqliteSessionStore;

  afterEach(async () => {
    await store.close();
  });

  const openMemory = () =>
    (store = createSqliteStore({
      path: ':memory:',
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: HOUR_MS,
      nowMs: clock,
      purgeIntervalMs: 0,
    }));

  it('hides a session at createdAtMs + absoluteTimeoutMs and purges it', async () => {
    openMemory();
    await store.create('sid-1', sampleRecord({ createdAtMs: nowMs }));
    nowMs += HOUR_MS - 1;
    expect(await store.get('sid-1')).not.toBeNull();
    nowMs += 1;
    expect(await store.get('sid-1')).toBeNull();
    expect(store.purgeExpired()).toBe(1);
    expect(store.purgeExpired()).toBe(0);
  });

  it('lets create reuse a sid whose row expired but was not purged yet', async () => {
    openMemory();
    await store.create('sid-1', sampleRecord({ createdAtMs: nowMs }));
    nowMs += HOUR_MS;
    const again = await store.create('sid-1', sampleRecord({ createdAtMs: nowMs, accessToken: 'second' }));
    expect(await store.get('sid-1')).toEqual(again);
  });

  it('treats a version column that disagrees with the sealed version as unreadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-test-'));
    const path = join(dir, 'sessions.db');
    store = createSqliteStore({ path, sealer: createSealer([PASSWORD_A]), absoluteTimeoutMs: HOUR_MS });
    await store.create('sid-1', sampleRecord());
    const raw = new DatabaseSync(path);
    raw.prepare('UPDATE sessions SET version = 5 WHERE sid_hash = ?').run(storageKey('sid-1'));
    raw.close();
    expect(await store.get('sid-1')).toBeNull();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses WAL journaling on a file database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-test-'));
    const path = join(dir, 'sessions.db');
    store = createSqliteStore({ path, sealer: createSealer([PASSWORD_A]), absoluteTimeoutMs: HOUR_MS });
    const raw = new DatabaseSync(path);
    expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a deleted database file back from the open connection (on ping and purge), sessions kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-test-'));
    const path = join(dir, 'sessions.db');
    const restored: string[] = [];
    store = createSqliteStore({
      path,
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: HOUR_MS,
      purgeIntervalMs: 0,
      onFileRestored: (file) => restored.push(file),
    });
    await store.create('sid-before', sampleRecord());
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    expect(existsSync(path)).toBe(false);

    await store.ping();
    expect(existsSync(path)).toBe(true);
    expect(restored).toEqual([path]);
    // Writes after the restore land in the file at the path, not in the deleted one.
    await store.create('sid-after', sampleRecord());
    const reader = createSqliteStore({
      path,
      sealer: createSealer([PASSWORD_A]),
      absoluteTimeoutMs: HOUR_MS,
      purgeIntervalMs: 0,
    });
    expect(await reader.get('sid-before')).not.toBeNull();
    expect(await reader.get('sid-after')).not.toBeNull();
    await reader.close();
    // Nothing to do while the file is there.
    await store.ping();
    store.purgeExpired();
    expect(restored).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
  });
});
