import Foundation
import Testing

/// verify accepts Litestream's two bookkeeping tables, exactly as Litestream creates
/// them, and nothing else (docs/journal-format.md, verify step 6).
@Suite struct ReplicatorTablesTests {
  static let litestreamTables = [
    "CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)",
    "CREATE TABLE _litestream_lock (id INTEGER)",
  ]

  @Test func litestreamsBookkeepingTablesAreNotTampering() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    try LedgerFiles.makeFullLedger(at: path)
    // As Litestream 0.5.17 writes them: IF NOT EXISTS, a row in each.
    try LedgerFiles.sqlite3(
      path,
      "CREATE TABLE IF NOT EXISTS _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);"
        + "CREATE TABLE IF NOT EXISTS _litestream_lock (id INTEGER);"
        + "INSERT INTO _litestream_seq VALUES (1, 3); INSERT INTO _litestream_lock VALUES (1);")
    let verify = try CLI.run(["verify", "--db", path])
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(verify.stdout.hasPrefix("ok: "))
  }

  @Test(arguments: [
    ("CREATE TABLE _litestream_lock (id INTEGER, note TEXT)", "table '_litestream_lock'"),
    ("CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER, extra)", "table '_litestream_seq'"),
    ("CREATE TABLE _litestream_other (id INTEGER)", "table '_litestream_other'"),
    ("CREATE TABLE _litestream_lock (id INTEGER); CREATE INDEX _litestream_lock_id ON _litestream_lock (id)",
     "index '_litestream_lock_id'"),
    ("CREATE TABLE _litestream_lock (id INTEGER); CREATE TRIGGER _litestream_t AFTER INSERT ON _litestream_lock BEGIN SELECT 1; END",
     "trigger '_litestream_t'"),
    ("CREATE VIEW _litestream_seq AS SELECT 1 AS id, 2 AS seq", "view '_litestream_seq'"),
  ])
  func anyOtherForeignObjectStillFailsVerify(sql: String, object: String) throws {
    let verify = try LedgerFiles.verifyFullLedger(after: sql)
    #expect(verify.status == 1)
    #expect(verify.stdout.isEmpty)
    #expect(
      verify.stderr == "policy-ledger: error: verify failed: the schema does not match the migrations: \(object) was added or altered\n")
  }
}
