import Foundation
import Testing

/// Changes below SQL that `PRAGMA quick_check` does not see, each of which changed answers
/// while `verify` passed: objects named like ANALYZE's tables, and rows of a WITHOUT ROWID
/// table (whose B-tree is its primary key) out of key order.
@Suite struct KeyOrderTamperTests {
  /// A demo ledger with its WAL folded into the file, so that the file's bytes are the ledger.
  static func ledger(in dir: TemporaryDirectory, _ extra: [[String]] = []) throws -> String {
    let db = dir.file("l.db")
    try #require(try CLI.run(["demo", "--db", db]).status == 0)
    for command in extra { try #require(try CLI.run(command + ["--db", db]).status == 0, "\(command)") }
    _ = try LedgerFiles.sqlite3(db, "PRAGMA wal_checkpoint(TRUNCATE)")
    return db
  }

  /// Runs a Python script on the ledger file (the page surgery SQL cannot do).
  static func python(_ script: String, _ db: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, db]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "the page edit ran")
  }

  static func verify(_ db: String) throws -> CLIResult { try CLI.run(["verify", "--db", db]) }

  @Test(arguments: [
    "CREATE INDEX sqlite_stat_x ON roster_rows(employee, at, seq, ordinal)",
    "CREATE TRIGGER sqlite_stat_guard BEFORE INSERT ON acks BEGIN SELECT RAISE(ABORT, 'no'); END",
    "CREATE VIEW sqlite_stat1_view AS SELECT 1",
  ])
  func anObjectNamedLikeTheStatisticsTablesIsSchema(_ sql: String) throws {
    let dir = try TemporaryDirectory()
    let db = try Self.ledger(in: dir)
    _ = try LedgerFiles.sqlite3(db, "PRAGMA writable_schema = ON; \(sql);")
    let result = try Self.verify(db)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("the schema does not match the migrations"), "\(result.stderr)")
  }

  @Test func theStatisticsOfANALYZEAreNoChange() throws {
    let dir = try TemporaryDirectory()
    let db = try Self.ledger(in: dir)
    _ = try LedgerFiles.sqlite3(db, "ANALYZE")
    let result = try Self.verify(db)
    #expect(result.status == 0, "\(result.stderr)")
  }

  /// Two rows of `deliveries` swapped in their leaf page: `timeline` and `in-force
  /// --as-told-to` lose the notice for E1001, and a resend to E1001 would be accepted.
  @Test func deliveriesOutOfKeyOrderAreFound() throws {
    let dir = try TemporaryDirectory()
    let db = try Self.ledger(in: dir, [
      ["policy", "add", "leave", "--title", "Leave", "--body", "25 days", "--effective-from", "2020-08-01T00:00:00Z"],
      ["notice", "send", "--id", "N-leave", "--subject", "Leave", "--body", "25 days", "--sent-at", "2020-07-15T09:00:00Z", "--sender", "hr",
       "--announces", "leave@1", "--to", "E1001,E1002,E1003"],
    ])
    try #require(try Self.verify(db).status == 0)
    try Self.python(
      """
      import sqlite3, struct, sys
      p = sys.argv[1]
      root = sqlite3.connect(p).execute("SELECT rootpage FROM sqlite_schema WHERE name = 'deliveries'").fetchone()[0]
      b = bytearray(open(p, 'rb').read()); size = struct.unpack('>H', b[16:18])[0]; base = (root - 1) * size
      assert b[base] == 0x0a, 'one leaf page'
      n = struct.unpack('>H', b[base + 3:base + 5])[0]
      # The last two cells hold the last message's rows: swap their pointers.
      a, c = base + 8 + 2 * (n - 2), base + 8 + 2 * (n - 1)
      b[a:a + 2], b[c:c + 2] = b[c:c + 2], b[a:a + 2]
      open(p, 'wb').write(b)
      """, db)
    let result = try Self.verify(db)
    #expect(result.status == 1)
    #expect(result.stderr == "policy-ledger: error: verify failed: the deliveries table's rows are not in primary key order: its entries are out of order\n")
  }

  /// One byte of `merkle_nodes`: row (0, 0) relabelled (1, 0). A scan of level 0 still
  /// returns it; a lookup of (0, 0) does not, and `prove` printed a proof that fails.
  @Test func aMerkleNodeWithAnotherLevelIsFound() throws {
    let dir = try TemporaryDirectory()
    let db = try Self.ledger(in: dir)
    try Self.python(
      """
      import sqlite3, struct, sys
      p = sys.argv[1]
      root = sqlite3.connect(p).execute("SELECT rootpage FROM sqlite_schema WHERE name = 'merkle_nodes'").fetchone()[0]
      b = bytearray(open(p, 'rb').read()); size = struct.unpack('>H', b[16:18])[0]; base = (root - 1) * size
      assert b[base] == 0x0a, 'one leaf page'
      done = False
      for i in range(struct.unpack('>H', b[base + 3:base + 5])[0]):
          c = base + struct.unpack('>H', b[base + 8 + 2 * i:base + 10 + 2 * i])[0]
          if b[c + 2] == 8 and b[c + 3] == 8:  # level and idx stored as the constant 0
              b[c + 2] = 9; done = True
      assert done
      open(p, 'wb').write(b)
      """, db)
    let result = try Self.verify(db)
    #expect(result.status == 1)
    #expect(result.stderr.contains("merkle_nodes"), "\(result.stderr)")
  }
}
