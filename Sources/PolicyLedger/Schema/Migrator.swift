/// One migration file as embedded in the binary.
package struct EmbeddedMigration: Sendable {
  package let name: String
  package let bytes: [UInt8]
  /// The file's SHA-256 in hex. For the files of `migrations/`, EmbedMigrationsTool takes it
  /// from `migrations/SHA256SUMS` at build time, so that opening a ledger does not hash
  /// them again; a test checks it against `SHA256Hasher`, and `migrate` hashes the bytes
  /// before it records it.
  package let sha256: String

  package init(name: String, bytes: [UInt8]) {
    self.init(name: name, bytes: bytes, sha256: SHA256Hasher.hex(bytes))
  }

  init(name: String, bytes: [UInt8], sha256: String) {
    self.name = name
    self.bytes = bytes
    self.sha256 = sha256
  }

  package var sql: String { String(decoding: bytes, as: UTF8.self) }
}

/// Applies the numbered SQL files of `migrations/` (embedded at build time) to a ledger.
///
/// Each migration runs in its own transaction and is recorded with the SHA-256 of its
/// file. A ledger that lists a migration this binary does not know (a newer
/// policy-ledger wrote it) or whose recorded checksum differs from the file is refused.
package struct Migrator {
  /// `PRAGMA application_id` of every ledger: "PLDG".
  package static let applicationID: Int32 = 0x504C_4447

  package let migrations: [EmbeddedMigration]

  init(migrations: [EmbeddedMigration] = Migrator.embedded) {
    self.migrations = migrations
  }

  static let bookkeeping = """
    CREATE TABLE IF NOT EXISTS ledger_migrations (
      name   TEXT PRIMARY KEY,
      sha256 TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER IF NOT EXISTS ledger_migrations_no_update BEFORE UPDATE ON ledger_migrations
      BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: UPDATE is refused'); END;
    CREATE TRIGGER IF NOT EXISTS ledger_migrations_no_delete BEFORE DELETE ON ledger_migrations
      BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: DELETE is refused'); END;
    """

  /// Work a migration needs beyond its SQL, run right after it in the same transaction:
  /// 0002 builds the Merkle tree of the entries recorded before it (none in a new ledger),
  /// 0007 the people each correction recorded before it is still outstanding for.
  static let steps: [String: @Sendable (Connection) throws -> Void] = [
    "0002_merkle": { try LedgerStore($0).backfillMerkleTree() },
    "0007_outstanding_people": { try LedgerStore($0).backfillOutstandingPeople() },
  ]

  /// Checks what the file is and which migrations it has; returns the pending ones.
  func pending(in db: Connection, path: String) throws -> [EmbeddedMigration] {
    // A ledger's own path takes two cheap steps before its migrations are read: the
    // application id from the file's header, and the bookkeeping table looked up in the
    // schema without a statement. Each statement prepared costs every query's start-up: these
    // two steps cost a query 0.16 M instructions fewer than one statement asking for the
    // application id, the schema's size and the table together (docs/performance.md,
    // "Start-up: one CLI query").
    let applicationID = Int32(truncatingIfNeeded: try db.cached("PRAGMA application_id").first { $0.int64(0) } ?? 0)
    if applicationID != Migrator.applicationID {
      let objects = try db.cached("SELECT count(*) FROM sqlite_schema").first { $0.int(0) } ?? 0
      if applicationID == 0 && objects == 0 { return migrations }
      throw LedgerError(.invalidInput, "'\(path)' is an SQLite database but not a policy-ledger ledger")
    }
    guard try db.hasTable("ledger_migrations") else {
      throw LedgerError(.damaged, "'\(path)' has no ledger_migrations table; it was changed outside policy-ledger")
    }
    let applied = try db.cached("SELECT name, sha256 FROM ledger_migrations ORDER BY name").map {
      AppliedMigration(name: $0.string(0), sha256: $0.string(1))
    }
    // Lists searched in order, not a Dictionary or Set of names: a handful of migrations, and
    // the first hashed collection of `String`s costs a start-up a scan of every conformance
    // record in the binary (docs/performance.md).
    for record in applied {
      guard let migration = migrations.first(where: { $0.name == record.name }) else {
        // Migrations are numbered in the order they ship: a newer binary's sort after this
        // one's last, and a ledger it wrote has all of this one's too. A name that sorts
        // before the last, or beside a shipped migration that is missing, was never shipped:
        // the table was changed (a flipped byte of a name gives either).
        if let last = migrations.last, record.name <= last.name {
          throw LedgerError(.damaged,
            "'\(path)' records migration '\(Identifier.printable(record.name))', which no policy-ledger shipped (a newer one's sort after this binary's last, '\(last.name)'); its ledger_migrations table was changed outside policy-ledger"
          )
        }
        if let missing = migrations.first(where: { shipped in !applied.contains { $0.name == shipped.name } }) {
          throw LedgerError(.damaged,
            "'\(path)' records migration '\(Identifier.printable(record.name))' but not '\(missing.name)', which every later ledger has; its ledger_migrations table was changed outside policy-ledger"
          )
        }
        throw LedgerError(.refused,
          "'\(path)' was written by a newer policy-ledger: it has migration '\(record.name)', which this binary does not know; use a newer policy-ledger")
      }
      guard migration.sha256 == record.sha256 else {
        throw LedgerError(.damaged,
          "'\(path)' recorded migration '\(record.name)' with checksum \(record.sha256), but this binary's file has \(migration.sha256); a shipped migration was edited")
      }
    }
    let pending = migrations.filter { migration in !applied.contains { $0.name == migration.name } }
    // Migrations are applied in order, the first one with the application id; a ledger that
    // lacks the record of one before its last applied migration had its bookkeeping changed.
    if let missing = pending.first, applied.isEmpty || missing.name < applied.last!.name {
      throw LedgerError(.damaged,
        "'\(path)' has no record of migration '\(missing.name)', which every ledger of its version has applied; its ledger_migrations table was changed outside policy-ledger")
    }
    return pending
  }

  /// A row of `ledger_migrations`. A named struct rather than a tuple: a tuple type's
  /// metadata is built at run time.
  private struct AppliedMigration {
    var name: String
    var sha256: String
  }

  /// Applies every pending migration, each in its own immediate transaction.
  package func migrate(_ db: Connection, path: String) throws {
    guard try !pending(in: db, path: path).isEmpty else { return }
    for migration in migrations {
      try db.inTransaction(.immediate) {
        // Another process may have migrated while this one waited for the lock.
        let pending = try self.pending(in: db, path: path)
        guard pending.contains(where: { $0.name == migration.name }) else { return }
        if try db.cached("PRAGMA application_id").first({ $0.int64(0) }) ?? 0 == 0 {
          try db.execute("PRAGMA application_id = \(Migrator.applicationID)")
          try db.execute(Migrator.bookkeeping)
        }
        // The digest recorded must be the bytes' own: it came from migrations/SHA256SUMS
        // at build time, unhashed, so a binary built from an edited migration without its
        // line updated (and without running the tests) is stopped here, before it writes.
        guard SHA256Hasher.hex(migration.bytes) == migration.sha256 else {
          throw LedgerError(.damaged,
            "this binary's migration '\(migration.name)' does not match its SHA-256 in migrations/SHA256SUMS; rebuild it after: cd migrations && sha256sum *.sql > SHA256SUMS")
        }
        try db.execute(migration.sql)
        try Migrator.steps[migration.name]?(db)
        try db.prepare("INSERT INTO ledger_migrations (name, sha256) VALUES (?, ?)")
          .run([migration.name, migration.sha256])
      }
    }
  }
}
