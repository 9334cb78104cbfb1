import Foundation
import LedgerBenchData
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// The recipient path that `notice send` streams a workforce through: the digest that
/// covers the list, the in-memory sort for lists that arrive unsorted, and the
/// directory lookups.
@Suite struct RecipientTests {
  /// The digest as the journal format defines it: sorted by UTF-8 bytes, each id and a line feed.
  static func reference(_ ids: [String]) -> String {
    let sorted = ids.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
    return SHA256Hasher.hex(sorted.flatMap { $0 + [0x0A] })
  }

  static let awkward = [
    "E10", "E1", "E100", "E2", "E0000001", "E00000010", "E00000011", "E0000001-b", "zoë", "zoe", "Ø1", "日本-7",
    "a b", "E999999999999999", "E999999999999998", "~", "!",
  ]

  @Test func sortedListsHashAsTheyStream() {
    var digest = RecipientDigest()
    for id in Self.awkward.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) { digest.add(id) }
    #expect(digest.isSorted)
    #expect(digest.finishHex() == Self.reference(Self.awkward))
  }

  @Test func unsortedListsAreSortedInMemoryByBytes() {
    // Lists of 17 to 1,917 ids: both sides of the radix sort's 256-id threshold.
    var rng = SplitMix64(seed: 7)
    for round in 0..<20 {
      var ids = Self.awkward + (0..<(round * 100)).map { _ in "E\(rng.next() % 5_000_000)" }
      ids = Array(Set(ids)).shuffled(using: &rng)
      var digest = RecipientDigest(keepingUpTo: 1 << 20)
      for id in ids { digest.add(id) }
      #expect(digest.finishHexIfKnown() == Self.reference(ids))
      #expect(digest.count == Int64(ids.count))
    }
  }

  @Test func aListPastTheSortLimitLeavesTheDigestToTheStoredRows() {
    var digest = RecipientDigest(keepingUpTo: 64)
    for id in ["E9", "E1", "E5", "E3", "E7", "E2"] { digest.add(id) }
    #expect(digest.finishHexIfKnown() == nil)
  }

  @Test func aNoticeToUnsortedRecipientsRecordsTheSortedDigest() throws {
    let ledger = try Ledger.temporary()
    let ids = ["E3", "E10", "E1", "zoë", "E2"]
    let id = try ledger.sendNotice(notice("N1"), recipients: RecipientList(ids), actor: "test")
    let digest = try #require(try ledger.db.prepare("SELECT recipients_sha256 FROM notices WHERE id = ?").first([id]) { $0.string(0) })
    #expect(digest == Self.reference(ids))
    #expect(try ledger.verify().isValid)
  }

  @Test func laterNoticesFindKnownEmployeesAndAddNewOnes() throws {
    let ledger = try Ledger.temporary()
    try ledger.sendNotice(notice("N1"), recipients: RecipientList(["E1", "E2", "E3"]), actor: "test")
    // Known, new, known, new, new: both orders of lookup are taken.
    try ledger.sendNotice(notice("N2"), recipients: RecipientList(["E2", "E4", "E1", "E5", "E6", "E3"]), actor: "test")
    let employees = try ledger.db.prepare("SELECT name FROM employees ORDER BY id").map { $0.string(0) }
    #expect(employees == ["E1", "E2", "E3", "E4", "E5", "E6"])
    let n2 = try ledger.db.prepare(
      "SELECT e.name FROM deliveries d JOIN employees e ON e.id = d.employee JOIN notices n ON n.seq = d.message WHERE n.id = 'N2' ORDER BY e.name"
    ).map { $0.string(0) }
    #expect(n2 == ["E1", "E2", "E3", "E4", "E5", "E6"])
    #expect(try ledger.verify().isValid)
  }

  @Test func aRepeatedRecipientIsRefusedWithItsLineAndNothingIsWritten() throws {
    let ledger = try Ledger.temporary()
    try ledger.sendNotice(notice("N1"), recipients: RecipientList(["E1"]), actor: "test")
    let head = try ledger.head()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("recipients-\(UUID().uuidString).txt").path
    defer { unlink(file) }
    // E7 is new, then repeated; E1 is known, then repeated.
    for (text, line, id) in [("E7\nE8\nE7\n", 3, "E7"), ("E1\nE9\nE1\n", 3, "E1")] {
      try Data(text.utf8).write(to: URL(fileURLWithPath: file))
      let error = #expect(throws: LedgerError.self) {
        try ledger.sendNotice(notice("N2"), recipients: try RecipientFile(path: file), actor: "test")
      }
      #expect(error?.description == "duplicate recipient '\(id)' (line \(line) of \(file))")
      #expect(try ledger.head() == head)
      #expect(try ledger.db.prepare("SELECT count(*) FROM employees").first { $0.int(0) } == 1)
      #expect(try ledger.db.prepare("SELECT count(*) FROM deliveries").first { $0.int(0) } == 1)
    }
  }

  @Test func batchesOfNewKnownAndMixedRecipientsAreAllDelivered() throws {
    // Lists many batches long (LedgerStore.recipientBatch ids a statement): all new, all known,
    // then known and new mixed through every batch, with a part batch at the end.
    let size = LedgerStore.recipientBatch
    let ledger = try Ledger.temporary()
    var rng = SplitMix64(seed: 64)
    let first = (0..<size * 5 + 7).map { "E\($0)" }.shuffled(using: &rng)
    try ledger.sendNotice(notice("N1"), recipients: RecipientList(first), actor: "test")
    try ledger.sendNotice(notice("N2"), recipients: RecipientList(first.shuffled(using: &rng)), actor: "test")
    let mixed = (first.prefix(size * 2) + (0..<size * 2).map { "F\($0)" }).shuffled(using: &rng)
    try ledger.sendNotice(notice("N3"), recipients: RecipientList(Array(mixed)), actor: "test")
    for (id, ids) in [("N1", first), ("N2", first), ("N3", Array(mixed))] {
      let stored = try ledger.db.prepare(
        "SELECT e.name FROM deliveries d JOIN employees e ON e.id = d.employee JOIN notices n ON n.seq = d.message WHERE n.id = ?"
      ).map([id]) { $0.string(0) }
      #expect(stored.sorted() == ids.sorted(), "\(id)")
      let digest = try ledger.db.prepare("SELECT recipients_sha256 FROM notices WHERE id = ?").first([id]) { $0.string(0) }
      #expect(digest == Self.reference(ids), "\(id)")
    }
    #expect(try ledger.db.prepare("SELECT count(*) FROM employees").first { $0.int(0) } == first.count + size * 2)
    #expect(try ledger.verify().isValid)
  }

  @Test func aRepeatInsideABatchIsNamedByItsLineAndNothingIsWritten() throws {
    let size = LedgerStore.recipientBatch
    let ledger = try Ledger.temporary()
    let known = (0..<size * 3).map { "K\($0)" }
    try ledger.sendNotice(notice("N1"), recipients: RecipientList(known), actor: "test")
    let head = try ledger.head()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("recipients-\(UUID().uuidString).txt").path
    defer { unlink(file) }
    let new = (0..<size * 3).map { "E\($0)" }
    // A repeat within one batch and across batches, among new and among known employees;
    // then an invalid id after a repeat: the repeat's line comes first.
    let cases: [(ids: [String], line: Int, id: String)] = [
      (new.prefix(size + 10) + ["E\(size + 3)"] + new.suffix(20), size + 11, "E\(size + 3)"),
      (new.prefix(size * 2 + 5) + ["E1"], size * 2 + 6, "E1"),
      (known.prefix(size + 30) + ["K\(size + 2)"] + known.suffix(40), size + 31, "K\(size + 2)"),
      (known.prefix(size * 2) + ["K0"] + known.suffix(10), size * 2 + 1, "K0"),
      (known.prefix(size + 1) + ["K3"] + new.prefix(5) + ["bad id\u{7}"], size + 2, "K3"),
    ]
    for (ids, line, id) in cases {
      try Data((ids.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
      let error = #expect(throws: LedgerError.self) {
        try ledger.sendNotice(notice("N2"), recipients: try RecipientFile(path: file), actor: "test")
      }
      #expect(error?.description == "duplicate recipient '\(id)' (line \(line) of \(file))")
      #expect(try ledger.head() == head)
      #expect(try ledger.db.prepare("SELECT count(*) FROM employees").first { $0.int(0) } == known.count)
      #expect(try ledger.db.prepare("SELECT count(*) FROM deliveries").first { $0.int(0) } == known.count)
    }
  }

  @Test func aRepeatBeforeAnUnreadableLineIsTheErrorNamed() throws {
    // The repeat on line 2 waits in a batch when line 3 cannot be read: line 2 comes first.
    let ledger = try Ledger.temporary()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("recipients-\(UUID().uuidString).txt").path
    defer { unlink(file) }
    try Data(Array("E1\nE1\n".utf8) + [0xFF, 0x0A]).write(to: URL(fileURLWithPath: file))
    let error = #expect(throws: LedgerError.self) {
      try ledger.sendNotice(notice("N1"), recipients: try RecipientFile(path: file), actor: "test")
    }
    #expect(error?.description == "duplicate recipient 'E1' (line 2 of \(file))")
    #expect(try ledger.head() == nil)
  }

  @Test func aDirectoryNumberedUpToTheLastIntegerStillTakesNewRecipients() throws {
    // SQLite numbers new rows at random once the highest number is taken; the batch's
    // arithmetic must not overflow, and the recipients go one at a time.
    let ledger = try Ledger.temporary()
    try ledger.db.execute("INSERT INTO employees (id, name) VALUES (9223372036854775807, 'Z')")
    let ids = (0..<LedgerStore.recipientBatch * 2).map { "E\($0)" }
    try ledger.sendNotice(notice("N1"), recipients: RecipientList(ids), actor: "test")
    let stored = try ledger.db.prepare(
      "SELECT e.name FROM deliveries d JOIN employees e ON e.id = d.employee"
    ).map { $0.string(0) }
    #expect(stored.sorted() == ids.sorted())
  }

  @Test func aDeliveryAddedAheadOfItsEmployeeStopsTheNoticeAndNothingIsWritten() throws {
    // A row for the next notice and an employee number not yet given, added behind the
    // ledger's back: the second batch of new employees gets that number and must not
    // lose the delivery silently.
    let size = LedgerStore.recipientBatch
    let ledger = try Ledger.temporary()
    try ledger.sendNotice(notice("N1"), recipients: RecipientList(["A"]), actor: "test")
    try ledger.db.execute("INSERT INTO deliveries (message, employee) VALUES (2, \(1 + size + 1))")
    let head = try ledger.head()
    let error = #expect(throws: LedgerError.self) {
      try ledger.sendNotice(notice("N2"), recipients: RecipientList((0..<size * 2).map { "E\($0)" }), actor: "test")
    }
    #expect(error?.description == "the deliveries table lists employees missing from the directory; run 'policy-ledger verify'")
    #expect(try ledger.head() == head)
    #expect(try ledger.db.prepare("SELECT count(*) FROM employees").first { $0.int(0) } == 1)
    #expect(try ledger.db.prepare("SELECT count(*) FROM deliveries").first { $0.int(0) } == 2)
  }

  @Test func anInvalidRecipientIsRefusedWithItsLine() throws {
    let ledger = try Ledger.temporary()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("recipients-\(UUID().uuidString).txt").path
    defer { unlink(file) }
    try Data("E1\n\(String(repeating: "x", count: 201))\n".utf8).write(to: URL(fileURLWithPath: file))
    let error = #expect(throws: LedgerError.self) {
      try ledger.sendNotice(notice("N1"), recipients: try RecipientFile(path: file), actor: "test")
    }
    #expect((error?.description ?? "").hasPrefix("invalid recipient 'xxx") && (error?.description ?? "").hasSuffix("(line 2 of \(file)): longer than 200 characters"))
    #expect(try ledger.head() == nil)
  }

  @Test func theASCIIFastPathOfTheIdentifierRulesAgreesWithTheGeneralOne() {
    // Each pair: an ASCII id, and the same rule met by a non-ASCII id (general path).
    #expect(Identifier.problem("") == "must not be empty")
    #expect(Identifier.problem(" E1") == "leading or trailing space is not allowed")
    #expect(Identifier.problem("E1 ") == "leading or trailing space is not allowed")
    #expect(Identifier.problem("E 1") == nil)
    #expect(Identifier.problem("a@b") == nil)
    #expect(Identifier.problem("a@b", isPolicyKey: true) == "a policy key cannot contain '@'")
    #expect(Identifier.problem("ä@b", isPolicyKey: true) == "a policy key cannot contain '@'")
    #expect(Identifier.problem(String(repeating: "x", count: 200)) == nil)
    #expect(Identifier.problem(String(repeating: "x", count: 201)) == "longer than 200 characters")
    #expect(Identifier.problem(String(repeating: "ä", count: 200)) == nil)
    #expect(Identifier.problem(String(repeating: "ä", count: 201)) == "longer than 200 characters")
    #expect(Identifier.problem("E\u{7F}1") == "control characters are not allowed")
    #expect(Identifier.problem("E\t1") == "control characters are not allowed")
    #expect(Identifier.problem("\u{A0}E1") == "leading or trailing space is not allowed")
  }

  @Test func trimmingKeepsPrintableEndsAndTrimsOthers() {
    #expect("E1".trimmingWhitespace() == "E1")
    #expect(" E1\t".trimmingWhitespace() == "E1")
    #expect("\u{A0}E1\u{2003}".trimmingWhitespace() == "E1")
    #expect("   ".trimmingWhitespace() == "")
  }

  func notice(_ id: String) -> NewNotice {
    NewNotice(id: id, subject: "Subject", body: Array("Body".utf8), sentAt: Instant(microseconds: 1_600_000_000_000_000), sender: "hr")
  }
}
