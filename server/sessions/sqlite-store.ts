import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  SessionExistsError,
  openEnvelope,
  customerKey,
  parseSessionRecord,
  storageKey,
  summaryOf,
  withVersion,
  type Envelope,
} from './records.ts';
import type { Sealer } from './seal.ts';
import type { SessionRecord, SessionStore, SessionSummary } from './types.ts';

export interface SqliteStoreOptions {
  /** A file path (its folder is created) or `':memory:'`. */
  path: string;
  sealer: Sealer;
  /**
   * The absolute session lifetime: a row stops being readable, and is purged, at
   * `record.createdAtMs + absoluteTimeoutMs`. Idle timeout is the session service's job.
   */
  absoluteTimeoutMs: number;
  /** How often expired rows are deleted; `0` turns the timer off (reads ignore expired rows anyway). Default 60 s. */
  purgeIntervalMs?: number;
  /** Injected clock; defaults to `Date.now`. */
  nowMs?: () => number;
  /** Told when the database file had been deleted and was written back from the open connection. */
  onFileRestored?: (path: string) => void;
}

export interface SqliteSessionStore extends SessionStore {
  /** Deletes expired sessions and pending logins now; returns how many rows went. */
  purgeExpired(): number;
}

interface SessionRow {
  sealed: string;
  version: number;
}

const DEFAULT_PURGE_INTERVAL_MS = 60_000;

/**
 * A `SessionStore` in one SQLite file: the default for a single BFF instance, and it survives restarts.
 *
 * Rows are keyed by `storageKey(sid)` (a SHA-256), never the sid itself, so a copied database file
 * yields no usable session ids. Every record is sealed whole (version included) inside an envelope
 * bound to its key; the `version` column duplicates the sealed version only so compare-and-set can be
 * a single `UPDATE … WHERE version = ?`.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteSessionStore {
  const { sealer, absoluteTimeoutMs } = options;
  const nowMs = options.nowMs ?? Date.now;
  const file = options.path === ':memory:' ? null : options.path;
  let db = open(options.path);
  let statements = prepare(db);

  /**
   * A database file deleted under a running store (a clean-up job, a mistaken `rm`) would go unnoticed
   * until the restart that loses every session: the open connection keeps reading the deleted inode.
   * When the file is gone, the database is copied back to its path from that connection (`VACUUM INTO`)
   * and the store reopens there. Checked on every ping (`/readyz`) and every purge.
   */
  function restoreDeletedFile(): boolean {
    if (file === null || existsSync(file)) return false;
    mkdirSync(dirname(file), { recursive: true });
    db.exec(`VACUUM INTO '${file.replaceAll("'", "''")}'`);
    db.close();
    db = open(file);
    statements = prepare(db);
    options.onFileRestored?.(file);
    return true;
  }

  function purgeExpired(): number {
    restoreDeletedFile();
    const now = nowMs();
    return Number(statements.purgeSessions.run(now).changes);
  }

  const purgeIntervalMs = options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
  const purgeTimer = purgeIntervalMs > 0 ? setInterval(purgeExpired, purgeIntervalMs) : null;
  // The purge is housekeeping: it must not keep the process alive on shutdown.
  purgeTimer?.unref();

  const sealRecord = (key: string, record: SessionRecord): Promise<string> =>
    sealer.seal({ key, value: record } satisfies Envelope<SessionRecord>);

  return {
    async get(sid) {
      const key = storageKey(sid);
      const row = statements.selectSession.get(key, nowMs()) as SessionRow | undefined;
      if (row === undefined) return null;
      const record = await sealer.unseal(row.sealed, (raw) => openEnvelope(raw, key, parseSessionRecord));
      // A column that disagrees with the sealed version means the row was edited outside this store.
      return record !== null && record.version === row.version ? record : null;
    },

    async create(sid, record) {
      const key = storageKey(sid);
      const stored = withVersion(record, 1);
      const sealed = await sealRecord(key, stored);
      const { changes } = statements.insertSession.run({
        key,
        sealed,
        expiresAtMs: stored.createdAtMs + absoluteTimeoutMs,
        now: nowMs(),
        customer: customerKey(stored.customerId),
      });
      if (Number(changes) === 0) throw new SessionExistsError();
      return stored;
    },

    async compareAndSet(sid, expectedVersion, next) {
      const key = storageKey(sid);
      const stored = withVersion(next, expectedVersion + 1);
      const sealed = await sealRecord(key, stored);
      // The check and the write are one statement, so two racing writers cannot both pass the check.
      const { changes } = statements.updateSession.run(
        sealed,
        stored.version,
        customerKey(stored.customerId),
        key,
        expectedVersion,
        nowMs(),
      );
      return Number(changes) === 1 ? stored : null;
    },

    async delete(sid) {
      statements.deleteSession.run(storageKey(sid));
    },

    async listByCustomer(customerId) {
      const rows = statements.selectByCustomer.all(customerKey(customerId), nowMs()) as unknown as Array<
        SessionRow & { sid_hash: string }
      >;
      const summaries: SessionSummary[] = [];
      for (const row of rows) {
        const record = await sealer.unseal(row.sealed, (raw) => openEnvelope(raw, row.sid_hash, parseSessionRecord));
        if (record !== null && record.version === row.version && record.customerId === customerId) {
          summaries.push(summaryOf(row.sid_hash, record));
        }
      }
      return summaries.sort((a, b) => a.createdAtMs - b.createdAtMs);
    },

    async deleteByCustomer(customerId, id) {
      const { changes } = statements.deleteByCustomer.run(customerKey(customerId), id);
      return Number(changes) > 0;
    },

    purgeExpired,

    async ping() {
      restoreDeletedFile();
      statements.pingStatement.get();
    },

    async close() {
      if (purgeTimer !== null) clearInterval(purgeTimer);
      db.close();
    },
  };
}

/** Opens the database file (or memory) with the store's settings and tables. */
function open(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  // WAL: readers never block the writer, and a process crash loses nothing committed. synchronous =
  // NORMAL (better-sqlite3's default, which this store used before node:sqlite) skips the fsync per
  // commit: only a power loss can drop the last commits, and it halves the cost of a write.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS sessions (
      sid_hash TEXT PRIMARY KEY,
      sealed TEXT NOT NULL,
      version INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires_at_ms);
    -- Sign-ins in progress used to be kept here; they live in the browser's cookie now.
    DROP TABLE IF EXISTS pending_logins;
  `);
  // Added after the first release: a file from then gains the column; its rows are indexed when next written.
  const columns = db.prepare('PRAGMA table_info(sessions)').all() as Array<{ name: string }>;
  if (!columns.some((column) => column.name === 'customer_hash')) {
    db.exec('ALTER TABLE sessions ADD COLUMN customer_hash TEXT');
  }
  db.exec('CREATE INDEX IF NOT EXISTS sessions_customer ON sessions (customer_hash)');
  return db;
}

/** The store's statements, prepared once per connection. */
function prepare(db: DatabaseSync) {
  return {
    selectSession: db.prepare('SELECT sealed, version FROM sessions WHERE sid_hash = ? AND expires_at_ms > ?'),
    // An expired row that the purge has not reached yet must not block a create, hence the upsert.
    insertSession: db.prepare(
      `INSERT INTO sessions (sid_hash, sealed, version, expires_at_ms, customer_hash)
       VALUES (@key, @sealed, 1, @expiresAtMs, @customer)
       ON CONFLICT (sid_hash) DO UPDATE SET sealed = @sealed, version = 1, expires_at_ms = @expiresAtMs,
         customer_hash = @customer
       WHERE sessions.expires_at_ms <= @now`,
    ),
    selectByCustomer: db.prepare(
      'SELECT sid_hash, sealed, version FROM sessions WHERE customer_hash = ? AND expires_at_ms > ?',
    ),
    // The label is the key's first 12 hex digits; the customer must match too, so a label alone
    // reaches no other customer's session.
    deleteByCustomer: db.prepare('DELETE FROM sessions WHERE customer_hash = ? AND substr(sid_hash, 1, 12) = ?'),
    updateSession: db.prepare(
      `UPDATE sessions SET sealed = ?, version = ?, customer_hash = ?
       WHERE sid_hash = ? AND version = ? AND expires_at_ms > ?`,
    ),
    deleteSession: db.prepare('DELETE FROM sessions WHERE sid_hash = ?'),
    pingStatement: db.prepare('SELECT 1 FROM sessions LIMIT 1'),
    purgeSessions: db.prepare('DELETE FROM sessions WHERE expires_at_ms <= ?'),
  };
}
