import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

struct StorageTests {
  static let tables = [
    "journal", "policies", "versions", "notices", "corrections", "employees", "deliveries", "acks", "ledger_migrations",
    "merkle_nodes", "notice_versions",
  ]

  @Test(arguments: tables)
  func updateAndDeleteAreRefusedOnEveryTable(_ table: String) throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    #expect(ledger.rowCount(table) > 0)
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    let column = try db.prepare("SELECT name FROM pragma_table_info(?) LIMIT 1").first([table]) { $0.string(0) }!
    #expect(throws: SQLiteError.self) { try db.execute("UPDATE \(table) SET \(column) = \(column)") }
    #expect(throws: SQLiteError.self) { try db.execute("DELETE FROM \(table)") }
    do {
      try db.execute("DELETE FROM \(table)")
    } catch let error as SQLiteError {
      #expect(error.message == "\(table == "journal" ? "the journal" : table) is append-only: DELETE is refused")
    }
    #expect(try Ledger(path: ledger.path, access: .readOnly).verify().isValid)
  }

  @Test func migrationsApplyOnceAndAreRecordedWithTheirChecksums() throws {
    let ledger = try Ledger.temporary()
    _ = try Ledger(path: ledger.path, access: .readWrite)
    _ = try Ledger(path: ledger.path, access: .readWrite)
    let applied = try ledger.db.prepare("SELECT name, sha256 FROM ledger_migrations ORDER BY name").map { [$0.string(0), $0.string(1)] }
    #expect(applied == Migrator.embedded.map { [$0.name, try! sha256sum($0.bytes)] })
    #expect(applied.first?[0] == "0001_ledger")
    #expect(try ledger.db.prepare("PRAGMA application_id").first { $0.int64(0) } == Int64(Migrator.applicationID))
  }

  @Test func theEmbeddedMigrationsAreTheFilesOfTheMigrationsFolder() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../migrations").standardized
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
    #expect(files.map { String($0.dropLast(4)) } == Migrator.embedded.map(\.name))
    for (file, migration) in zip(files, Migrator.embedded) {
      #expect(try Data(contentsOf: folder.appendingPathComponent(file)) == Data(migration.bytes))
    }
  }

  @Test func aLedgerWithAMigrationThisBinaryDoesNotKnowIsRefused() throws {
    let ledger = try Ledger.temporary()
    try ledger.db.execute("INSERT INTO ledger_migrations (name, sha256) VALUES ('0999_future', 'abc')")
    expectLedgerError(
      "'\(ledger.path)' was written by a newer policy-ledger: it has migration '0999_future', which this binary does not know; use a newer policy-ledger"
    ) { _ = try Ledger(path: ledger.path, access: .readOnly) }
    expectLedgerError(
      "'\(ledger.path)' was written by a newer policy-ledger: it has migration '0999_future', which this binary does not know; use a newer policy-ledger"
    ) { _ = try Ledger(path: ledger.path, access: .readWrite) }
  }

  /// A name that sorts before this binary's last migration is no newer binary's (they are
  /// numbered in the order they ship): the table was changed, which verify calls damage.
  @Test func aLedgerWithAnUnknownMigrationNumberedAmongTheShippedOnesIsDamaged() throws {
    let last = try #require(Migrator.embedded.last?.name)
    for name in ["0003_deliveriez", "0001_other", "0000", String(last.dropLast()) + "r", "0005_notice_\u{1B}ersions"] {
      let ledger = try Ledger.temporary()
      try ledger.db.prepare("INSERT INTO ledger_migrations (name, sha256) VALUES (?, 'x')").forEach([name]) { _ in }
      expectLedgerError(
        "'\(ledger.path)' records migration '\(Identifier.printable(name))', which no policy-ledger shipped (a newer one's sort after this binary's last, '\(last)'); its ledger_migrations table was changed outside policy-ledger",
        code: .damaged
      ) { _ = try Ledger(path: ledger.path, access: .readOnly) }
    }
  }

  /// A name after the last shipped one, where a shipped migration is missing: no newer
  /// binary wrote it (it would have every one of this binary's), so it is damage too.
  @Test func anUnknownMigrationBesideAMissingShippedOneIsDamaged() throws {
    let last = try #require(Migrator.embedded.last?.name)
    let ledger = try Ledger.temporary()
    try ledger.db.execute("""
      DROP TRIGGER ledger_migrations_no_update;
      UPDATE ledger_migrations SET name = name || 'z' WHERE name = '\(last)';
      """)
    expectLedgerError(
      "'\(ledger.path)' records migration '\(last)z' but not '\(last)', which every later ledger has; its ledger_migrations table was changed outside policy-ledger",
      code: .damaged
    ) { _ = try Ledger(path: ledger.path, access: .readOnly) }
  }

  @Test func aLedgerWhoseMigrationChecksumDiffersIsRefused() throws {
    let ledger = try Ledger.temporary()
    try ledger.db.execute("DROP TRIGGER ledger_migrations_no_update")
    try ledger.db.execute("UPDATE ledger_migrations SET sha256 = 'edited' WHERE name = '0001_ledger'")
    let real = Migrator.embedded[0].sha256
    expectLedgerError(
      "'\(ledger.path)' recorded migration '0001_ledger' with checksum edited, but this binary's file has \(real); a shipped migration was edited"
    ) { _ = try Ledger(path: ledger.path, access: .readOnly) }
  }

  @Test func aMigrationWhoseDigestIsNotItsBytesIsNeverRecorded() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("x.db").path
    let db = try Connection(path: path, mode: .readWriteCreate)
    let wrong = EmbeddedMigration(name: "0001_ledger", bytes: Migrator.embedded[0].bytes, sha256: String(repeating: "0", count: 64))
    expectLedgerError("this binary's migration '0001_ledger' does not match its SHA-256 in migrations/SHA256SUMS; rebuild it after: cd migrations && sha256sum *.sql > SHA256SUMS") {
      try Migrator(migrations: [wrong]).migrate(db, path: path)
    }
    #expect(try db.prepare("SELECT count(*) FROM sqlite_schema").first { $0.int(0) } == 0)
  }

  /// EmbedMigrationsTool embeds each file's SHA-256 from migrations/SHA256SUMS; it must
  /// be swift-crypto's digest of the bytes embedded, which are the file's (a migration
  /// added or edited without `sha256sum *.sql > SHA256SUMS` fails here).
  @Test func theEmbeddedChecksumsAreTheFilesSHA256() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../migrations")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
    #expect(Migrator.embedded.map(\.name) == files.map { String($0.dropLast(4)) })
    for migration in Migrator.embedded {
      let file = try Data(contentsOf: folder.appendingPathComponent(migration.name + ".sql"))
      #expect(migration.bytes == Array(file))
      #expect(migration.sha256 == SHA256Hasher.hex(migration.bytes), "\(migration.name)")
      #expect(migration.sha256.count == 64)
    }
  }

  @Test func aPendingMigrationIsAppliedByARecordingOpenAndReportedByAReadOnlyOne() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("pending-\(UUID()).db").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let first = EmbeddedMigration(name: "0001_ledger", bytes: Migrator.embedded[0].bytes)
    let extra = EmbeddedMigration(name: "0002_test", bytes: Array("CREATE TABLE test_extra (x INTEGER) STRICT;".utf8))
    let db = try Connection(path: path, mode: .readWriteCreate)
    try Migrator(migrations: [first]).migrate(db, path: path)
    let readOnly = try Connection(path: path, mode: .readOnly)
    #expect(try Migrator(migrations: [first, extra]).pending(in: readOnly, path: path).map(\.name) == ["0002_test"])
    try Migrator(migrations: [first, extra]).migrate(db, path: path)
    try Migrator(migrations: [first, extra]).migrate(db, path: path)
    #expect(try db.prepare("SELECT count(*) FROM ledger_migrations").first { $0.int64(0) } == 2)
    #expect(try db.prepare("SELECT count(*) FROM test_extra").first { $0.int64(0) } == 0)
  }

  @Test func aFileThatIsNotALedgerIsRefused() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("notaledger-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let random = dir.appendingPathComponent("random.db").path
    try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: random))
    expectLedgerError("'\(random)' is not a policy-ledger ledger (not an SQLite database)") {
      _ = try Ledger(path: random, access: .readOnly)
    }
    let other = dir.appendingPathComponent("other.db").path
    try Connection(path: other, mode: .readWriteCreate).execute("CREATE TABLE t (x)")
    expectLedgerError("'\(other)' is an SQLite database but not a policy-ledger ledger") {
      _ = try Ledger(path: other, access: .readWrite)
    }
  }

  /// A ledger's bookkeeping table is looked up in the schema, not read by a statement: one
  /// dropped, or replaced by a view of the same rows, is refused alike, with nothing written.
  @Test(arguments: [false, true]) func aLedgerWithoutItsMigrationsTableIsRefused(asView: Bool) throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let path = ledger.path
    try ledger.db.execute(
      """
      DROP TRIGGER ledger_migrations_no_update; DROP TRIGGER ledger_migrations_no_delete;
      ALTER TABLE ledger_migrations RENAME TO kept_migrations;
      \(asView ? "CREATE VIEW ledger_migrations AS SELECT * FROM kept_migrations;" : "")
      """)
    try ledger.db.checkpoint(waitingForReaders: true)
    let before = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    for access in [Ledger.Access.readOnly, .readWrite] {
      expectLedgerError("'\(path)' has no ledger_migrations table; it was changed outside policy-ledger") {
        _ = try Ledger(path: path, access: access)
      }
    }
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == before)
    // Nothing waits in the write-ahead log either (the checkpoint above emptied it).
    let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
    #expect(log == 0)
  }

  @Test func aQueryOnAMissingLedgerIsAnErrorAndCreatesNothing() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID()).db").path
    expectLedgerError("no ledger at \(path)") { _ = try Ledger(path: path, access: .readOnly) }
    #expect(!FileManager.default.fileExists(atPath: path))
  }

  @Test func aNewLedgerFileIsPrivateToItsOwner() throws {
    let ledger = try Ledger.temporary()
    let mode = try FileManager.default.attributesOfItem(atPath: ledger.path)[.posixPermissions] as! Int
    #expect(mode == 0o600)
  }

  @Test func theConnectionRollsBackATransactionThatThrows() throws {
    let db = try Connection(path: "", mode: .temporary)
    try db.execute("CREATE TABLE t (x INTEGER)")
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try db.inTransaction(.immediate) {
        try db.prepare("INSERT INTO t VALUES (1)").run()
        throw Boom()
      }
    }
    #expect(try db.prepare("SELECT count(*) FROM t").first { $0.int64(0) } == 0)
    #expect(db.isAutocommit)
  }

  @Test func sqliteErrorsNameTheSQLButNeverTheBoundValues() throws {
    let db = try Connection(path: "", mode: .temporary)
    try db.execute("CREATE TABLE t (x TEXT UNIQUE)")
    try db.prepare("INSERT INTO t VALUES (?)").run(["secret-employee-42"])
    do {
      try db.prepare("INSERT INTO t VALUES (?)").run(["secret-employee-42"])
      Issue.record("expected a constraint error")
    } catch let error as SQLiteError {
      #expect(error.isConstraint)
      #expect(error.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
      #expect(error.description.contains("INSERT INTO t VALUES (?)"))
      #expect(!error.description.contains("secret-employee-42"))
    }
  }

  @Test func valuesRoundTripThroughEveryStorageClass() throws {
    let db = try Connection(path: "", mode: .temporary)
    try db.execute("CREATE TABLE t (v ANY) STRICT")
    let values: [SQLiteValue] = [
      .null, .integer(.min), .integer(.max), .real(2.5), .text(""), .text("a\u{0}b ✓"), .blob([]), .blob([0, 255, 1]),
    ]
    for value in values { try db.prepare("INSERT INTO t VALUES (?)").run([value]) }
    #expect(try db.prepare("SELECT v FROM t ORDER BY rowid").map { $0.value(0) } == values)
  }
}
