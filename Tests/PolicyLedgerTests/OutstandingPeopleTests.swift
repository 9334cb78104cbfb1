import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// `outstanding_people`, the people each correction is still outstanding for, kept as
/// entries are recorded for `correct resend --outstanding`. BitemporalPropertyTests checks
/// it against ReplayModel after every entry of random histories; these are the cases that
/// a history does not reach: a ledger written before the table, and a table changed behind
/// the ledger's back.
@Suite struct OutstandingPeopleTests {
  typealias W = WorkedExample

  /// (correction id, employee id) rows, sorted.
  static func kept(_ ledger: Ledger) throws -> [String] {
    try ledger.db.prepare(
      """
      SELECT c.id || ' ' || e.name FROM outstanding_people o JOIN corrections c ON c.seq = o.correction
      JOIN employees e ON e.id = o.employee ORDER BY 1
      """
    ).map { $0.string(0) }
  }

  @Test func theStoryKeepsTheOnePersonTheRetractionMissedUntilItIsResent() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    #expect(try Self.kept(ledger) == ["\(W.retractionID) \(W.missedRetraction)"])
    try W.resendRetraction(into: ledger)
    #expect(try Self.kept(ledger) == [])
    #expect(try ledger.verify().isValid)
  }

  @Test func verifyNamesTheCorrectionWhoseKeptPeopleDiffer() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    #expect(try ledger.verify().isValid)
    try ledger.db.execute("DELETE FROM outstanding_people")
    #expect(
      try ledger.verify().failure?.description
        == "entry 5: the outstanding_people table does not match the deliveries: it lists 0 people still to reach, the deliveries give 1")
    // Put back, it verifies again; a row of an entry that is no correction is named by its entry.
    try ledger.db.execute(
      "INSERT INTO outstanding_people SELECT 5, id FROM employees WHERE name = '\(W.missedRetraction)'")
    #expect(try ledger.verify().isValid)
    try ledger.db.execute(
      "INSERT INTO outstanding_people SELECT 3, id FROM employees WHERE name = '\(W.missedRetraction)'")
    #expect(
      try ledger.verify().failure?.description
        == "entry 3: the outstanding_people table lists people for message 3, which is not a correction")
  }

  @Test func aLedgerFromBeforeTheTableGetsItsRowsWhenMigrated() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    // A later notice about the retracted notice's version, and a resend of the notice to a
    // newcomer: both add people the retraction has not reached.
    try ledger.resend(W.noticeID, kind: .notice, sentAt: W.july10(15), recipients: .named(RecipientList(["E9001"])), actor: "t")
    let before = try Self.kept(ledger)
    #expect(before == ["\(W.retractionID) \(W.missedRetraction)", "\(W.retractionID) E9001"])
    let head = try ledger.head()
    // Take the file back to what 0005 left.
    try ResentDeliveriesTests.takeBackBeforeResentDeliveries(ledger)
    try ledger.db.execute(
      """
      DROP TABLE outstanding_people;
      DROP TRIGGER ledger_migrations_no_delete;
      DELETE FROM ledger_migrations WHERE name = '0007_outstanding_people';
      CREATE TRIGGER ledger_migrations_no_delete BEFORE DELETE ON ledger_migrations
        BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: DELETE is refused'); END;
      """)
    let migrated = try Ledger(path: ledger.path, access: .readWrite)
    #expect(try migrated.head() == head)
    #expect(try Self.kept(migrated) == before)
    #expect(try migrated.verify().isValid)
    try migrated.resend(W.retractionID, kind: .correction, sentAt: W.july10(16), recipients: .outstanding, actor: "t")
    #expect(try Self.kept(migrated) == [])
    let recipients = try migrated.recipientRows(of: W.retractionID).map(\.employee)
    #expect(recipients.contains(W.missedRetraction) && recipients.contains("E9001"))
  }

  @Test func aLedgerWhoseTableHasReferencesGetsItWithoutThemAndKeepsItsRows() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try ledger.resend(W.noticeID, kind: .notice, sentAt: W.july10(15), recipients: .named(RecipientList(["E9001"])), actor: "t")
    let before = try Self.kept(ledger)
    #expect(before.count == 2)
    let head = try ledger.head()
    #expect(try Self.references(ledger) == [])
    // Take the file back to what 0008 left: the table as 0007 created it, with its rows.
    try ledger.db.execute(
      """
      CREATE TABLE outstanding_people_0007 (
        correction INTEGER NOT NULL REFERENCES corrections (seq),
        employee   INTEGER NOT NULL REFERENCES employees (id),
        PRIMARY KEY (correction, employee)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO outstanding_people_0007 SELECT * FROM outstanding_people;
      DROP TABLE outstanding_people;
      ALTER TABLE outstanding_people_0007 RENAME TO outstanding_people;
      DROP TRIGGER ledger_migrations_no_delete;
      DELETE FROM ledger_migrations WHERE name = '0009_outstanding_people_no_references';
      CREATE TRIGGER ledger_migrations_no_delete BEFORE DELETE ON ledger_migrations
        BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: DELETE is refused'); END;
      """)
    #expect(try Self.references(ledger) == ["corrections", "employees"])
    let migrated = try Ledger(path: ledger.path, access: .readWrite)
    #expect(try Self.references(migrated) == [])
    #expect(try migrated.head() == head)
    #expect(try Self.kept(migrated) == before)
    #expect(try migrated.verify().isValid)
    try migrated.resend(W.retractionID, kind: .correction, sentAt: W.july10(16), recipients: .outstanding, actor: "t")
    #expect(try Self.kept(migrated) == [])
    #expect(try migrated.verify().isValid)
  }

  /// The tables `outstanding_people` declares references to, sorted.
  static func references(_ ledger: Ledger) throws -> [String] {
    try ledger.db.prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list('outstanding_people') ORDER BY 1").map { $0.string(0) }
  }

  @Test func verifyFailsForAKeptRowOfSomeoneNotInTheDirectory() throws {
    // What the table's references once guarded: a row naming an employee the directory does
    // not have. Only the ledger writes the table, so such a row was written behind its back.
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    #expect(try ledger.verify().isValid)
    try ledger.db.execute("INSERT INTO outstanding_people SELECT 5, max(id) + 1 FROM employees")
    #expect(
      try ledger.verify().failure?.description
        == "entry 5: the outstanding_people table does not match the deliveries: it lists 2 people still to reach, the deliveries give 1")
    let head = try ledger.head()
    let kept = try ledger.db.prepare("SELECT count(*) FROM outstanding_people").first { $0.int64(0) }
    expectLedgerError("the outstanding_people table lists employees missing from the directory; run 'policy-ledger verify'") {
      try W.resendRetraction(into: ledger)
    }
    #expect(try ledger.head() == head)
    #expect(try ledger.db.prepare("SELECT count(*) FROM outstanding_people").first { $0.int64(0) } == kept)
    #expect(try ledger.db.prepare("SELECT count(*) FROM resent_deliveries").first { $0.int64(0) } == 0)
  }

  @Test func aKeptRowForSomeoneAlreadyReachedStopsTheResendWithNothingWritten() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    // Behind the ledger's back: the retraction is said to be outstanding for someone it reached.
    try ledger.db.execute(
      """
      INSERT INTO outstanding_people (correction, employee)
      SELECT c.seq, d.employee FROM corrections c JOIN deliveries d ON d.message = c.seq LIMIT 1
      """)
    let head = try ledger.head()
    let rows = try Self.kept(ledger)
    expectLedgerError(
      "the outstanding_people table lists someone the correction already reached; run 'policy-ledger verify'"
    ) {
      try W.resendRetraction(into: ledger)
    }
    #expect(try ledger.head() == head)
    #expect(try Self.kept(ledger) == rows)
    #expect(try !ledger.verify().isValid)
  }

  /// For BitemporalPropertyTests, after every entry: how the people the ledger keeps as outstanding for each correction (the whole journal
  /// known) differ from the model's, or nil when they do not.
  static func mismatch(_ ledger: Ledger, _ model: ReplayModel) throws -> String? {
    var kept: [String: Set<String>] = [:]
    try ledger.db.prepare(
      "SELECT c.id, e.name FROM outstanding_people o JOIN corrections c ON c.seq = o.correction JOIN employees e ON e.id = o.employee"
    ).forEach([]) { kept[$0.string(0), default: []].insert($0.string(1)) }
    let unknown = try ledger.db.prepare(
      "SELECT count(*) FROM outstanding_people WHERE correction NOT IN (SELECT seq FROM corrections) OR employee NOT IN (SELECT id FROM employees)"
    ).first { $0.int(0) } ?? 0
    if unknown > 0 { return "the ledger keeps \(unknown) outstanding rows of no correction or employee" }
    for c in model.corrections {
      let expected = model.outstandingRecipients(of: c)
      let found = kept.removeValue(forKey: c.id) ?? []
      if found != expected {
        return "'\(c.id)' is outstanding for \(found.sorted()) as the ledger keeps it; the model says \(expected.sorted())"
      }
    }
    if let id = kept.keys.sorted().first { return "the ledger keeps outstanding people for '\(id)', a correction the model does not have" }
    return nil
  }
}
