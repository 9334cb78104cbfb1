import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// `resent_deliveries`: the rows of resends, in a table of their own since the migration
/// that adds it, while the rows of resends recorded before it stay in `deliveries`. Every
/// reader reads both; the property suites check the answers over random histories, and
/// these the cases they do not reach: a ledger with resends from before the table, a
/// repeated recipient across the two tables, and rows moved between them.
@Suite struct ResentDeliveriesTests {
  typealias W = WorkedExample

  /// Takes a ledger back to what the migrations before `resent_deliveries` left: its
  /// resends' rows in `deliveries`, as a binary of that time wrote them. The migration
  /// after it, which only rebuilds `outstanding_people`, is marked not applied too (it
  /// runs again on any such table).
  static func takeBackBeforeResentDeliveries(_ ledger: Ledger) throws {
    try ledger.db.execute(
      """
      INSERT INTO deliveries (message, employee, via) SELECT message, employee, via FROM resent_deliveries;
      DROP VIEW all_deliveries;
      DROP TRIGGER resent_deliveries_no_update;
      DROP TRIGGER resent_deliveries_no_delete;
      DROP TABLE resent_deliveries;
      DROP TRIGGER resent_deliveries_from_no_update;
      DROP TRIGGER resent_deliveries_from_no_delete;
      DROP TABLE resent_deliveries_from;
      DROP TRIGGER ledger_migrations_no_delete;
      DELETE FROM ledger_migrations WHERE name IN ('0008_resent_deliveries', '0009_outstanding_people_no_references');
      CREATE TRIGGER ledger_migrations_no_delete BEFORE DELETE ON ledger_migrations
        BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: DELETE is refused'); END;
      """)
  }

  /// A conflict whose message starts with `start` and contains `part`.
  static func refuses(_ start: String, _ part: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
      try body()
      Issue.record("expected a refusal: \(part)", sourceLocation: sourceLocation)
    } catch let error as LedgerError {
      #expect(error.code == .conflict && error.description.hasPrefix(start) && error.description.contains(part),
        "\(error)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("expected a LedgerError, got \(error)", sourceLocation: sourceLocation)
    }
  }

  static func count(_ ledger: Ledger, _ sql: String) throws -> Int64 {
    try ledger.db.prepare(sql).first { $0.int64(0) } ?? -1
  }

  /// What the queries that read deliveries answer, as text: recipients, timelines, the
  /// as-told-to views, coverage, outstanding and the recipients export.
  static func answers(_ ledger: Ledger) throws -> [String] {
    var out: [String] = []
    for id in [W.noticeID, W.retractionID] { out.append("\(try ledger.recipientRows(of: id))") }
    for employee in W.noticeRecipients + ["E9001"] {
      out.append("\(try ledger.timeline(employee: employee))")
      out.append("\(try ledger.inForce(W.policy, at: W.july10(18), view: .init(toldTo: employee)))")
    }
    var coverage: [String] = []
    try ledger.coverage(W.policy, at: W.july10(18)) { row, _ in coverage.append("\(row)") }
    out += coverage
    var outstanding: [String] = []
    try ledger.outstanding { outstanding.append("\($0)") }
    out += outstanding
    let collector = CollectingWriter()
    try ledger.export(.recipients, to: collector)
    out.append("\(collector.rows)")
    return out
  }

  @Test func aLedgerWithResendsFromBeforeTheTableKeepsItsHashesAndAnswersThenTakesANewResend() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try W.recordRoster(into: ledger)
    try ledger.resend(W.noticeID, kind: .notice, sentAt: W.july10(15), recipients: .named(RecipientList(["E9001"])), actor: "t")
    let head = try ledger.head()
    let answers = try Self.answers(ledger)
    try Self.takeBackBeforeResentDeliveries(ledger)
    #expect(try Self.count(ledger, "SELECT count(*) FROM deliveries WHERE via IS NOT NULL") == 1)

    let migrated = try Ledger(path: ledger.path, access: .readWrite)
    #expect(try migrated.head() == head)
    // The old resend's row stays where it was; resends from now on write the new table.
    #expect(try Self.count(migrated, "SELECT count(*) FROM deliveries WHERE via IS NOT NULL") == 1)
    #expect(try Self.count(migrated, "SELECT count(*) FROM resent_deliveries") == 0)
    #expect(try Self.count(migrated, "SELECT seq FROM resent_deliveries_from") == (try Self.count(migrated, "SELECT max(seq) FROM journal")) + 1)
    #expect(try Self.answers(migrated) == answers)
    #expect(try migrated.verify().isValid)

    // The newcomer reached by the old resend cannot be named again by a new one.
    let before = try migrated.head()
    Self.refuses("invalid recipient 'E9001'", "already received '\(W.noticeID)'") {
      try migrated.resend(W.noticeID, kind: .notice, sentAt: W.july10(17), recipients: .named(RecipientList(["E9001"])), actor: "t")
    }
    #expect(try migrated.head() == before)
    #expect(try Self.count(migrated, "SELECT count(*) FROM resent_deliveries") == 0)

    // A new resend of the retraction to everyone it missed, the old resend's newcomer among them.
    try migrated.resend(W.retractionID, kind: .correction, sentAt: W.july10(16), recipients: .outstanding, actor: "t")
    #expect(try Self.count(migrated, "SELECT count(*) FROM resent_deliveries") == 2)
    let recipients = try migrated.recipientRows(of: W.retractionID).map(\.employee)
    #expect(recipients.contains(W.missedRetraction) && recipients.contains("E9001"))
    #expect(try migrated.verify().isValid)

    // The old resend's row moved to the new table, with everything else as it was: refused.
    try migrated.db.execute(
      """
      INSERT INTO resent_deliveries SELECT message, employee, via FROM deliveries WHERE via IS NOT NULL;
      DROP TRIGGER deliveries_no_delete;
      DELETE FROM deliveries WHERE via IS NOT NULL;
      CREATE TRIGGER deliveries_no_delete BEFORE DELETE ON deliveries BEGIN SELECT RAISE(ABORT, 'deliveries is append-only: DELETE is refused'); END;
      """)
    let failure = try migrated.verify().failure?.description ?? "valid"
    #expect(failure.hasPrefix("entry \(head!.seq): its recipients do not match: its rows are not in the table its resend wrote"), "\(failure)")
  }

  @Test func aRecipientAnEarlierDeliveryReachedIsRefusedWithNothingWritten() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    let head = try ledger.head()
    // The notice's own delivery (in deliveries) reached E1001: a resend naming them, in a
    // batch of new people or alone, is refused and writes nothing.
    let newcomers = (1...100).map { "E8\(String(format: "%03d", $0))" }
    for names in [["E1001"], newcomers + ["E1001"], ["E1001"] + newcomers] {
      Self.refuses("invalid recipient 'E", "already received '\(W.noticeID)'") {
        try ledger.resend(W.noticeID, kind: .notice, sentAt: W.july10(15), recipients: .named(RecipientList(names)), actor: "t")
      }
      #expect(try ledger.head() == head)
      #expect(try Self.count(ledger, "SELECT count(*) FROM resent_deliveries") == 0)
    }
    // Reached by a resend (in resent_deliveries): refused as well.
    try ledger.resend(W.noticeID, kind: .notice, sentAt: W.july10(15), recipients: .named(RecipientList(["E9001"])), actor: "t")
    let after = try ledger.head()
    Self.refuses("invalid recipient 'E", "already received '\(W.noticeID)'") {
      try ledger.resend(W.noticeID, kind: .notice, sentAt: W.july10(17), recipients: .named(RecipientList(["E9001"])), actor: "t")
    }
    #expect(try ledger.head() == after)
    #expect(try Self.count(ledger, "SELECT count(*) FROM resent_deliveries") == 1)
    #expect(try ledger.verify().isValid)
  }
}
