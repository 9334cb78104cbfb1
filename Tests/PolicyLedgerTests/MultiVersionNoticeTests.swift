import Foundation
import PolicyLedgerSQLite
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// Rule 17: a notice announcing several versions ("updated handbook"), at most one per
/// policy; rules 1, 2, 3, 8, 9 and 12 apply to each; its retraction with void_version voids
/// each; it is not amended (its versions are); a timeline gives one row per version.
struct MultiVersionNoticeTests {
  static let handbook = [VersionRef(policy: "travel", number: 2), VersionRef(policy: "expenses", number: 1)]

  /// travel@1 and @2, expenses@1, and the handbook notice H announcing travel@2 and
  /// expenses@1 (given out of key order) to E1 and E2 at 2020-03-01; E3 got another notice.
  func handbookLedger() throws -> Ledger {
    let ledger = try Ledger.temporary()
    try ledger.addTestVersion("travel", from: "2020-01-01T00:00:00Z")
    try ledger.addTestVersion("travel", from: "2020-02-01T00:00:00Z", announced: "2020-04-01T00:00:00Z")
    try ledger.addTestVersion("expenses", from: "2020-02-01T00:00:00Z", announced: "2020-04-01T00:00:00Z")
    try ledger.sendNotice(
      NewNotice(
        id: "H", subject: "Updated handbook", body: Array("See the handbook.".utf8), sentAt: at("2020-03-01T00:00:00Z"),
        sender: "hr", announces: Self.handbook),
      recipients: RecipientList(["E1", "E2"]), actor: "test")
    try ledger.sendTestNotice(id: "other", sentAt: "2020-03-01T00:00:00Z", to: ["E3"])
    return ledger
  }

  func inForce(_ ledger: Ledger, _ view: Bitemporal.View) throws -> [String] {
    try ledger.inForce(nil, at: at("2020-03-15T00:00:00Z"), view: view).map { "\($0.policy)@\($0.version)" }
  }

  // MARK: Recording

  @Test func aNoticeRecordsEachVersionInPolicyKeyOrder() throws {
    let ledger = try handbookLedger()
    #expect(try ledger.notices().first { $0.id == "H" }?.announces == ["expenses@1", "travel@2"])
    #expect(ledger.rowCount("notice_versions") == 2)
    guard case .notice(let entry)? = try ledger.store.entry(4).map({ try EntryPayload.decode(kind: $0.kind, bytes: $0.payload) })
    else {
      Issue.record("entry 4 is not a notice")
      return
    }
    #expect(entry.announces == [VersionRef(policy: "expenses", number: 1), VersionRef(policy: "travel", number: 2)])
    #expect(try ledger.verify().isValid)
  }

  @Test func twoVersionsOfOnePolicyAreRefusedAndNothingIsWritten() throws {
    let ledger = try handbookLedger()
    let (entries, rows) = (ledger.entryCount, ledger.rowCount("notice_versions"))
    expectLedgerError(
      "invalid --announces 'travel@2': the notice already announces travel@1; a notice announces at most one version of each policy",
      code: .invalidInput
    ) {
      try ledger.sendNotice(
        NewNotice(
          subject: "s", body: [], sentAt: at("2020-03-02T00:00:00Z"), sender: "hr",
          announces: [VersionRef(policy: "travel", number: 1), VersionRef(policy: "expenses", number: 1), VersionRef(policy: "travel", number: 2)]),
        recipients: RecipientList(["E1"]), actor: "test")
    }
    #expect(ledger.entryCount == entries)
    #expect(ledger.rowCount("notice_versions") == rows)
    #expect(ledger.rowCount("deliveries") == 3)
  }

  @Test func aPayloadWithOneVersionEncodesAsBeforeAndSeveralAppendTheOthers() throws {
    func notice(_ announces: [VersionRef]) -> NoticeEntry {
      NoticeEntry(
        id: "N", subject: "S", body: [1], bodySHA256: "h", sentAt: at("2020-01-01T00:00:00Z"), sender: "hr", channel: "email",
        announces: announces, recipientCount: 1, recipientsSHA256: "d")
    }
    // The layout every notice had before rule 17: the one version in the 8th and 9th fields.
    var before = CanonicalEncoder()
    before.text("N"); before.text("S"); before.data([1]); before.text("h"); before.integer(at("2020-01-01T00:00:00Z").microseconds)
    before.text("hr"); before.text("email"); before.text("p"); before.integer(Int64(2)); before.integer(Int64(1)); before.text("d")
    let one = EntryPayload.notice(notice([VersionRef(policy: "p", number: 2)]))
    #expect(one.encoded() == before.bytes)
    var more = before
    more.text("q"); more.integer(Int64(1))
    let two = EntryPayload.notice(notice([VersionRef(policy: "p", number: 2), VersionRef(policy: "q", number: 1)]))
    #expect(two.encoded() == more.bytes)
    #expect(try EntryPayload.decode(kind: "notice.send", bytes: more.bytes) == two)
    // Out of key order, a version of a key twice, or half a version: damaged.
    var unordered = before
    unordered.text("a"); unordered.integer(Int64(1))
    var twice = before
    twice.text("p"); twice.integer(Int64(3))
    var half = before
    half.text("q")
    for bytes in [unordered.bytes, twice.bytes, half.bytes] {
      #expect(throws: (any Error).self) { try EntryPayload.decode(kind: "notice.send", bytes: bytes) }
    }
  }

  // MARK: Rules 1, 3, 12

  @Test func eachVersionIsKnownFromTheNoticeAndAsToldToItsRecipientsOnly() throws {
    let ledger = try handbookLedger()
    // Rule 1: announced 04-01, known from the notice's 03-01 in every view.
    #expect(try inForce(ledger, Bitemporal.View(knownAt: at("2020-03-02T00:00:00Z"))) == ["expenses@1", "travel@2"])
    #expect(try inForce(ledger, Bitemporal.View(knownAt: at("2020-02-28T00:00:00Z"))) == ["travel@1"])
    // Rule 12: E1 was told both; E3, told neither, knows travel@1 (no notice announces it).
    #expect(try inForce(ledger, Bitemporal.View(toldTo: "E1")) == ["expenses@1", "travel@2"])
    #expect(try inForce(ledger, Bitemporal.View(toldTo: "E3")) == ["travel@1"])
  }

  @Test func aRetractionWithVoidVersionVoidsEachAndWithoutItVoidsNone() throws {
    let plain = try handbookLedger()
    try plain.correct(
      NewCorrection(id: "R", kind: .retraction, target: .notice("H"), issuedAt: at("2020-03-02T00:00:00Z"), statement: "s", reason: "r"),
      recipients: .defaults, actor: "test")
    for key in ["travel", "expenses"] {
      let last = try #require(try plain.history(key, at: at("2020-03-15T00:00:00Z")).last)
      #expect(last.status != .void)
      #expect(last.correctedBy == ["R"])  // rule 2: it affects each
    }
    let voided = try handbookLedger()
    try voided.correct(
      NewCorrection(
        id: "R", kind: .retraction, target: .notice("H"), voidVersion: true, issuedAt: at("2020-03-02T00:00:00Z"), statement: "s",
        reason: "r"),
      recipients: .defaults, actor: "test")
    #expect(try voided.history("travel", at: at("2020-03-15T00:00:00Z")).map(\.status) == [.inForce, .void])
    #expect(try voided.history("expenses", at: at("2020-03-15T00:00:00Z")).map(\.status) == [.void])
    #expect(try inForce(voided, .init()) == ["travel@1"])
    // E1 received the retraction (rule 8: the notice's recipients), so E1 sees it too.
    #expect(try inForce(voided, Bitemporal.View(toldTo: "E1")) == ["travel@1"])
    #expect(try voided.verify().isValid)
  }

  // MARK: Rules 8, 9, 18 and the refused amendment

  @Test func aCorrectionOfOneVersionReachesAndIsOwedByTheNoticesRecipients() throws {
    let ledger = try handbookLedger()
    try ledger.correct(
      NewCorrection(
        id: "A", kind: .amendment, target: .version(VersionRef(policy: "expenses", number: 1)), issuedAt: at("2020-04-02T00:00:00Z"),
        statement: "s", reason: "r", effectiveFrom: at("2020-05-01T00:00:00Z")),
      recipients: .named(RecipientList(["E1"])), actor: "test")
    var rows: [String] = []
    try ledger.outstanding { rows.append("\($0.notice) \($0.employee) \($0.correction)") }
    #expect(rows == ["H E2 A"])
    try ledger.correct(
      NewCorrection(
        id: "R", kind: .retraction, target: .version(VersionRef(policy: "travel", number: 2)), issuedAt: at("2020-04-03T00:00:00Z"),
        statement: "s", reason: "r"),
      recipients: .defaults, actor: "test")
    #expect(try ledger.recipientRows(of: "R").map(\.employee) == ["E1", "E2"])
    // Rule 18: travel@2 is void, so a retraction of H voiding its versions repeats R.
    let entries = ledger.entryCount
    expectLedgerError(
      "version travel@2, which notice 'H' (sent 2020-03-01T00:00:00Z) announces, is already void: retracted by 'R' (issued 2020-04-03T00:00:00Z); retract the notice without --void-version, or to reach more people deliver that retraction again with 'correct resend R'"
    ) {
      try ledger.correct(
        NewCorrection(kind: .retraction, target: .notice("H"), voidVersion: true, issuedAt: at("2020-04-04T00:00:00Z"), statement: "s", reason: "r"),
        recipients: .defaults, actor: "test")
    }
    #expect(ledger.entryCount == entries)
  }

  @Test func anAmendmentOfTheNoticeIsRefusedAndNothingIsWritten() throws {
    let ledger = try handbookLedger()
    let entries = ledger.entryCount
    for until in [at("2020-06-01T00:00:00Z"), nil] {
      expectLedgerError(
        "notice 'H' announces 2 versions (expenses@1, travel@2); amend the version: --version KEY@N", code: .refused
      ) {
        try ledger.correct(
          NewCorrection(
            kind: .amendment, target: .notice("H"), issuedAt: at("2020-03-05T00:00:00Z"), statement: "s", reason: "r",
            effectiveUntil: until),
          recipients: .defaults, actor: "test")
      }
    }
    #expect(ledger.entryCount == entries)
    // In a corrections file the refusal names the column to use, not an option.
    expectLedgerError(
      "corrections.csv line 2: notice 'H' announces 2 versions (expenses@1, travel@2); amend the version: a row whose version column is KEY@N, in place of its notice",
      code: .refused
    ) {
      try ledger.importCorrections(
        ImportFile(
          name: "corrections.csv",
          bytes: Array("kind,notice,issued_at,statement,reason\namendment,H,2020-03-05T00:00:00Z,s,r\n".utf8)),
        recipients: nil, actor: "test")
    }
    #expect(ledger.entryCount == entries)
    #expect(ledger.rowCount("corrections") == 0)
  }

  // MARK: Timelines, verify, export and import

  @Test func timelinesGiveOneRowPerVersionInKeyOrder() throws {
    let ledger = try handbookLedger()
    let rows = try ledger.timeline(employee: "E1").map { "\($0.at) \($0.kind.rawValue) \($0.id) \($0.policy ?? "-")@\($0.version ?? 0)" }
    #expect(rows == ["2020-03-01T00:00:00Z notice H expenses@1", "2020-03-01T00:00:00Z notice H travel@2"])
    let travel = try ledger.timeline(policy: "travel").filter { $0.kind == .notice }.map { "\($0.id) \($0.version ?? 0)" }
    #expect(travel == ["H 2"])
  }

  @Test func verifyRebuildsTheAnnouncedVersionsAndNamesATamperedRow() throws {
    for sql in [
      "DELETE FROM notice_versions WHERE policy = (SELECT id FROM policies WHERE key = 'travel')",
      "UPDATE notice_versions SET version = 1 WHERE version = 2",
      "INSERT INTO notice_versions (notice, version, policy) VALUES (5, 1, 1)",
    ] {
      let ledger = try handbookLedger()
      let db = try Connection(path: ledger.path, mode: .readWriteCreate)
      try db.execute("DROP TRIGGER notice_versions_no_delete; DROP TRIGGER notice_versions_no_update; \(sql)")
      let failure = try Ledger(path: ledger.path, access: .readOnly).verify().failure
      #expect(failure?.message == "the notice_versions table does not match the journal", "\(sql)")
      #expect(failure?.seq == (sql.hasPrefix("INSERT") ? 5 : 4), "\(sql)")
    }
  }

  @Test func exportWritesTheVersionsJoinedAndImportRebuildsThem() throws {
    let ledger = try handbookLedger()
    let files = try ExportedFiles(of: ledger)
    let notices = try files.records(.notices)
    #expect(notices.contains { $0.contains("expenses@1;travel@2") })
    let copy = try Ledger.temporary()
    try files.importAll(into: copy, actor: "importer")
    #expect(try copy.notices().map(\.announces) == ledger.notices().map(\.announces))
    #expect(try inForce(copy, Bitemporal.View(toldTo: "E1")) == ["expenses@1", "travel@2"])
    #expect(try copy.verify().isValid)
  }

  /// A policy key may hold `;`, the list's separator, but not `@`: the list splits only
  /// after a version number, so such keys survive an export and import.
  @Test func keysHoldingTheSeparatorRoundTripThroughTheAnnouncesList() throws {
    let ledger = try Ledger.temporary()
    try ledger.addTestVersion("a;b", from: "2020-01-01T00:00:00Z")
    try ledger.addTestVersion(";c;", from: "2020-01-01T00:00:00Z")
    try ledger.addTestVersion("d", from: "2020-01-01T00:00:00Z")
    let announced = [VersionRef(policy: "a;b", number: 1), VersionRef(policy: ";c;", number: 1), VersionRef(policy: "d", number: 1)]
    try ledger.sendNotice(
      NewNotice(id: "H", subject: "s", body: [], sentAt: at("2020-03-01T00:00:00Z"), sender: "hr", announces: announced),
      recipients: RecipientList(["E1"]), actor: "test")
    let files = try ExportedFiles(of: ledger)
    #expect(try files.records(.notices).contains { $0.contains(";c;@1;a;b@1;d@1") })
    let copy = try Ledger.temporary()
    try files.importAll(into: copy, actor: "importer")
    #expect(try copy.notices().map(\.announces) == ledger.notices().map(\.announces))
    #expect(try Set(copy.notices().flatMap(\.announces)) == Set(announced.map(\.description)))
    #expect(try copy.verify().isValid)
  }

  @Test func anAnnouncesListSplitsOnlyAfterAVersionNumber() throws {
    #expect(try VersionRef.parseList("a;b@1;c@2", field: "announces") == [VersionRef(policy: "a;b", number: 1), VersionRef(policy: "c", number: 2)])
    #expect(try VersionRef.parseList("x@10", field: "announces") == [VersionRef(policy: "x", number: 10)])
    // A list joined by commas is quoted whole, with the key the last '@' left.
    expectLedgerError(
      "invalid announces 'a@1,b@2': policy key 'a@1,b': a policy key cannot contain '@'"
    ) { _ = try VersionRef.parseList("a@1,b@2", field: "announces") }
    expectLedgerError("invalid --version ' p@1': policy key ' p': leading or trailing space is not allowed") {
      _ = try VersionRef.parse(" p@1", field: "--version")
    }
    expectLedgerError("invalid announces '': expected KEY@N, a policy key and a version number such as mobile-devices@2") {
      _ = try VersionRef.parseList("a@1;", field: "announces")
    }
    expectLedgerError("invalid announces 'a;b': expected KEY@N, a policy key and a version number such as mobile-devices@2") {
      _ = try VersionRef.parseList("a;b", field: "announces")
    }
    // A version number is digits: no sign, as the version and delivery columns read it.
    for text in ["p@+1", "p@-1", "p@ 1", "p@1 "] {
      expectLedgerError("invalid --announces '\(text)': expected KEY@N, a policy key and a version number such as mobile-devices@2") {
        _ = try VersionRef.parse(text, field: "--announces")
      }
    }
  }

  @Test func anImportNamingTwoVersionsOfOnePolicyIsRefusedWithItsLine() throws {
    let ledger = try handbookLedger()
    let copy = try Ledger.temporary()
    try copy.importVersions(try ExportedFiles(of: ledger).file(.versions), actor: "importer")
    let entries = copy.entryCount
    let csv = "id,subject,body,sent_at,sender,announces\nX,s,b,2020-03-01T00:00:00Z,hr,travel@1;travel@2\n"
    let recipients = "notice,employee\nX,E1\n"
    expectLedgerError(
      "notices.csv line 2: invalid announces 'travel@2': the notice already announces travel@1; a notice announces at most one version of each policy"
    ) {
      try copy.importNotices(
        ImportFile(name: "notices.csv", bytes: Array(csv.utf8)), recipients: ImportFile(name: "recipients.csv", bytes: Array(recipients.utf8)),
        actor: "importer")
    }
    #expect(copy.entryCount == entries)
  }
}
