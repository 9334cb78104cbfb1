import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

struct RecordingTests {
  @Test func versionsAreNumberedPerPolicyInJournalOrder() throws {
    let ledger = try Ledger.temporary()
    #expect(try ledger.addTestVersion("a").description == "a@1")
    #expect(try ledger.addTestVersion("b").description == "b@1")
    #expect(try ledger.addTestVersion("a", from: "2021-01-01").description == "a@2")
  }

  @Test func aBodyIsStoredByteForByteWithItsSHA256() throws {
    let ledger = try Ledger.temporary()
    let body = Array("Line one\r\n  indented\ttab \u{0} nul, emoji 📱, trailing spaces   \n\n".utf8)
    try ledger.addVersion(NewVersion(policy: "p", title: "T", body: body, effectiveFrom: at("2020-01-01")), actor: "t")
    let stored = try ledger.db.prepare("SELECT body, body_sha256 FROM versions").first { ($0.blob(0), $0.string(1)) }!
    #expect(stored.0 == body)
    #expect(stored.1 == (try sha256sum(body)))
  }

  @Test func announcedAtDefaultsToEffectiveFrom() throws {
    let ledger = try Ledger.temporary()
    try ledger.addTestVersion("p", from: "2020-03-01T09:00:00Z")
    try ledger.addTestVersion("q", from: "2020-03-01T09:00:00Z", announced: "2020-02-01T00:00:00Z")
    let announced = try ledger.db.prepare("SELECT announced_at FROM versions ORDER BY seq").map { Instant(microseconds: $0.int64(0)) }
    #expect(announced == [at("2020-03-01T09:00:00Z"), at("2020-02-01T00:00:00Z")])
  }

  @Test func anEffectivePeriodThatEndsBeforeItStartsIsRefusedAndNothingIsWritten() throws {
    let ledger = try Ledger.temporary()
    try ledger.addTestVersion()
    expectLedgerError("invalid --effective-until '2020-01-01T00:00:00Z': it must be after --effective-from '2020-01-01T00:00:00Z'") {
      try ledger.addTestVersion("p", from: "2020-01-01", until: "2020-01-01")
    }
    #expect(ledger.entryCount == 1)
    #expect(ledger.rowCount("versions") == 1)
  }

  @Test(arguments: [
    ("", "invalid policy key '': must not be empty"),
    ("a@b", "invalid policy key 'a@b': a policy key cannot contain '@'"),
    (" lead", "invalid policy key ' lead': leading or trailing space is not allowed"),
    ("tab\there", "invalid policy key 'tab\\there': control characters are not allowed"),
    (String(repeating: "k", count: 201), "invalid policy key '\(String(repeating: "k", count: 200))…': longer than 200 characters"),
  ])
  func badPolicyKeysAreRefusedAndNothingIsWritten(_ key: String, _ message: String) throws {
    let ledger = try Ledger.temporary()
    expectLedgerError(message) { try ledger.addTestVersion(key) }
    #expect(ledger.entryCount == 0)
    #expect(ledger.rowCount("policies") == 0)
  }

  @Test func noticeIdsAreKeptAsGivenOrAssignedInOneSpaceWithCorrections() throws {
    let ledger = try Ledger.temporary()
    let v = try ledger.addTestVersion()
    #expect(try ledger.sendTestNotice(id: "N-given", announces: v, to: ["E1"]) == "N-given")
    #expect(try ledger.sendTestNotice(announces: v, to: ["E1"]) == "N3")
    let c = try ledger.correct(
      NewCorrection(id: "N4", kind: .retraction, target: .notice("N3"), issuedAt: at("2020-07-11"), statement: "s", reason: "r"),
      recipients: .defaults, actor: "t")
    #expect(c == "N4")
    // The next assigned notice id would be N5; N4 is taken by the correction, so ids never collide.
    expectLedgerError("invalid --id 'N4': a notice or correction with that id already exists") {
      try ledger.sendTestNotice(id: "N4", to: ["E1"])
    }
    expectLedgerError("invalid --id 'N-given': a notice or correction with that id already exists") {
      _ = try ledger.correct(
        NewCorrection(id: "N-given", kind: .retraction, target: .notice("N3"), issuedAt: at("2020-07-11"), statement: "s", reason: "r"),
        recipients: .defaults, actor: "t")
    }
    #expect(ledger.entryCount == 4)
  }

  @Test func aNoticeMustAnnounceAnExistingVersion() throws {
    let ledger = try Ledger.temporary()
    try ledger.addTestVersion("p")
    expectLedgerError("invalid --announces 'p@2': policy 'p' has no version 2 (its latest is 1)") {
      try ledger.sendTestNotice(announces: VersionRef(policy: "p", number: 2), to: ["E1"])
    }
    expectLedgerError("invalid --announces 'q@1': no policy 'q' in this ledger") {
      try ledger.sendTestNotice(announces: VersionRef(policy: "q", number: 1), to: ["E1"])
    }
    #expect(ledger.entryCount == 1)
    #expect(ledger.rowCount("employees") == 0)
  }

  @Test func recipientsFromAFileAreTrimmedBlankLinesSkippedAndDuplicatesRefusedByLine() throws {
    let ledger = try Ledger.temporary()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rcpt-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let good = dir.appendingPathComponent("good.txt").path
    try Data("  E2  \r\n\nE1\n\t\nE3".utf8).write(to: URL(fileURLWithPath: good))
    let notice = NewNotice(subject: "S", body: [], sentAt: at("2020-01-01"), sender: "hr")
    let id = try ledger.sendNotice(notice, recipients: try RecipientFile(path: good), actor: "t")
    var names: [String] = []
    try ledger.recipients(of: id) { names.append($0.employee) }
    #expect(names == ["E1", "E2", "E3"])
    // The digest covers the ids sorted by bytes, one a line: `LC_ALL=C sort | sha256sum`.
    let digest = try ledger.db.prepare("SELECT recipient_count, recipients_sha256 FROM notices").first { ($0.int64(0), $0.string(1)) }!
    #expect(digest.0 == 3)
    #expect(digest.1 == (try sha256sum(Array("E1\nE2\nE3\n".utf8))))

    let duplicate = dir.appendingPathComponent("dup.txt").path
    try Data("E1\nE2\n\nE1\n".utf8).write(to: URL(fileURLWithPath: duplicate))
    expectLedgerError("duplicate recipient 'E1' (line 4 of \(duplicate))") {
      _ = try ledger.sendNotice(notice, recipients: try RecipientFile(path: duplicate), actor: "t")
    }
    let empty = dir.appendingPathComponent("empty.txt").path
    try Data("\n  \n".utf8).write(to: URL(fileURLWithPath: empty))
    expectLedgerError("a notice needs at least one recipient (give --to or --recipients-file)") {
      _ = try ledger.sendNotice(notice, recipients: try RecipientFile(path: empty), actor: "t")
    }
    let badUTF8 = dir.appendingPathComponent("bad.txt").path
    try Data([0x45, 0x31, 0x0A, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: badUTF8))
    #expect(throws: LedgerError.self) {
      _ = try ledger.sendNotice(notice, recipients: try RecipientFile(path: badUTF8), actor: "t")
    }
    #expect(ledger.entryCount == 1)
    #expect(ledger.rowCount("deliveries") == 3)
    #expect(ledger.rowCount("employees") == 3)
  }

  @Test func unsortedRecipientsGetTheSameDigestAsSortedOnes() throws {
    let ledger = try Ledger.temporary()
    let a = try ledger.sendTestNotice(to: ["E3", "E1", "Ω", "E2"])
    let b = try ledger.sendTestNotice(to: ["E1", "E2", "E3", "Ω"])
    let digests = try ledger.db.prepare("SELECT id, recipients_sha256 FROM notices ORDER BY seq").map { $0.string(1) }
    #expect(digests[0] == digests[1])
    #expect(digests[0] == (try sha256sum(Array("E1\nE2\nE3\nΩ\n".utf8))))
    #expect(a != b)
    #expect(try ledger.verify().isValid)
  }

  @Test func aBadRecipientIdIsRefusedNamingWhereItCameFrom() throws {
    let ledger = try Ledger.temporary()
    expectLedgerError("invalid recipient '' (--to): must not be empty") { try ledger.sendTestNotice(to: ["E1", ""]) }
    expectLedgerError("invalid recipient 'E\\u{07}' (--to): control characters are not allowed") { try ledger.sendTestNotice(to: ["E\u{7}"]) }
    #expect(ledger.entryCount == 0)
    #expect(ledger.rowCount("deliveries") == 0)
    #expect(ledger.rowCount("employees") == 0)
  }

  @Test func aCorrectionCannotPrecedeItsTarget() throws {
    let ledger = try Ledger.temporary()
    let v = try ledger.addTestVersion("p", from: "2020-07-10T15:00:00Z")
    try ledger.sendTestNotice(id: "N1", announces: v, sentAt: "2020-07-10T15:00:00Z", to: ["E1"])
    expectLedgerError("invalid --issued-at '2020-07-10T14:59:59.999999Z': it is before its target, notice 'N1' (sent 2020-07-10T15:00:00Z)") {
      _ = try ledger.correct(
        NewCorrection(kind: .retraction, target: .notice("N1"), issuedAt: at("2020-07-10T14:59:59.999999Z"), statement: "s", reason: "r"),
        recipients: .defaults, actor: "t")
    }
    expectLedgerError("invalid --issued-at '2020-07-09T00:00:00Z': it is before its target, version p@1 (announced 2020-07-10T15:00:00Z)") {
      _ = try ledger.correct(
        NewCorrection(kind: .amendment, target: .version(v), issuedAt: at("2020-07-09"), statement: "s", reason: "r"),
        recipients: .defaults, actor: "t")
    }
    // Issued at the same instant as its target is fine.
    _ = try ledger.correct(
      NewCorrection(kind: .retraction, target: .notice("N1"), issuedAt: at("2020-07-10T15:00:00Z"), statement: "s", reason: "r"),
      recipients: .defaults, actor: "t")
    #expect(ledger.entryCount == 3)
  }

  @Test func correctionsNeedAStatementAReasonAndAnExistingTarget() throws {
    let ledger = try Ledger.temporary()
    try ledger.sendTestNotice(id: "N1", to: ["E1"])
    func retract(_ target: CorrectionTarget, statement: String = "s", reason: String = "r", void: Bool = false) throws {
      _ = try ledger.correct(
        NewCorrection(kind: .retraction, target: target, voidVersion: void, issuedAt: at("2021-01-01"), statement: statement, reason: reason),
        recipients: .defaults, actor: "t")
    }
    expectLedgerError("invalid --reason '  ': must not be empty") { try retract(.notice("N1"), reason: "  ") }
    expectLedgerError("invalid --statement '': must not be empty") { try retract(.notice("N1"), statement: "") }
    expectLedgerError("no notice 'N9' in this ledger (list notices with 'policy-ledger notices')") { try retract(.notice("N9")) }
    expectLedgerError("invalid --version 'p@1': no policy 'p' in this ledger") { try retract(.version(VersionRef(policy: "p", number: 1))) }
    expectLedgerError("notice 'N1' announces no version, so --void-version has nothing to void") { try retract(.notice("N1"), void: true) }
    #expect(ledger.entryCount == 1)
    #expect(ledger.rowCount("corrections") == 0)
  }

  @Test func aCorrectionGoesByDefaultToTheRecipientsOfItsTarget() throws {
    let ledger = try Ledger.temporary()
    let v = try ledger.addTestVersion()
    try ledger.sendTestNotice(id: "N1", announces: v, to: ["E1", "E2"])
    try ledger.sendTestNotice(id: "N2", announces: v, to: ["E2", "E3"])
    try ledger.sendTestNotice(id: "N3", to: ["E9"])
    let byNotice = try ledger.correct(
      NewCorrection(kind: .retraction, target: .notice("N1"), issuedAt: at("2021-01-01"), statement: "s", reason: "r"),
      recipients: .defaults, actor: "t")
    let byVersion = try ledger.correct(
      NewCorrection(kind: .amendment, target: .version(v), issuedAt: at("2021-01-01"), statement: "s", reason: "r", effectiveUntil: at("2022-01-01")),
      recipients: .defaults, actor: "t")
    let nobody = try ledger.correct(
      NewCorrection(kind: .retraction, target: .version(v), issuedAt: at("2021-01-01"), statement: "s", reason: "r"),
      recipients: .none, actor: "t")
    let named = try ledger.correct(
      NewCorrection(kind: .retraction, target: .notice("N3"), issuedAt: at("2021-01-01"), statement: "s", reason: "r"),
      recipients: .named(RecipientList(["E7"])), actor: "t")
    func names(_ id: String) throws -> [String] {
      var result: [String] = []
      try ledger.recipients(of: id) { result.append($0.employee) }
      return result
    }
    #expect(try names(byNotice) == ["E1", "E2"])
    #expect(try names(byVersion) == ["E1", "E2", "E3"])
    #expect(try names(nobody) == [])
    #expect(try names(named) == ["E7"])
    #expect(try ledger.verify().isValid)
  }

  @Test func anAmendmentThatWouldEmptyThePeriodIsRefused() throws {
    let ledger = try Ledger.temporary()
    let v = try ledger.addTestVersion("p", from: "2020-01-01", until: "2021-01-01")
    func amend(from: String? = nil, until: String? = nil) throws {
      _ = try ledger.correct(
        NewCorrection(kind: .amendment, target: .version(v), issuedAt: at("2020-06-01"), statement: "s", reason: "r", effectiveFrom: from.map(at), effectiveUntil: until.map(at)),
        recipients: .none, actor: "t")
    }
    try amend(until: "2020-06-01")
    // With the first amendment, moving the start to the new end leaves nothing.
    expectLedgerError("this amendment would leave p@1 an empty effective period [2020-06-01T00:00:00Z, 2020-06-01T00:00:00Z); effective_until must be after effective_from") {
      try amend(from: "2020-06-01")
    }
    #expect(ledger.entryCount == 2)
  }

  @Test func anAcknowledgementComesFromARecipientNoEarlierThanTheNoticeAndOnce() throws {
    let ledger = try Ledger.temporary()
    try ledger.sendTestNotice(id: "N1", sentAt: "2020-07-10T15:00:00Z", to: ["E1"])
    try ledger.sendTestNotice(id: "N2", sentAt: "2020-07-10T15:00:00Z", to: ["E2"])
    expectLedgerError("invalid --employee 'E2': not a recipient of notice 'N1'") {
      try ledger.acknowledge(notice: "N1", employee: "E2", at: at("2020-07-11"), actor: "t")
    }
    expectLedgerError("invalid --employee 'E404': not a recipient of notice 'N1'") {
      try ledger.acknowledge(notice: "N1", employee: "E404", at: at("2020-07-11"), actor: "t")
    }
    expectLedgerError("invalid --at '2020-07-10T14:00:00Z': notice 'N1' was sent later, at 2020-07-10T15:00:00Z") {
      try ledger.acknowledge(notice: "N1", employee: "E1", at: at("2020-07-10T14:00:00Z"), actor: "t")
    }
    expectLedgerError("no notice 'N9' in this ledger (list notices with 'policy-ledger notices')") {
      try ledger.acknowledge(notice: "N9", employee: "E1", at: at("2020-07-11"), actor: "t")
    }
    try ledger.acknowledge(notice: "N1", employee: "E1", at: at("2020-07-10T15:00:00Z"), actor: "t")
    expectLedgerError("'E1' already acknowledged notice 'N1' at 2020-07-10T15:00:00Z") {
      try ledger.acknowledge(notice: "N1", employee: "E1", at: at("2020-07-12"), actor: "t")
    }
    #expect(ledger.entryCount == 3)
    #expect(ledger.rowCount("acks") == 1)
  }

  @Test func everyEntryRecordsWhoMadeIt() throws {
    let ledger = try Ledger.temporary()
    try ledger.addVersion(NewVersion(policy: "p", title: "T", body: [], effectiveFrom: at("2020-01-01")), actor: "alice@hr")
    #expect(try ledger.db.prepare("SELECT actor FROM journal").first { $0.string(0) } == "alice@hr")
    #expect(Ledger.defaultActor(environment: ["POLICY_LEDGER_ACTOR": "svc-import"]) == "svc-import")
    #expect(!Ledger.defaultActor(environment: [:]).isEmpty)
    expectLedgerError("invalid --by '': must not be empty") {
      try ledger.addVersion(NewVersion(policy: "p", title: "T", body: [], effectiveFrom: at("2020-01-01")), actor: "")
    }
  }

  @Test func aBodyThatIsNotUTF8IsRefused() throws {
    let ledger = try Ledger.temporary()
    expectLedgerError("invalid --body: not valid UTF-8 text") {
      try ledger.addVersion(NewVersion(policy: "p", title: "T", body: [0x41, 0xC3], effectiveFrom: at("2020-01-01")), actor: "t")
    }
    #expect(ledger.entryCount == 0)
  }

  /// Text longer than an import reads back in one field (16 MiB) is refused, so that every
  /// export imports again; 16 MiB exactly is recorded.
  @Test func textLongerThanAnImportReadsBackIsRefused() throws {
    let ledger = try Ledger.temporary()
    let over = TextLimit.bytes + 1
    let tooLong = String(repeating: "z", count: over)
    let reason = "\(over) bytes, more than the 16777216 (16 MiB) that an import reads back in one field"
    expectLedgerError("invalid --body: \(reason)") {
      try ledger.addVersion(
        NewVersion(policy: "p", title: "T", body: Array(repeating: 0x7A, count: over), effectiveFrom: at("2020-01-01")), actor: "t")
    }
    expectLedgerError("invalid --title: \(reason)") {
      try ledger.addVersion(NewVersion(policy: "p", title: tooLong, body: [], effectiveFrom: at("2020-01-01")), actor: "t")
    }
    expectLedgerError("invalid --subject: \(reason)") {
      try ledger.sendNotice(
        NewNotice(subject: tooLong, body: [], sentAt: at("2020-01-01"), sender: "hr"), recipients: RecipientList(["E1"]), actor: "t")
    }
    #expect(ledger.entryCount == 0)
    try ledger.addVersion(
      NewVersion(policy: "p", title: "T", body: Array(repeating: 0x7A, count: TextLimit.bytes), effectiveFrom: at("2020-01-01")), actor: "t")
    try ledger.sendNotice(
      NewNotice(id: "N1", subject: "S", body: [], sentAt: at("2020-01-01"), sender: "hr"), recipients: RecipientList(["E1"]), actor: "t")
    expectLedgerError("invalid --statement: \(reason)") {
      try ledger.correct(
        NewCorrection(id: "R1", kind: .retraction, target: .notice("N1"), issuedAt: at("2020-01-02"), statement: tooLong, reason: "r"),
        recipients: .named(RecipientList(["E1"])), actor: "t")
    }
    #expect(ledger.entryCount == 2)
  }
}
