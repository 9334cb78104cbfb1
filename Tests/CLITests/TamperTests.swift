import Foundation
import LedgerBenchData
import PolicyLedger
import Testing

/// One change made behind the ledger's back, and what `verify` must say about it.
struct Tampering: Sendable, CustomTestStringConvertible {
  enum Expected: Sendable {
    /// `verify failed: entry N: …`
    case entry(Int64)
    /// `verify failed: …` containing this text (a change no single entry owns).
    case verifyFailure(String)
    /// The ledger is refused when it is opened, with a message containing this text.
    case refused(String)
  }

  var table: String
  var change: String
  var sql: String
  var expected: Expected

  init(_ table: String, _ change: String, _ sql: String, _ expected: Expected) {
    self.table = table
    self.change = change
    self.sql = sql
    self.expected = expected
  }

  var testDescription: String { "\(table): \(change)" }

  /// One change per table, and per column where a column can be changed on its own. The seq
  /// numbers are those of `LedgerFiles.makeFullLedger`.
  static let all: [Tampering] = [
    // journal: every column of entry 5 (the retraction), a dropped last entry, an added one.
    .init("journal", "seq", "UPDATE journal SET seq = 100 WHERE seq = 5", .entry(5)),
    .init("journal", "recorded_at", "UPDATE journal SET recorded_at = recorded_at + 1 WHERE seq = 5", .entry(5)),
    .init("journal", "kind", "UPDATE journal SET kind = 'notice' WHERE seq = 5", .entry(5)),
    .init("journal", "actor", "UPDATE journal SET actor = 'mallory' WHERE seq = 5", .entry(5)),
    .init("journal", "payload", "UPDATE journal SET payload = substr(payload, 1, length(payload) - 1) WHERE seq = 5", .entry(5)),
    .init("journal", "prev_hash", "UPDATE journal SET prev_hash = zeroblob(32) WHERE seq = 5", .entry(5)),
    .init("journal", "entry_hash", "UPDATE journal SET entry_hash = zeroblob(32) WHERE seq = 5", .entry(5)),
    .init("journal", "last entry deleted, its row kept", "DELETE FROM journal WHERE seq = 9", .entry(9)),
    .init(
      "journal", "extra entry",
      "INSERT INTO journal SELECT 11, recorded_at, kind, actor, payload, prev_hash, entry_hash FROM journal WHERE seq = 10",
      .entry(11)),
    // policies
    .init("policies", "key", "UPDATE policies SET key = 'remote-play' WHERE key = 'remote-work'", .entry(6)),
    .init("policies", "id", "UPDATE policies SET id = 7 WHERE key = 'remote-work'", .entry(6)),
    .init("policies", "extra row", "INSERT INTO policies (key) VALUES ('ghost')", .verifyFailure("the policies table has 1 row that no entry accounts for")),
    // versions: every column of remote-work@1 (seq 6)
    .init("versions", "seq", "UPDATE versions SET seq = 60 WHERE seq = 6", .entry(6)),
    .init("versions", "policy", "UPDATE versions SET policy = 3 WHERE seq = 6", .entry(6)),
    .init("versions", "version", "UPDATE versions SET version = 2 WHERE seq = 6", .entry(6)),
    .init("versions", "title", "UPDATE versions SET title = 'Remote play' WHERE seq = 6", .entry(6)),
    .init("versions", "body", "UPDATE versions SET body = substr(body, 2) WHERE seq = 6", .entry(6)),
    .init("versions", "body_sha256", "UPDATE versions SET body_sha256 = upper(body_sha256) WHERE seq = 6", .entry(6)),
    .init("versions", "effective_from", "UPDATE versions SET effective_from = effective_from - 1 WHERE seq = 6", .entry(6)),
    .init("versions", "effective_until", "UPDATE versions SET effective_until = NULL WHERE seq = 6", .entry(6)),
    .init("versions", "announced_at", "UPDATE versions SET announced_at = announced_at + 1 WHERE seq = 6", .entry(6)),
    .init("versions", "deleted", "DELETE FROM versions WHERE seq = 2", .entry(2)),
    // notices: every column of N-REMOTE (seq 7)
    .init("notices", "seq", "UPDATE notices SET seq = 70 WHERE seq = 7", .entry(7)),
    .init("notices", "id", "UPDATE notices SET id = 'N-OTHER' WHERE seq = 7", .entry(7)),
    .init("notices", "subject", "UPDATE notices SET subject = 'Remote work from March' WHERE seq = 7", .entry(7)),
    .init("notices", "body", "UPDATE notices SET body = substr(body, 2) WHERE seq = 7", .entry(7)),
    .init("notices", "body_sha256", "UPDATE notices SET body_sha256 = upper(body_sha256) WHERE seq = 7", .entry(7)),
    .init("notices", "sent_at", "UPDATE notices SET sent_at = sent_at - 3600000000 WHERE seq = 7", .entry(7)),
    .init("notices", "sender", "UPDATE notices SET sender = 'ceo' WHERE seq = 7", .entry(7)),
    .init("notices", "channel", "UPDATE notices SET channel = 'email' WHERE seq = 7", .entry(7)),
    .init("notices", "announces", "UPDATE notices SET announces = 2 WHERE seq = 7", .entry(7)),
    .init("notices", "policy", "UPDATE notices SET policy = 1 WHERE seq = 7", .entry(7)),
    .init("notices", "recipient_count", "UPDATE notices SET recipient_count = 2 WHERE seq = 7", .entry(7)),
    .init("notices", "recipients_sha256", "UPDATE notices SET recipients_sha256 = upper(recipients_sha256) WHERE seq = 7", .entry(7)),
    // corrections: the retraction of a notice (seq 5) and the amendment of a version (seq 8)
    .init("corrections", "seq", "UPDATE corrections SET seq = 80 WHERE seq = 8", .entry(8)),
    .init("corrections", "id", "UPDATE corrections SET id = 'A-OTHER' WHERE seq = 8", .entry(8)),
    .init("corrections", "kind", "UPDATE corrections SET kind = 'amendment' WHERE seq = 5", .entry(5)),
    .init("corrections", "notice", "UPDATE corrections SET notice = 7 WHERE seq = 5", .entry(5)),
    .init("corrections", "version", "UPDATE corrections SET version = 2 WHERE seq = 8", .entry(8)),
    .init("corrections", "affected_version", "UPDATE corrections SET affected_version = 2 WHERE seq = 8", .entry(8)),
    .init("corrections", "policy", "UPDATE corrections SET policy = 1 WHERE seq = 8", .entry(8)),
    .init("corrections", "void_version", "UPDATE corrections SET void_version = 0 WHERE seq = 5", .entry(5)),
    .init("corrections", "issued_at", "UPDATE corrections SET issued_at = issued_at + 1 WHERE seq = 8", .entry(8)),
    .init("corrections", "statement", "UPDATE corrections SET statement = 'Never mind.' WHERE seq = 8", .entry(8)),
    .init("corrections", "reason", "UPDATE corrections SET reason = 'no reason' WHERE seq = 8", .entry(8)),
    .init("corrections", "effective_from", "UPDATE corrections SET effective_from = NULL WHERE seq = 8", .entry(8)),
    .init("corrections", "effective_until", "UPDATE corrections SET effective_until = effective_until + 1 WHERE seq = 8", .entry(8)),
    .init("corrections", "recipient_count", "UPDATE corrections SET recipient_count = 0 WHERE seq = 8", .entry(8)),
    .init("corrections", "recipients_sha256", "UPDATE corrections SET recipients_sha256 = upper(recipients_sha256) WHERE seq = 8", .entry(8)),
    // employees: a renamed or renumbered recipient is named at their first delivery
    .init("employees", "name", "UPDATE employees SET name = 'E3999' WHERE name = 'E3001'", .entry(7)),
    .init("employees", "id", "UPDATE employees SET id = 99 WHERE name = 'E3002'", .entry(7)),
    .init("employees", "extra row", "INSERT INTO employees (name) VALUES ('E9999')", .verifyFailure("the employees table has an employee (number 8) that no entry accounts for")),
    // deliveries
    .init("deliveries", "employee", "UPDATE deliveries SET employee = 6 WHERE message = 3 AND employee = 4", .entry(3)),
    .init("deliveries", "message", "UPDATE deliveries SET message = 5 WHERE message = 3 AND employee = 4", .entry(3)),
    .init("deliveries", "extra row", "INSERT INTO deliveries (message, employee) VALUES (5, 4)", .entry(5)),
    .init("deliveries", "extra row for a version", "INSERT INTO deliveries (message, employee) VALUES (1, 1)", .entry(1)),
    .init("deliveries", "deleted row", "DELETE FROM deliveries WHERE message = 7 AND employee = 6", .entry(7)),
    // deliveries.via: a resend's row made the first delivery's, and the other way round
    .init(
      "resent_deliveries", "row moved to deliveries as the first delivery's",
      "INSERT INTO deliveries SELECT message, employee, NULL FROM resent_deliveries WHERE via = 10; DELETE FROM resent_deliveries WHERE via = 10",
      .entry(8)),
    .init("deliveries", "via set", "UPDATE deliveries SET via = 10 WHERE message = 8 AND employee = 1", .entry(8)),
    // resent_deliveries: the rows of the resend (seq 10); every column, a deleted row, an
    // extra one, a row repeated in deliveries, a row moved there with its via
    .init("resent_deliveries", "message", "UPDATE resent_deliveries SET message = 3 WHERE via = 10", .entry(10)),
    .init("resent_deliveries", "employee", "UPDATE resent_deliveries SET employee = 1 WHERE via = 10", .entry(10)),
    .init("resent_deliveries", "via", "UPDATE resent_deliveries SET via = 9 WHERE via = 10", .entry(9)),
    .init("resent_deliveries", "deleted row", "DELETE FROM resent_deliveries WHERE via = 10", .entry(10)),
    .init("resent_deliveries", "extra row", "INSERT INTO resent_deliveries (message, employee, via) VALUES (8, 1, 10)", .entry(10)),
    .init(
      "deliveries", "a resend's row repeated there",
      "INSERT INTO deliveries (message, employee, via) SELECT message, employee, via FROM resent_deliveries WHERE via = 10", .entry(10)),
    .init(
      "resent_deliveries", "row moved to deliveries",
      "INSERT INTO deliveries SELECT message, employee, via FROM resent_deliveries WHERE via = 10; DELETE FROM resent_deliveries WHERE via = 10",
      .entry(10)),
    // resent_deliveries_from: where resends' rows start going to resent_deliveries
    .init("resent_deliveries_from", "seq", "UPDATE resent_deliveries_from SET seq = 11", .entry(10)),
    .init(
      "resent_deliveries_from", "deleted row", "DELETE FROM resent_deliveries_from",
      .verifyFailure("the resent_deliveries_from table holds 0 rows; it must hold one")),
    // resends: every column of the resend (seq 10)
    .init("resends", "seq", "UPDATE resends SET seq = 100 WHERE seq = 10", .entry(10)),
    .init("resends", "message", "UPDATE resends SET message = 5 WHERE seq = 10", .entry(10)),
    .init("resends", "sent_at", "UPDATE resends SET sent_at = sent_at + 1 WHERE seq = 10", .entry(10)),
    .init("resends", "recipient_count", "UPDATE resends SET recipient_count = 2 WHERE seq = 10", .entry(10)),
    .init("resends", "recipients_sha256", "UPDATE resends SET recipients_sha256 = upper(recipients_sha256) WHERE seq = 10", .entry(10)),
    .init("resends", "deleted row", "DELETE FROM resends WHERE seq = 10", .entry(10)),
    // notice_versions: every column of the rows of notices 3 and 7 (rule 17), a deleted row, an extra one
    .init("notice_versions", "notice", "UPDATE notice_versions SET notice = 3 WHERE notice = 7", .entry(3)),
    .init("notice_versions", "version", "UPDATE notice_versions SET version = 1 WHERE notice = 3", .entry(3)),
    .init("notice_versions", "policy", "UPDATE notice_versions SET policy = 2 WHERE notice = 3", .entry(3)),
    .init("notice_versions", "deleted row", "DELETE FROM notice_versions WHERE notice = 7", .entry(7)),
    .init("notice_versions", "extra row", "INSERT INTO notice_versions (notice, version, policy) VALUES (7, 2, 1)", .entry(7)),
    // outstanding_people: the person the retraction (seq 5) missed, kept as entries are
    // recorded; every column, a deleted row, an extra one, and one of an entry that is no correction
    .init("outstanding_people", "correction", "UPDATE outstanding_people SET correction = 8 WHERE correction = 5", .entry(5)),
    .init("outstanding_people", "employee", "UPDATE outstanding_people SET employee = 1000 WHERE correction = 5", .entry(5)),
    .init("outstanding_people", "deleted row", "DELETE FROM outstanding_people WHERE correction = 5", .entry(5)),
    .init("outstanding_people", "extra row", "INSERT INTO outstanding_people (correction, employee) VALUES (8, 1)", .entry(8)),
    .init(
      "outstanding_people", "row of no correction", "INSERT INTO outstanding_people (correction, employee) VALUES (3, 1)",
      .entry(3)),
    // acks: every column of E1004's ack (seq 4)
    .init("acks", "notice", "UPDATE acks SET notice = 7 WHERE seq = 4", .entry(4)),
    .init("acks", "employee", "UPDATE acks SET employee = 1 WHERE seq = 4", .entry(4)),
    .init("acks", "at", "UPDATE acks SET at = at + 1 WHERE seq = 4", .entry(4)),
    .init("acks", "seq", "UPDATE acks SET seq = 40 WHERE seq = 4", .entry(4)),
    .init("acks", "deleted row", "DELETE FROM acks WHERE seq = 9", .entry(9)),
    // ledger_migrations: checked whenever the ledger is opened
    .init("ledger_migrations", "name", "UPDATE ledger_migrations SET name = '0001_other' WHERE name = '0001_ledger'", .refused("records migration '0001_other', which no policy-ledger shipped (a newer one's sort after this binary's last, '0009_outstanding_people_no_references'); its ledger_migrations table was changed outside policy-ledger")),
    .init("ledger_migrations", "sha256", "UPDATE ledger_migrations SET sha256 = upper(sha256)", .refused("a shipped migration was edited")),
    .init("ledger_migrations", "deleted row", "DELETE FROM ledger_migrations", .refused("has no record of migration '0001_ledger'")),
    // An added row whose name sorts among the shipped ones, as a flipped byte of a name gives.
    .init(
      "ledger_migrations", "an added unknown row", "INSERT INTO ledger_migrations VALUES ('0003_deliveriez', 'x')",
      .refused("records migration '0003_deliveriez', which no policy-ledger shipped")),
    .init(
      "ledger_migrations", "a newer migration",
      "INSERT INTO ledger_migrations VALUES ('9999_future', '00')",
      .refused("was written by a newer policy-ledger: it has migration '9999_future'")),
  ]
}

@Suite struct TamperTests {
  @Test(arguments: Tampering.all)
  func verifyCatchesEveryChangeMadeBehindTheLedgersBack(_ tampering: Tampering) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    try LedgerFiles.makeFullLedger(at: path)
    try LedgerFiles.tamper(path, table: tampering.table, tampering.sql)
    let verify = try CLI.run(["verify", "--db", path])
    #expect(verify.isOneLineError, "\(verify)")
    switch tampering.expected {
    case .entry(let seq):
      #expect(verify.stderr.hasPrefix("policy-ledger: error: verify failed: entry \(seq): "), "\(verify.stderr)")
    case .verifyFailure(let text):
      #expect(verify.stderr == "policy-ledger: error: verify failed: \(text)\n")
    case .refused(let text):
      #expect(verify.stderr.contains(text), "\(verify.stderr)")
      // Every command refuses such a ledger, and a recording command leaves it as it is.
      let before = LedgerFiles.sha256(path)
      let query = try CLI.run(["in-force", "--db", path, "--at", "2021-06-01"])
      #expect(query.isOneLineError && query.stderr.contains(text), "\(query)")
      let append = try CLI.run(["policy", "add", "k", "--title", "t", "--body", "b", "--effective-from", "2021-01-01", "--db", path])
      #expect(append.isOneLineError && append.stderr.contains(text), "\(append)")
      #expect(LedgerFiles.sha256(path) == before)
    }
  }

  @Test func theUntouchedLedgerVerifies() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    let head = try LedgerFiles.makeFullLedger(at: path)
    let verify = try CLI.run(["verify", "--db", path, "--expect", head.description])
    #expect(verify.status == 0)
    #expect(verify.stderr.isEmpty)
    #expect(verify.stdout == "ok: 10 entries verified; head \(head)\n")
    // Putting the triggers back exactly as they were leaves nothing to see.
    try LedgerFiles.tamper(path, table: "notices", "UPDATE notices SET subject = subject WHERE seq = 7")
    #expect(try CLI.run(["verify", "--db", path]).status == 0)
  }

  @Test func aDroppedTriggerIsCaughtEvenWithNoDataChanged() throws {
    let verify = try LedgerFiles.verifyFullLedger(after: "DROP TRIGGER deliveries_no_delete")
    #expect(verify.isOneLineError)
    #expect(
      verify.stderr
        == "policy-ledger: error: verify failed: the schema does not match the migrations: trigger 'deliveries_no_delete' is missing or was altered\n"
    )
  }

  /// `verify`'s recipient checks read the deliveries through `all_deliveries`: a view
  /// changed, dropped or replaced by a table is named itself, not the table it makes look
  /// wrong (`outstanding_people`), nor a failed read.
  @Test(arguments: [
    "DROP VIEW all_deliveries; CREATE VIEW all_deliveries (message, employee, via) AS SELECT message, employee, via FROM resent_deliveries",
    "DROP VIEW all_deliveries",
    "DROP VIEW all_deliveries; CREATE TABLE all_deliveries (message INTEGER, employee INTEGER, via INTEGER)",
    // With a difference that sorts first, the view is still the one named.
    "DROP TRIGGER acks_no_delete; DROP VIEW all_deliveries; CREATE VIEW all_deliveries (message, employee, via) AS SELECT message, employee, via FROM resent_deliveries",
  ])
  func aChangedViewIsNamedItself(_ sql: String) throws {
    let verify = try LedgerFiles.verifyFullLedger(after: sql)
    #expect(verify.status == 1)
    #expect(
      verify.stderr
        == "policy-ledger: error: verify failed: the schema does not match the migrations: view 'all_deliveries' is missing or was altered\n"
    )
  }

  /// Only `all_deliveries`, which the recipient checks read, is named before them: another
  /// added view waits for the schema step, so a forged delivery is still named first, and a
  /// table replaced by a view is judged by its rows, as a table is.
  @Test(arguments: [
    ("INSERT INTO deliveries (message, employee) VALUES (3, (SELECT max(id) FROM employees)); CREATE VIEW zzz AS SELECT 1",
     "entry 3: its recipients do not match"),
    ("DROP TABLE outstanding_people; CREATE VIEW outstanding_people (correction, employee) AS SELECT 0, 0 WHERE 0",
     "entry 5: the outstanding_people table does not match the deliveries"),
  ])
  func anotherViewWaitsForTheSchemaStep(sql: String, failure: String) throws {
    let verify = try LedgerFiles.verifyFullLedger(after: sql)
    #expect(verify.status == 1)
    #expect(verify.stderr.hasPrefix("policy-ledger: error: verify failed: " + failure), "\(verify.stderr)")
  }

  @Test func anAddedIndexIsCaught() throws {
    let verify = try LedgerFiles.verifyFullLedger(after: "CREATE INDEX sneaky ON journal (actor)")
    #expect(
      verify.stderr
        == "policy-ledger: error: verify failed: the schema does not match the migrations: index 'sneaky' was added or altered\n"
    )
    #expect(verify.status == 1)
  }

  @Test func plannerStatisticsFromAnalyzeAreNotTampering() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    try LedgerFiles.makeFullLedger(at: path)
    try LedgerFiles.sqlite3(path, "ANALYZE")
    #expect(try LedgerFiles.sqlite3(path, "SELECT count(*) > 0 FROM sqlite_stat1") == "1\n")
    let verify = try CLI.run(["verify", "--db", path])
    #expect(verify.status == 0, "\(verify.stderr)")
  }

  @Test func droppingTheLastEntryWithItsRowsIsCaughtByExpect() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    let head = try LedgerFiles.makeFullLedger(at: path)
    #expect(head.seq == 10)
    let earlier = try CLI.run(["head", "--db", path])
    #expect(earlier.stdout == "\(head)\n")

    // The resend (seq 10), its rows, its newcomer and its journal entry go together: the rest
    // is a valid, shorter ledger.
    try LedgerFiles.tamper(path, table: "resent_deliveries", "DELETE FROM resent_deliveries WHERE via = 10")
    try LedgerFiles.tamper(path, table: "employees", "DELETE FROM employees WHERE name = 'E4001'")
    try LedgerFiles.tamper(path, table: "resends", "DELETE FROM resends WHERE seq = 10")
    try LedgerFiles.tamper(path, table: "journal", "DELETE FROM journal WHERE seq = 10")
    // Entry 10 is leaf 9 of the Merkle tree; with 10 leaves it completes leaves 8–9.
    try LedgerFiles.tamper(
      path, table: "merkle_nodes", "DELETE FROM merkle_nodes WHERE (level = 0 AND idx = 9) OR (level = 1 AND idx = 4)")
    let plain = try CLI.run(["verify", "--db", path])
    #expect(plain.status == 0)
    #expect(plain.stdout.hasPrefix("ok: 9 entries verified"))

    let expect = try CLI.run(["verify", "--db", path, "--expect", head.description])
    #expect(expect.isOneLineError)
    #expect(
      expect.stderr
        == "policy-ledger: error: verify failed: entry 10: missing: the ledger has 9 entries, fewer than the 10 expected (entries were dropped from the end, or this is an older copy)\n"
    )
    // An earlier head still holds: the ledger begins with that history.
    let five = try CLI.run(["head", "--db", path])
    #expect(five.status == 0)
  }

  @Test func expectWithAnotherHistorysHashIsCaught() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    let head = try LedgerFiles.makeFullLedger(at: path)
    let other = VerifyResult.Head(seq: 4, hash: head.hash)
    let result = try CLI.run(["verify", "--db", path, "--expect", other.description])
    #expect(result.isOneLineError)
    #expect(result.stderr.hasPrefix("policy-ledger: error: verify failed: entry 4: its hash is "))
  }

  // MARK: Files that are not (whole) ledgers

  /// What each query and a recording command must say about a file that is not a usable ledger,
  /// leaving its bytes as they were.
  private func expectRefused(_ path: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = LedgerFiles.sha256(path)
    for arguments in [["verify"], ["head"], ["in-force", "--at", "2020-07-10"], ["export", "journal"]] {
      let result = try CLI.run(arguments + ["--db", path])
      #expect(result.isOneLineError, "\(arguments): \(result)", sourceLocation: sourceLocation)
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
    }
    let append = try CLI.run(["policy", "add", "k", "--title", "t", "--body", "b", "--effective-from", "2020-01-01", "--db", path])
    #expect(append.isOneLineError, "\(append)", sourceLocation: sourceLocation)
    #expect(append.stderr.contains(message), "\(append.stderr)", sourceLocation: sourceLocation)
    #expect(LedgerFiles.sha256(path) == before, "the file was changed", sourceLocation: sourceLocation)
  }

  @Test func aFileOfRandomBytesIsNotALedger() throws {
    let dir = try TemporaryDirectory()
    var generator = SplitMix64(seed: 7)
    let bytes = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let path = dir.file("random.db")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    try expectRefused(path, "'\(path)' is not a policy-ledger ledger (not an SQLite database)")
  }

  @Test func anUnrelatedSQLiteDatabaseIsNotALedgerAndIsLeftAlone() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("other.db")
    try LedgerFiles.sqlite3(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER); INSERT INTO invoices VALUES (1, 100)")
    try expectRefused(path, "'\(path)' is an SQLite database but not a policy-ledger ledger")
    #expect(try LedgerFiles.sqlite3(path, "PRAGMA journal_mode") == "delete\n")
  }

  @Test(arguments: [50, 4096, 0])
  func aTruncatedLedgerIsReportedDamaged(keeping: Int) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    try LedgerFiles.makeFullLedger(at: path)
    let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    // 0 stands for half the file.
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(keeping == 0 ? size / 2 : keeping))
    try handle.close()
    try expectRefused(path, "the ledger at \(path) is damaged")
  }

  @Test func anEmptyFileIsNotALedgerForQueries() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("empty.db", "")
    for arguments in [["verify"], ["head"]] {
      let result = try CLI.run(arguments + ["--db", path])
      #expect(result.isOneLineError)
      #expect(result.stderr == "policy-ledger: error: '\(path)' is empty, not a policy-ledger ledger\n")
    }
  }
}

