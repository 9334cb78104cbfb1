import Foundation
import Testing

import LedgerBenchData

@_spi(Benchmarks) @testable import PolicyLedger

/// `verify` recomputes every recipient list's count and digest from the deliveries table
/// in one pass; changes made behind the ledger's back must still be named.
@Suite struct VerifyRecipientsTests {
  static let t0 = Instant(microseconds: 1_600_000_000_000_000)

  /// Two notices (seq 1 and 2) to unsorted lists, an acknowledgement, and a retraction to the defaults.
  func ledger() throws -> Ledger {
    let ledger = try Ledger.temporary()
    try ledger.sendNotice(
      NewNotice(id: "N1", subject: "S", body: [], sentAt: Self.t0, sender: "hr"), recipients: RecipientList(["E3", "E1", "E2"]),
      actor: "test")
    try ledger.sendNotice(
      NewNotice(id: "N2", subject: "S", body: [], sentAt: Self.t0, sender: "hr"), recipients: RecipientList(["E4", "E2"]),
      actor: "test")
    try ledger.acknowledge(notice: "N2", employee: "E4", at: Self.t0, actor: "test")
    try ledger.correct(
      NewCorrection(kind: .retraction, target: .notice("N1"), issuedAt: Self.t0, statement: "Sent in error.", reason: "error"),
      recipients: .defaults, actor: "test")
    #expect(try ledger.verify().isValid)
    return ledger
  }

  /// Runs `sql` on the file with the append-only triggers dropped, as a tamperer would.
  func tamper(_ ledger: Ledger, _ sql: String) throws {
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    try db.execute(
      """
      DROP TRIGGER IF EXISTS deliveries_no_delete; DROP TRIGGER IF EXISTS deliveries_no_update; DROP TRIGGER IF EXISTS employees_no_update;
      DROP TRIGGER IF EXISTS resent_deliveries_no_delete; DROP TRIGGER IF EXISTS resent_deliveries_no_update;
      """)
    try db.execute(sql)
  }

  func failure(_ ledger: Ledger) throws -> VerifyResult.Failure? {
    try Ledger(path: ledger.path, access: .readOnly).verify().failure
  }

  @Test func aRemovedDeliveryIsNamed() throws {
    let ledger = try ledger()
    try tamper(ledger, "DELETE FROM deliveries WHERE message = 2 AND employee = (SELECT id FROM employees WHERE name = 'E2')")
    let failure = try #require(try failure(ledger))
    #expect(failure.seq == 2)
    #expect(failure.message.hasPrefix("its recipients do not match: the entry records 2 with digest"))
  }

  @Test func aDeliveryMovedToAnotherEmployeeIsNamed() throws {
    let ledger = try ledger()
    try tamper(ledger, "UPDATE deliveries SET employee = (SELECT id FROM employees WHERE name = 'E4') WHERE message = 1 AND employee = (SELECT id FROM employees WHERE name = 'E3')")
    #expect(try failure(ledger)?.seq == 1)
  }

  @Test func aRenamedEmployeeIsNamedAtTheFirstEntryThatListsThem() throws {
    let ledger = try ledger()
    try tamper(ledger, "UPDATE employees SET name = 'E0' WHERE name = 'E2'")
    #expect(try failure(ledger)?.seq == 1)
  }

  @Test func aDeliveryToNoEmployeeIsNamed() throws {
    let ledger = try ledger()
    try tamper(ledger, "INSERT INTO deliveries (message, employee) VALUES (2, 999)")
    #expect(try failure(ledger) == .init(seq: 2, message: "the deliveries table lists recipients that no employee or entry accounts for"))
  }

  @Test func anEmployeeNoEntryNamesIsReported() throws {
    let ledger = try ledger()
    try tamper(ledger, "INSERT INTO employees (name) VALUES ('E-ghost')")
    let failure = try #require(try failure(ledger))
    #expect(failure.seq == nil)
    #expect(failure.message.hasPrefix("the employees table has an employee (number"))
  }

  @Test func aDeliveryMovedToAMessageNumberNoEntryHasIsNamed() throws {
    // Moved out of notice 1 to message -1: notice 1's digest no longer matches.
    let ledger = try ledger()
    try tamper(
      ledger,
      "DELETE FROM deliveries WHERE message = 1 AND employee = (SELECT id FROM employees WHERE name = 'E1'); INSERT INTO deliveries (message, employee) VALUES (-1, (SELECT id FROM employees WHERE name = 'E1'))"
    )
    let moved = try #require(try failure(ledger))
    #expect(moved.seq == 1)
    #expect(moved.message.hasPrefix("its recipients do not match"))
  }

  @Test func aDeliveryForAMessageNumberNoEntryHasIsNamed() throws {
    let ledger = try ledger()
    try tamper(ledger, "INSERT INTO deliveries (message, employee) VALUES (-1, (SELECT id FROM employees WHERE name = 'E1'))")
    #expect(try failure(ledger) == .init(seq: nil, message: "the deliveries table lists recipients for message -1, which no entry has"))
  }

  // MARK: Resends (rule 16): each resend entry's recipients are its own digest.

  /// ``ledger()`` and a resend of notice N2 (seq 2) to E5 and E1, entry 5.
  func resent() throws -> Ledger {
    let ledger = try ledger()
    try ledger.resend("N2", kind: .notice, sentAt: Self.t0, recipients: .named(RecipientList(["E5", "E1"])), actor: "test")
    #expect(try ledger.verify().isValid)
    return ledger
  }

  @Test func aResendsRowMadeAFirstDeliveryIsNamed() throws {
    let ledger = try resent()
    try tamper(
      ledger,
      """
      INSERT INTO deliveries (message, employee) SELECT message, employee FROM resent_deliveries WHERE via = 5 AND employee = (SELECT id FROM employees WHERE name = 'E5');
      DELETE FROM resent_deliveries WHERE via = 5 AND employee = (SELECT id FROM employees WHERE name = 'E5')
      """)
    #expect(try failure(ledger)?.seq == 2)
  }

  @Test func aFirstDeliveryMadeAResendsRowIsNamed() throws {
    let ledger = try resent()
    try tamper(ledger, "UPDATE deliveries SET via = 5 WHERE message = 2 AND employee = (SELECT id FROM employees WHERE name = 'E4')")
    #expect(try failure(ledger)?.seq == 2)
  }

  @Test func aResendsRowMovedToAnotherMessageIsNamed() throws {
    // E5's row of the resend moves from N2 to N1, keeping its `via`: both digests of the
    // resend still hold E5 and E1, but under two messages.
    let ledger = try resent()
    try tamper(ledger, "UPDATE resent_deliveries SET message = 1 WHERE via = 5 AND employee = (SELECT id FROM employees WHERE name = 'E5')")
    let moved = try #require(try failure(ledger))
    #expect(moved.seq == 5)
  }

  @Test func aResendsTimeChangedInItsTableIsNamed() throws {
    let ledger = try resent()
    try tamper(ledger, "DROP TRIGGER resends_no_update; UPDATE resends SET sent_at = sent_at + 1 WHERE seq = 5")
    #expect(try failure(ledger) == .init(seq: 5, message: "the resends table does not match the journal"))
  }

  @Test func aResendsRowsRemovedAreNamed() throws {
    let ledger = try resent()
    try tamper(ledger, "DELETE FROM resent_deliveries WHERE via = 5")
    let removed = try #require(try failure(ledger))
    #expect(removed.seq == 5)
    #expect(removed.message.hasPrefix("its recipients do not match: the entry records 2 with digest"))
  }

  @Test func anAcknowledgingEmployeeIsAccountedFor() throws {
    // E4's only delivery row goes, but the acknowledgement still names E4: the digest
    // of notice 2 is what fails, not the directory.
    let ledger = try ledger()
    try tamper(ledger, "DELETE FROM deliveries WHERE employee = (SELECT id FROM employees WHERE name = 'E4')")
    #expect(try failure(ledger)?.seq == 2)
  }

  @Test func aSparseDirectoryIsCheckedByNameWithTheSameAnswers() throws {
    // Employee numbers far beyond the row count take the walk-by-name path.
    let ledger = try ledger()
    try tamper(ledger, "UPDATE employees SET id = 1000000 WHERE name = 'E4'; UPDATE deliveries SET employee = 1000000 WHERE employee = 4")
    let db = try Connection(path: ledger.path, mode: .readOnly)
    #expect(try EmployeeDirectory(db) == nil)
    let stored = try LedgerStore(db).storedRecipientDigests()
    #expect(stored.orphan == nil)
    #expect(stored.unaccountedEmployee == nil)
    #expect(stored.digests.count == 3)
  }

  @Test func bothPathsAgree() throws {
    let ledger = try ledger()
    let db = try Connection(path: ledger.path, mode: .readOnly)
    let fast = try LedgerStore(db).storedRecipientDigests()
    let byName = try LedgerStore(db).storedRecipientDigestsByName()
    #expect(fast.digests.mapValues { "\($0.count):\($0.sha256)" } == byName.digests.mapValues { "\($0.count):\($0.sha256)" })
    #expect(fast.orphan == byName.orphan)
    #expect(fast.unaccountedEmployee == byName.unaccountedEmployee)
  }

  @Test func everySizeOfListGetsTheDigestItsEntryRecorded() throws {
    // 400 employees, numbered in an order unlike their names' (E10 before E9), and 60
    // notices of 1 to 400 of them: few recipients are put in order by a sort, many by the
    // bitmap, and runs of consecutive names break everywhere; every digest must equal the
    // one recording computed, and the walk by name must agree.
    let ledger = try Ledger.temporary()
    var random = SplitMix64(seed: 0xD16E57)
    let everyone = (0..<400).map { "E\($0 * 7919 % 400)" }
    try ledger.sendNotice(
      NewNotice(id: "all", subject: "S", body: [], sentAt: Self.t0, sender: "hr"), recipients: RecipientList(everyone),
      actor: "test")
    for n in 0..<60 {
      let size = n < 20 ? Int(random.next() % 12) + 1 : Int(random.next() % 400) + 1
      var chosen = Set<String>()
      while chosen.count < size { chosen.insert(everyone[Int(random.next() % 400)]) }
      try ledger.sendNotice(
        NewNotice(id: "N\(n)", subject: "S", body: [], sentAt: Self.t0, sender: "hr"), recipients: RecipientList(Array(chosen)),
        actor: "test")
    }
    #expect(try ledger.verify().isValid)
    let db = try Connection(path: ledger.path, mode: .readOnly)
    let fast = try LedgerStore(db).storedRecipientDigests()
    let byName = try LedgerStore(db).storedRecipientDigestsByName()
    #expect(fast.digests.count == 61)
    #expect(fast.digests.mapValues { "\($0.count):\($0.sha256)" } == byName.digests.mapValues { "\($0.count):\($0.sha256)" })
    // One delivery gone from a long list (bitmap), then from a short one (sorted): each is
    // named, the short one's entry being the earlier.
    for message in [45, 5] {
      try tamper(ledger, "DELETE FROM deliveries WHERE message = \(message) AND employee = (SELECT max(employee) FROM deliveries WHERE message = \(message))")
      let failure = try #require(try failure(ledger))
      #expect(failure.seq == Int64(message))
      #expect(failure.message.hasPrefix("its recipients do not match"))
    }
  }
}

