import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite struct ImportTests {
  // MARK: - Round trip

  @Test func anExportImportedIntoANewLedgerAnswersEveryQueryTheSame() throws {
    let original = try Ledger.temporary()
    try RichStory.record(into: original)
    let copy = try Ledger.temporary()
    let files = try ExportedFiles(of: original)
    let summaries = try files.importAll(into: copy, actor: "importer")

    #expect(summaries.map(\.entries) == [5, 4, 4, 4])
    // Notices take 4 + 5 + (2 + 2 resent + 1 + 1 resent at one later time) + (2 + 1 resent
    // later + 2 + 1 resent at its own time) rows of the recipients file and skip the
    // corrections' (3 + 1 resent) + 5 + 2 + (0 + 1 resent at its own time); each resend is
    // one more entry.
    #expect(summaries[1].recipients == 21)
    #expect(summaries[1].resends == 6)
    #expect(summaries[1].skippedRecipientRows == 12)
    #expect(summaries[2].recipients == 12)
    #expect(summaries[2].resends == 2)
    #expect(summaries[2].skippedRecipientRows == 21)
    #expect(try copy.verify().isValid)
    #expect(try copy.head()?.seq == original.head()?.seq)

    // The same answers, row for row, in every view but --as-recorded-at (recorded_at is the new ledger's).
    let instants = [
      "2019-12-31T23:59:59Z", "2020-01-01T08:00:00Z", "2020-02-20T00:00:00Z", "2020-07-10T12:00:00-07:00",
      "2020-07-10T15:00:00-07:00", "2020-08-10T00:00:00Z", "2020-09-15T00:00:00Z", "2020-10-01T00:00:00Z", "2021-06-01T00:00:00Z",
    ].map { try! Instant.parse($0) }
    var views: [Bitemporal.View] = [.init()]
    views += instants.map { Bitemporal.View(knownAt: $0) }
    views += RichStory.employees.map { Bitemporal.View(toldTo: $0) }
    views += RichStory.employees.map { Bitemporal.View(knownAt: instants[4], toldTo: $0) }
    var compared = 0
    for view in views {
      for t in instants {
        let a = try original.inForce(nil, at: t, view: view)
        #expect(a == (try copy.inForce(nil, at: t, view: view)), "in force at \(t) in \(view)")
        compared += a.count
      }
      for policy in RichStory.policies {
        for t in instants {
          #expect(try original.history(policy, at: t, view: view) == (try copy.history(policy, at: t, view: view)))
        }
      }
      var outstanding: ([OutstandingRow], [OutstandingRow]) = ([], [])
      try original.outstanding(view: view) { outstanding.0.append($0) }
      try copy.outstanding(view: view) { outstanding.1.append($0) }
      #expect(outstanding.0 == outstanding.1)
    }
    #expect(compared > 100)
    for employee in RichStory.employees {
      #expect(try cells(original.timeline(employee: employee)) == cells(copy.timeline(employee: employee)))
    }
    for policy in RichStory.policies {
      #expect(try cells(original.timeline(policy: policy)) == cells(copy.timeline(policy: policy)))
    }
    for notice in RichStory.notices {
      var recipients: ([RecipientRow], [RecipientRow]) = ([], [])
      try original.recipients(of: notice) { recipients.0.append($0) }
      try copy.recipients(of: notice) { recipients.1.append($0) }
      #expect(Set(recipients.0.map(\.employee)) == Set(recipients.1.map(\.employee)))
      #expect(recipients.0.count == recipients.1.count)
      // Each at the delivery that reached them: resends survive the round trip.
      #expect(recipients.0.map(\.sentAt) == recipients.1.map(\.sentAt))
    }
    var resent: ([RecipientRow], [RecipientRow]) = ([], [])
    try original.recipients(of: WorkedExample.retractionID) { resent.0.append($0) }
    try copy.recipients(of: WorkedExample.retractionID) { resent.1.append($0) }
    #expect(resent.0 == resent.1)
    #expect(resent.0.last?.sentAt == WorkedExample.resentAt)

    // The same exports but for recorded_at. The recipients file lists messages in journal
    // order, and the copy records every notice before every correction: the same rows, and
    // each message's rows in the same order.
    let again = try ExportedFiles(of: copy)
    for kind in [ExportKind.versions, .notices, .corrections, .acks] {
      let before = try files.records(kind, without: "recorded_at")
      #expect(before == (try again.records(kind, without: "recorded_at")), "export \(kind)")
      #expect(before.count > 1)
    }
    let recipientsBefore = try files.records(.recipients)
    let recipientsAfter = try again.records(.recipients)
    #expect(recipientsBefore.sorted { $0.lexicographicallyPrecedes($1) } == recipientsAfter.sorted { $0.lexicographicallyPrecedes($1) })
    for message in Set(recipientsBefore.map { $0[0] }) {
      #expect(recipientsBefore.filter { $0[0] == message } == recipientsAfter.filter { $0[0] == message })
    }
    // The body that starts with '=' and holds CR LF, quotes and non-ASCII came through byte for byte.
    let shown = try copy.show("remote-work@1")
    #expect(shown.values[try #require(shown.columns.firstIndex(of: "body"))] == .text(RichStory.trickyBody))
  }

  @Test func theImportedJournalDiffersOnlyInRecordedAt() throws {
    let original = try Ledger.temporary()
    try RichStory.record(into: original)
    let copy = try Ledger.temporary()
    try ExportedFiles(of: original).importAll(into: copy, actor: "importer")
    // Every entry's payload and actor are in the copy; the copy's order groups them by kind.
    let payloads = { (ledger: Ledger) in try ExportedFiles(of: ledger).records(.journal).map { [$0[2], $0[3], $0[4]] } }
    let a = try payloads(original), b = try payloads(copy)
    #expect(Set(a.map { $0.joined(separator: "|") }) == Set(b.map { $0.joined(separator: "|") }))
    #expect(a.count == 25)
  }

  @Test func importAcceptsExactlyTheColumnsThatExportWrites() {
    for kind in ImportKind.allCases {
      let export = ExportKind(rawValue: kind.rawValue)!
      #expect(Set(kind.required).isDisjoint(with: kind.optional))
      #expect(Set(kind.required + kind.optional) == Set(export.columns), "\(kind)")
    }
  }

  // MARK: - Columns

  @Test func byBecomesTheActorAndAnEmptyByIsTheImporters() throws {
    let ledger = try Ledger.temporary()
    try ledger.importVersions(
      file("versions.csv", "policy,title,body,effective_from,by\np,T,b,2020-01-01,hr-ops\np,T,b2,2020-02-01,\n"),
      actor: "importer")
    let rows = try ExportedFiles(of: ledger).records(.versions)
    #expect(rows.map { $0[7] } == ["hr-ops", "importer"])
  }

  @Test func timesWithoutAnOffsetAreReadInTheGivenZone() throws {
    let ledger = try Ledger.temporary()
    try ledger.importVersions(
      file("versions.csv", "policy,title,body,effective_from,announced_at\np,T,b,2020-07-10T08:00,2020-07-10\n"),
      timeZone: WorkedExample.pacific, actor: "importer")
    let row = try #require(try ledger.inForce("p", at: WorkedExample.july10(9)).first)
    #expect(row.effectiveFrom == WorkedExample.july10(8))
    #expect(row.announcedAt == WorkedExample.july10(0))
  }

  @Test func recordedAtIsParsedButTheLedgerRecordsItsOwn() throws {
    let ledger = try Ledger.temporary()
    let before = Instant.now()
    try ledger.importVersions(
      file("versions.csv", "policy,title,body,effective_from,recorded_at\np,T,b,2020-01-01,2000-01-01T00:00:00Z\n"),
      actor: "importer")
    let recorded = try Instant.parse(try ExportedFiles(of: ledger).records(.versions)[0][8])
    #expect(recorded >= before)
  }

  @Test func emptyFieldsAreAbsentValuesOpenBoundsAndDefaults() throws {
    let ledger = try Ledger.temporary()
    try ledger.importVersions(
      file(
        "versions.csv",
        "policy,version,title,body,effective_from,effective_until,announced_at,by,recorded_at,body_sha256\np,,T,,2020-01-01,,,,,\n"),
      actor: "importer")
    let summary = try ledger.importNotices(
      file("notices.csv", "id,subject,body,sent_at,sender,channel,announces\nN1,S,,2020-01-02,hr,,\n"),
      recipients: file("recipients.csv", "notice,employee\nN1,E1\n"), actor: "importer")
    #expect(summary.recipients == 1)
    try ledger.importCorrections(
      file("corrections.csv", "id,kind,notice,version,void_version,issued_at,statement,reason\n,retraction,,p@1,,2020-01-03,S,R\n"),
      recipients: nil, actor: "importer")
    let version = try ExportedFiles(of: ledger).records(.versions)[0]
    #expect(version[3] == "" && version[5] == "" && version[6] == "2020-01-01T00:00:00Z")
    let notice = try ExportedFiles(of: ledger).records(.notices)[0]
    #expect(notice[5] == "email" && notice[6] == "")
    let correction = try ExportedFiles(of: ledger).records(.corrections)[0]
    // An empty id is assigned; void_version empty is false; a version's retraction goes to its notices' recipients.
    #expect(correction[0] == "C3" && correction[4] == "false" && correction[12] == "0")
    #expect(try ledger.history("p").first?.status == .void)
  }

  @Test func voidVersionTakesTrueFalseOneAndZero() throws {
    for (text, expected) in [("true", true), ("1", true), ("false", false), ("0", false)] {
      let ledger = try Ledger.temporary()
      try WorkedExample.recordVersionsAndNotice(into: ledger)
      try ledger.importCorrections(
        file("corrections.csv", "kind,notice,void_version,issued_at,statement,reason\nretraction,\(WorkedExample.noticeID),\(text),2020-07-10T14:00:00-07:00,S,R\n"),
        recipients: nil, actor: "importer")
      let inForce = try ledger.inForce(WorkedExample.policy, at: WorkedExample.july10(12))
      #expect(inForce.first?.version == (expected ? 1 : 2), "void_version \(text)")
    }
  }

  @Test func correctionsGoToDefaultRecipientsWithoutARecipientsFileAndToTheirRowsWithOne() throws {
    let header = "id,kind,notice,issued_at,statement,reason\n"
    let rows = "C1,amendment,\(WorkedExample.noticeID),2020-07-10T14:00:00-07:00,S,R\n"
    let withoutFile = try Ledger.temporary()
    try WorkedExample.recordVersionsAndNotice(into: withoutFile)
    let a = try withoutFile.importCorrections(file("corrections.csv", header + rows), recipients: nil, actor: "importer")
    #expect(a.recipients == 0 && a.skippedRecipientRows == 0)
    #expect(try ExportedFiles(of: withoutFile).records(.corrections)[0][12] == "4")

    let absent = try Ledger.temporary()
    try WorkedExample.recordVersionsAndNotice(into: absent)
    let b = try absent.importCorrections(
      file("corrections.csv", header + rows), recipients: file("recipients.csv", "notice,employee\nN-other,E1\n"),
      actor: "importer")
    #expect(b.recipients == 0 && b.skippedRecipientRows == 1)
    #expect(try ExportedFiles(of: absent).records(.corrections)[0][12] == "0")

    let named = try Ledger.temporary()
    try WorkedExample.recordVersionsAndNotice(into: named)
    let c = try named.importCorrections(
      file("corrections.csv", header + rows), recipients: file("recipients.csv", "notice,employee\nC1,E1002\nC1,E9\n"),
      actor: "importer")
    #expect(c.recipients == 2 && c.skippedRecipientRows == 0)
    #expect(
      try ExportedFiles(of: named).records(.recipients).filter { $0[0] == "C1" }.map { Array($0.prefix(2)) } == [
        ["C1", "E1002"], ["C1", "E9"],
      ])
  }

  @Test func assignedColumnsThatMatchAreAccepted() throws {
    let original = try Ledger.temporary()
    try WorkedExample.record(into: original)
    let copy = try Ledger.temporary()
    // The export carries version, body_sha256, recipient_count and recipients_sha256: all checked, all equal.
    try ExportedFiles(of: original).importAll(into: copy, actor: "importer")
    #expect(try copy.verify().isValid)
  }

  @Test func aFailedImportLeavesNoTemporaryTableBehind() throws {
    let ledger = try Ledger.temporary()
    let recipients = "notice,employee\nN1,E1\n"
    #expect(throws: LedgerError.self) {
      try ledger.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-13-01,hr\n"), recipients: file("recipients.csv", recipients),
        actor: "importer")
    }
    let temporaryTables = { try ledger.db.prepare("SELECT count(*) FROM sqlite_temp_master").first { $0.int64(0) } }
    #expect(try temporaryTables() == 0)
    let summary = try ledger.importNotices(
      file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-12-01,hr\n"), recipients: file("recipients.csv", recipients),
      actor: "importer")
    #expect(summary.entries == 1)
    try ledger.importCorrections(
      file("corrections.csv", "id,kind,notice,issued_at,statement,reason\nC1,retraction,N1,2020-12-02,S,R\n"),
      recipients: file("recipients.csv", "notice,employee\nC1,E1\n"), actor: "importer")
    #expect(try ledger.head()?.seq == 2)
    #expect(try temporaryTables() == 0)
  }

  /// `now` in an import is one instant, however many rows say it and however long they take
  /// to read: rows of a notice's recipients resent `now` are one resend, not one per row,
  /// and every file of a batch reads it alike.
  @Test func nowIsOneInstantForAWholeImport() throws {
    let ledger = try Ledger.temporary()
    var recipients = "notice,employee,sent_at\nN1,E0,\n"
    for n in 1...300 { recipients += "N1,E\(n),now\n" }
    let summary = try ledger.importNotices(
      file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01,hr\n"), recipients: file("recipients.csv", recipients),
      actor: "importer")
    #expect(summary.entries == 1 && summary.resends == 1 && summary.recipients == 301)
    #expect(try ledger.head()?.seq == 2)
    #expect(try ledger.verify().isValid)

    // In a batch (import --all), the roster's `now` and the acknowledgements' are the same.
    let batch = try Ledger.temporary()
    try batch.batch {
      try batch.importEmployees(file("employees.csv", "employee,at,event\nE1,2020-01-01,join\nE2,now,join\n"), actor: "i")
      try batch.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01,hr\n"),
        recipients: file("recipients.csv", "notice,employee\nN1,E1\n"), actor: "i")
      try batch.importAcks(file("acks.csv", "notice,employee,at\nN1,E1,now\n"), actor: "i")
    }
    var joined: Instant?
    try batch.employees(at: .now()) { if $0.employee == "E2" { joined = $0.since } }
    var acknowledged: Instant?
    try batch.recipients(of: "N1") { acknowledged = $0.acknowledgedAt }
    #expect(joined != nil && joined == acknowledged)
  }

  @Test func recipientsKeepTheirFileOrderAndTheDigestCoversThemSorted() throws {
    let ledger = try Ledger.temporary()
    let ids = (0..<500).map { "E\(($0 * 7919) % 500)" }
    let summary = try ledger.importNotices(
      file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-12-01,hr\n"),
      recipients: file("recipients.csv", "notice,employee\n" + ids.map { "N1,\($0)\n" }.joined()), actor: "importer")
    #expect(summary.recipients == 500)
    let sorted = ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    let expected = SHA256Hasher.hex(Array(sorted.map { $0 + "\n" }.joined().utf8))
    #expect(try ExportedFiles(of: ledger).records(.notices)[0][11] == expected)
    #expect(try ExportedFiles(of: ledger).records(.recipients).map { $0[1] } == ids)
  }

  @Test func progressCountsRowsLoadedThenRowsRecorded() throws {
    let ledger = try Ledger.temporary()
    var reports: [ImportProgress] = []
    try ledger.importNotices(
      file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-12-01,hr\n"),
      recipients: file("recipients.csv", "notice,employee\n" + (0..<25_000).map { "N1,E\($0)\n" }.joined()), actor: "importer"
    ) { reports.append($0) }
    // 25,000 rows loaded; 25,000 recipients and 1 entry recorded.
    #expect(
      reports == [
        .loading(rows: 10_000), .loading(rows: 20_000), .recording(rows: 0), .recording(rows: 10_000), .recording(rows: 20_000),
      ])
  }

  // MARK: - Refusals: the message names file, line, column and value; nothing is written

  @Test func refusesAnUnknownColumn() throws {
    try refuses(
      "versions.csv line 1: unknown column 'colour' (expected: policy, title, body, effective_from, version, effective_until, announced_at, by, recorded_at, body_sha256, applies_to)"
    ) { try $0.importVersions(file("versions.csv", "policy,title,body,effective_from,colour\np,T,b,2020-01-01,red\n"), actor: "i") }
  }

  /// A header's bytes are shown escaped, as values are; a one-column header that is
  /// another separator's says so.
  @Test func anUnknownColumnIsShownEscapedWithAHintForOtherSeparators() throws {
    let expected = "(expected: policy, title, body, effective_from, version, effective_until, announced_at, by, recorded_at, body_sha256, applies_to)"
    let reads = "import reads comma-separated CSV, as export writes it"
    for (header, message) in [
      ("policy,title,\u{1B}[31mred", "unknown column '\\u{1B}[31mred' \(expected)"),
      // A BOM is read as one; a second is not.
      ("\u{FEFF}\u{FEFF}policy,title", "unknown column '\\u{FEFF}policy' \(expected)"),
      ("policy,policy", "duplicate column 'policy'"),
      ("policy;title;body;effective_from", "unknown column 'policy;title;body;effective_from' \(expected); \(reads), and this header is separated by ';'"),
      ("policy\ttitle", "unknown column 'policy\\ttitle' \(expected); \(reads), and this header is separated by tabs"),
      ("[", "unknown column '[' \(expected); \(reads), not JSON"),
      // JSON Lines, as `export --format jsonl` writes it, fails as CSV before its header is read.
      (#"{"policy":"p","version":1}"#, "bare quote in unquoted field; \(reads), not JSON"),
      ("\u{FEFF}" + #"[{"policy":"p"}]"#, "bare quote in unquoted field; \(reads), not JSON"),
      ("[1,2]", "unknown column '[1' \(expected); \(reads), not JSON"),
    ] {
      try refuses("versions.csv line 1: \(message)") {
        try $0.importVersions(file("versions.csv", header + "\np,T,b,2020-01-01\n"), actor: "i")
      }
    }
  }

  @Test func refusesAMissingColumn() throws {
    try refuses("versions.csv line 1: missing column 'body'") {
      try $0.importVersions(file("versions.csv", "policy,title,effective_from\np,T,2020-01-01\n"), actor: "i")
    }
    try refuses("corrections.csv line 1: missing column 'notice' or 'version' (each correction targets one)") {
      try $0.importCorrections(
        file("corrections.csv", "kind,issued_at,statement,reason\nretraction,2020-08-01,S,R\n"), recipients: nil, actor: "i")
    }
    try refuses("recipients.csv line 1: missing column 'employee'") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01,hr\n"), recipients: file("recipients.csv", "notice\nN1\n"),
        actor: "i")
    }
  }

  /// Importing notice N1, sent 2020-08-01T00:00:00Z, with `recipients` as the recipients
  /// file is refused with `message`, and nothing is written.
  func refusesNoticeN1(recipients: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    try refuses(message, sourceLocation: sourceLocation) {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01T00:00:00Z,hr\n"),
        recipients: file("recipients.csv", recipients), actor: "i")
    }
  }

  @Test func refusesABadOrEarlyResendTimeInTheRecipientsFile() throws {
    let notices = file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01T00:00:00Z,hr\n")
    try refuses("recipients.csv line 3: invalid sent_at '2020-13-01': month 13 is out of range (01-12)") {
      try $0.importNotices(
        notices, recipients: file("recipients.csv", "notice,employee,sent_at\nN1,E1,\nN1,E2,2020-13-01\n"), actor: "i")
    }
    // A row sent before the notice is named by its line in the recipients file; so is one
    // when every row is early (the first delivery would be empty), and one when every row
    // is later (a resend of a notice no one received).
    let early = "'N1' was first delivered later, at 2020-08-01T00:00:00Z; a resend comes after it"
    for (rows, message) in [
      ("N1,E1,2020-08-01T00:00:00Z\nN1,E2,2020-07-31T00:00:00Z\n", "invalid sent_at '2020-07-31T00:00:00Z' (recipients.csv line 3): \(early)"),
      ("N2,E9,2020-07-30T00:00:00Z\nN1,E1,2020-07-31T00:00:00Z\n", "invalid sent_at '2020-07-31T00:00:00Z' (recipients.csv line 3): \(early)"),
      (
        "N2,E9,\nN1,E1,2020-08-02T00:00:00Z\n",
        "invalid sent_at '2020-08-02T00:00:00Z' (recipients.csv line 3): notice 'N1' is sent at 2020-08-01T00:00:00Z, and no row of it gives that time or none; a notice needs at least one recipient, in its first delivery"
      ),
    ] {
      try refusesNoticeN1(recipients: "notice,employee,sent_at\n" + rows, "notices.csv line 2: \(message)")
    }
    // A correction's early row too (its first delivery may be empty).
    try refuses(
      "corrections.csv line 2: invalid sent_at '2020-07-31T00:00:00Z' (recipients.csv line 2): 'C1' was first delivered later, at 2020-08-01T00:00:00Z; a resend comes after it"
    ) {
      try $0.importCorrections(
        file(
          "corrections.csv",
          "id,kind,notice,issued_at,statement,reason\nC1,amendment,\(WorkedExample.noticeID),2020-08-01T00:00:00Z,S,R\n"),
        recipients: file("recipients.csv", "notice,employee,sent_at\nC1,E1004,2020-07-31T00:00:00Z\n"), actor: "i")
    }
    // A later time is a resend; the same person twice, once in each delivery, is refused.
    try refuses(
      "notices.csv line 2: invalid recipient 'E1' (recipients.csv line 3): already received 'N1' at 2020-08-01T00:00:00Z; name only those it has not reached"
    ) {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01T00:00:00Z,hr\n"),
        recipients: file("recipients.csv", "notice,employee,sent_at\nN1,E1,\nN1,E1,2020-08-02T00:00:00Z\n"), actor: "i")
    }
  }

  /// The same refusals with a message zone bound: the times quoted are the same instants,
  /// written in that zone; without it, in UTC (above).
  @Test func refusalsQuoteTimesInTheBoundMessageZone() throws {
    let zone = try #require(TimeZone(identifier: "America/Los_Angeles"))
    try Instant.$messageZone.withValue(zone) {
      try refusesNoticeN1(
        recipients: "notice,employee,sent_at\nN1,E1,2020-08-01T00:00:00Z\nN1,E2,2020-07-31T00:00:00Z\n",
        "notices.csv line 2: invalid sent_at '2020-07-30T17:00:00-07:00' (recipients.csv line 3): 'N1' was first delivered later, at 2020-07-31T17:00:00-07:00; a resend comes after it"
      )
      try refusesNoticeN1(
        recipients: "notice,employee,sent_at,delivery\nN1,E1,,0\nN1,E2,2020-08-03T00:00:00Z,1\nN1,E3,2020-08-02T00:00:00Z,2\n",
        "notices.csv line 2: invalid delivery '2' (recipients.csv line 4): it is sent at 2020-08-01T17:00:00-07:00, before delivery 1 at 2020-08-02T17:00:00-07:00; resends are numbered in the order of their times"
      )
    }
    // Outside the binding, UTC again.
    #expect(Instant.messageZone == nil)
    // Only messages read it: an export made inside the binding is the same bytes.
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let unbound = try ExportedFiles(of: ledger)
    let bound = try Instant.$messageZone.withValue(zone) { try ExportedFiles(of: ledger) }
    for kind in ExportKind.allCases { #expect(try bound.records(kind) == unbound.records(kind), "\(kind)") }
  }

  /// Export numbers each message's deliveries (`delivery`: 0 its own, then its resends), and
  /// import records each number above 0 as one resend, in that order.
  @Test func numberedDeliveriesComeBackOneResendEach() throws {
    let original = try Ledger.temporary()
    let at = try Instant.parse("2020-08-01T00:00:00Z")
    let later = try Instant.parse("2020-08-03T00:00:00Z")
    try original.sendNotice(
      NewNotice(id: "M", subject: "S", body: Array("b".utf8), sentAt: at, sender: "hr"), recipients: RecipientList(["A", "B"]),
      actor: "hr")
    try original.resend("M", kind: .notice, sentAt: later, recipients: .named(RecipientList(["E"])), actor: "hr")
    try original.resend("M", kind: .notice, sentAt: at, recipients: .named(RecipientList(["C"])), actor: "hr")
    try original.resend("M", kind: .notice, sentAt: at, recipients: .named(RecipientList(["D"])), actor: "hr")
    let files = try ExportedFiles(of: original)
    #expect(
      try files.records(.recipients).map { $0.joined(separator: " ") } == [
        "M A 2020-08-01T00:00:00Z 0", "M B 2020-08-01T00:00:00Z 0", "M C 2020-08-01T00:00:00Z 1",
        "M D 2020-08-01T00:00:00Z 2", "M E 2020-08-03T00:00:00Z 3",
      ])
    let copy = try Ledger.temporary()
    let summary = try copy.importNotices(files.file(.notices), recipients: files.file(.recipients), actor: "i")
    #expect(summary.recipients == 5 && summary.resends == 3)
    #expect(try copy.verify().isValid)
    let shown = try copy.show("M")
    #expect(shown.values[try #require(shown.columns.firstIndex(of: "resends"))] == .integer(3))
    #expect(try ExportedFiles(of: copy).records(.recipients) == (try files.records(.recipients)))
    // A file written by hand: its rows in any order; the first delivery's may leave
    // `sent_at` empty.
    let byHand = try Ledger.temporary()
    try byHand.importNotices(
      files.file(.notices),
      recipients: file(
        "recipients.csv",
        "notice,employee,sent_at,delivery\nM,D,2020-08-02T00:00:00Z,2\nM,A,,0\nM,C,2020-08-02T00:00:00Z,1\nM,B,2020-08-01T00:00:00Z,0\n"),
      actor: "i")
    var reached: [String] = []
    try byHand.recipients(of: "M") { reached.append("\($0.employee) \($0.sentAt)") }
    #expect(reached == ["A 2020-08-01T00:00:00Z", "B 2020-08-01T00:00:00Z", "C 2020-08-02T00:00:00Z", "D 2020-08-02T00:00:00Z"])
    #expect(try byHand.show("M").values[try #require(shown.columns.firstIndex(of: "resends"))] == .integer(2))
  }

  /// `delivery` is the ledger's to assign, so a file's numbers are checked: 0, then 1, 2, 3 …
  /// in the order of their times, each resend at one time, each written as export writes it.
  @Test func refusesABadDeliveryNumberWithNothingWritten() throws {
    var notices: ImportFile { file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01T00:00:00Z,hr\n") }
    func recipients(_ rows: String) -> ImportFile { file("recipients.csv", "notice,employee,sent_at,delivery\n" + rows) }
    let numbers = "must be 0 for the message's own delivery or 1 and up for its resends"
    let refusals: [(String, String)] = [
      ("N1,E1,,0\nN1,E2,,\n", "recipients.csv line 3: invalid delivery '': \(numbers)"),
      ("N1,E1,,-1\n", "recipients.csv line 2: invalid delivery '-1': \(numbers)"),
      ("N1,E1,,+1\n", "recipients.csv line 2: invalid delivery '+1': a number is written without a sign"),
      ("N1,E1,,+\n", "recipients.csv line 2: invalid delivery '+': \(numbers)"),
      ("N1,E1,,one\n", "recipients.csv line 2: invalid delivery 'one': \(numbers)"),
      ("N1,E1,,01\n", "recipients.csv line 2: invalid delivery '01': a number is written without leading zeros"),
      ("N1,E1,,99999999999999999999\n", "recipients.csv line 2: invalid delivery '99999999999999999999': out of range"),
      ("N1,E1,,0\nN1,E2,,1\n", "recipients.csv line 3: invalid sent_at '': a resend's row (delivery 1) must give its time"),
      (
        "N1,E1,,0\nN1,E2,2020-08-02T00:00:00Z,0\n",
        "notices.csv line 2: invalid sent_at '2020-08-02T00:00:00Z' (recipients.csv line 3): a row of delivery 0, the message's own, is sent at the message's time, 2020-08-01T00:00:00Z"
      ),
      (
        "N1,E1,,0\nN1,E2,2020-08-02T00:00:00Z,1\nN1,E3,2020-08-03T00:00:00Z,1\n",
        "notices.csv line 2: invalid sent_at '2020-08-03T00:00:00Z' (recipients.csv line 4): the rows of delivery 1 of 'N1' are sent at 2020-08-02T00:00:00Z"
      ),
      (
        "N1,E1,,0\nN1,E2,2020-08-02T00:00:00Z,2\n",
        "notices.csv line 2: invalid delivery '2' (recipients.csv line 3): expected 1; the resends of 'N1' are numbered 1, 2, 3 … without gaps"
      ),
      (
        "N1,E1,,0\nN1,E2,2020-08-03T00:00:00Z,1\nN1,E3,2020-08-02T00:00:00Z,2\n",
        "notices.csv line 2: invalid delivery '2' (recipients.csv line 4): it is sent at 2020-08-02T00:00:00Z, before delivery 1 at 2020-08-03T00:00:00Z; resends are numbered in the order of their times"
      ),
      (
        "N1,E2,2020-08-02T00:00:00Z,1\n",
        "notices.csv line 2: invalid delivery '1' (recipients.csv line 2): notice 'N1' has no row of delivery 0, its first delivery, and a notice needs at least one recipient"
      ),
      (
        "N1,E1,2020-07-31T00:00:00Z,1\nN1,E2,,0\n",
        "notices.csv line 2: invalid sent_at '2020-07-31T00:00:00Z' (recipients.csv line 2): 'N1' was first delivered later, at 2020-08-01T00:00:00Z; a resend comes after it"
      ),
    ]
    for (rows, message) in refusals {
      try refuses(message) { try $0.importNotices(notices, recipients: recipients(rows), actor: "i") }
    }
    // A correction's numbered rows are checked the same way.
    try refuses(
      "corrections.csv line 2: invalid delivery '3' (recipients.csv line 2): expected 1; the resends of 'C1' are numbered 1, 2, 3 … without gaps"
    ) {
      try $0.importCorrections(
        file(
          "corrections.csv",
          "id,kind,notice,issued_at,statement,reason\nC1,amendment,\(WorkedExample.noticeID),2020-08-01T00:00:00Z,S,R\n"),
        recipients: recipients("C1,E1004,2020-08-02T00:00:00Z,3\n"), actor: "i")
    }
  }

  /// A resend at the first delivery's own time comes back only as export wrote it: the first
  /// `recipient_count` rows at that time are the first delivery, and its digest checks them,
  /// so rows moved in front of them refuse the import whole.
  @Test func aSameTimeResendComesBackOnlyInTheOrderExportWroteIt() throws {
    let original = try Ledger.temporary()
    let at = try Instant.parse("2020-08-01T00:00:00Z")
    try original.sendNotice(
      NewNotice(id: "M", subject: "S", body: Array("b".utf8), sentAt: at, sender: "hr"), recipients: RecipientList(["A", "B"]),
      actor: "hr")
    try original.resend("M", kind: .notice, sentAt: at, recipients: .named(RecipientList(["C"])), actor: "hr")
    let files = try ExportedFiles(of: original)
    let rows = try files.records(.recipients)
    #expect(rows.map { $0[1] } == ["A", "B", "C"])
    func csv(_ names: [String]) -> ImportFile {
      file("recipients.csv", "notice,employee,sent_at\n" + names.map { "M,\($0),2020-08-01T00:00:00Z\n" }.joined())
    }
    // As written: the notice to A and B, and a resend to C at the same time.
    let copy = try Ledger.temporary()
    let summary = try copy.importNotices(files.file(.notices), recipients: csv(["A", "B", "C"]), actor: "i")
    #expect(summary.recipients == 3 && summary.resends == 1)
    #expect(try copy.verify().isValid)
    var reached: [String] = []
    try copy.recipients(of: "M") { reached.append("\($0.employee) \($0.sentAt)") }
    #expect(reached == ["A 2020-08-01T00:00:00Z", "B 2020-08-01T00:00:00Z", "C 2020-08-01T00:00:00Z"])
    // C moved in front: the first delivery would be C and A, whose digest is not the file's.
    let moved = try Ledger.temporary()
    do {
      _ = try moved.importNotices(files.file(.notices), recipients: csv(["C", "A", "B"]), actor: "i")
      Issue.record("expected a refusal")
    } catch let error as LedgerError {
      #expect(error.description.hasPrefix("notices.csv line 2: invalid recipients_sha256 '"), "\(error)")
      #expect(error.description.contains("the digest of the recipients of notice 'M' (the rows of recipients.csv that name it) is "))
    }
    #expect(try moved.head() == nil)
    // A count without the digest proves no split: it is only checked, and refused.
    let countOnly = try Ledger.temporary()
    expectLedgerError(
      "notices.csv line 2: invalid recipient_count '2': notice 'M' has 3 recipients (the rows of recipients.csv that name it)"
    ) {
      _ = try countOnly.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender,recipient_count\nM,S,b,2020-08-01T00:00:00Z,hr,2\n"),
        recipients: csv(["A", "B", "C"]), actor: "i")
    }
    #expect(try countOnly.head() == nil)
  }

  @Test func refusesARowWithTheWrongNumberOfFields() throws {
    try refuses("versions.csv line 3: 3 fields, expected 4") {
      try $0.importVersions(file("versions.csv", "policy,title,body,effective_from\np,T,b,2020-01-01\np,T,2020-02-01\n"), actor: "i")
    }
  }

  @Test func refusesBadQuoting() throws {
    try refuses("versions.csv line 2: unexpected 't' after closing quote (column 'title')") {
      try $0.importVersions(file("versions.csv", "policy,title,body,effective_from\np,\"Ti\"tle,b,2020-01-01\n"), actor: "i")
    }
    try refuses("versions.csv line 3: unterminated quoted field (column 'body')") {
      try $0.importVersions(file("versions.csv", "policy,title,body,effective_from\np,T,b,2020-01-01\np,T,\"b,2020-02-01\n"), actor: "i")
    }
  }

  @Test func refusesInvalidUTF8() throws {
    let bytes = Array("policy,title,body,effective_from\np,T,caf".utf8) + [0xE9] + Array(",2020-01-01\n".utf8)
    try refuses("versions.csv line 2: invalid UTF-8 in field 3 (column 'body')") {
      try $0.importVersions(ImportFile(name: "versions.csv", bytes: bytes), actor: "i")
    }
  }

  @Test func refusesABadTimeNamingTheLineAfterGoodRows() throws {
    let notices = """
      id,subject,body,sent_at,sender
      N1,S,b,2020-12-01,hr
      N2,S,b,2020-13-01,hr
      N3,S,b,2020-12-03,hr

      """
    try refuses("notices.csv line 3: invalid sent_at '2020-13-01': month 13 is out of range (01-12)") {
      try $0.importNotices(
        file("notices.csv", notices), recipients: file("recipients.csv", "notice,employee\nN1,E1\nN2,E1\nN3,E1\n"), actor: "i")
    }
    try refuses("versions.csv line 2: invalid effective_from '': must not be empty") {
      try $0.importVersions(file("versions.csv", "policy,title,body,effective_from\np,T,b,\n"), actor: "i")
    }
    try refuses("versions.csv line 2: invalid recorded_at 'yesterday': expected a date as YYYY-MM-DD (or 'now')") {
      try $0.importVersions(file("versions.csv", "policy,title,body,effective_from,recorded_at\np,T,b,2020-01-01,yesterday\n"), actor: "i")
    }
  }

  @Test func refusesABadRowEarlyInABigFileWithoutReadingOn() throws {
    var text = "policy,title,body,effective_from\np,T,b,2020-01-01\np,T,b,2020-01-32\n"
    text += String(repeating: "p,T,b,2020-01-01\n", count: 50_000)
    try refuses("versions.csv line 3: invalid effective_from '2020-01-32': January 2020 has 31 days") {
      try $0.importVersions(file("versions.csv", text), actor: "i")
    }
  }

  @Test func refusesABadLastRowOfABigFileAndRecordsNoneOfIt() throws {
    var text = "policy,title,body,effective_from\n"
    text += (0..<2_000).map { "p\($0 % 10),T,b,2020-01-01\n" }.joined()
    text += "p,T,b,2020-01-01T25:00\n"
    try refuses("versions.csv line 2002: invalid effective_from '2020-01-01T25:00': hour 25 is out of range (00-23)") {
      try $0.importVersions(file("versions.csv", text), actor: "i")
    }
  }

  @Test func refusesAnUnknownNoticeOrVersion() throws {
    try refuses("corrections.csv line 2: no notice 'N404' in this ledger (list notices with 'policy-ledger notices')") {
      try $0.importCorrections(
        file("corrections.csv", "kind,notice,issued_at,statement,reason\nretraction,N404,2020-08-01,S,R\n"), recipients: nil, actor: "i")
    }
    try refuses("acks.csv line 2: no notice 'N404' in this ledger (list notices with 'policy-ledger notices')") {
      try $0.importAcks(file("acks.csv", "notice,employee,at\nN404,E1001,2020-08-01\n"), actor: "i")
    }
    try refuses("corrections.csv line 2: invalid version 'travel@1': no policy 'travel' in this ledger") {
      try $0.importCorrections(
        file("corrections.csv", "kind,version,issued_at,statement,reason\nretraction,travel@1,2020-08-01,S,R\n"), recipients: nil,
        actor: "i")
    }
    try refuses("notices.csv line 2: invalid announces 'mobile-devices@9': policy 'mobile-devices' has no version 9 (its latest is 2)") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender,announces\nN1,S,b,2020-08-01,hr,mobile-devices@9\n"),
        recipients: file("recipients.csv", "notice,employee\nN1,E1\n"), actor: "i")
    }
    try refuses(
      "notices.csv line 2: invalid announces 'mobile-devices': expected KEY@N, a policy key and a version number such as mobile-devices@2"
    ) {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender,announces\nN1,S,b,2020-08-01,hr,mobile-devices\n"),
        recipients: file("recipients.csv", "notice,employee\nN1,E1\n"), actor: "i")
    }
  }

  @Test func refusesADuplicateId() throws {
    try refuses("notices.csv line 2: invalid id 'R-2020-07-10-1400': a notice or correction with that id already exists") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nR-2020-07-10-1400,S,b,2020-08-01,hr\n"),
        recipients: file("recipients.csv", "notice,employee\nR-2020-07-10-1400,E1\n"), actor: "i")
    }
    try refuses("corrections.csv line 3: invalid id 'C1': a notice or correction with that id already exists") {
      try $0.importCorrections(
        file(
          "corrections.csv",
          "id,kind,version,issued_at,statement,reason\nC1,amendment,mobile-devices@1,2020-08-01,S,R\nC1,amendment,mobile-devices@1,2020-08-02,S,R\n"),
        recipients: nil, actor: "i")
    }
    // With a recipients file, the taken id is named before the rows of that id are read:
    // they are the other message's, and their times would be the wrong fault to name.
    try refuses("corrections.csv line 2: invalid id 'N-2020-07-10-0800': a notice or correction with that id already exists") {
      try $0.importCorrections(
        file("corrections.csv", "id,kind,version,issued_at,statement,reason\nN-2020-07-10-0800,amendment,mobile-devices@1,2020-08-01,S,R\n"),
        recipients: file("recipients.csv", "notice,employee,sent_at\nN-2020-07-10-0800,E1001,2020-07-10T15:00:00Z\n"), actor: "i")
    }
    try refuses("notices.csv line 2: invalid id 'R-2020-07-10-1400': a notice or correction with that id already exists") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nR-2020-07-10-1400,S,b,2020-08-01,hr\n"),
        recipients: file("recipients.csv", "notice,employee,sent_at\nR-2020-07-10-1400,E1,2020-07-10T21:00:00Z\n"), actor: "i")
    }
    try refuses("notices.csv line 2: invalid id '': must not be empty") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\n,S,b,2020-08-01,hr\n"), recipients: file("recipients.csv", "notice,employee\n"),
        actor: "i")
    }
  }

  @Test func refusesADuplicateRecipientNamingTheRecipientsFileLine() throws {
    try refuses("notices.csv line 2: duplicate recipient 'E1' (recipients.csv line 5)") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01,hr\n"),
        recipients: file("recipients.csv", "notice,employee\nN1,E1\nR9,E1\nN1,E2\nN1,E1\n"), actor: "i")
    }
    try refuses("notices.csv line 2: invalid recipient ' E2' (recipients.csv line 3): leading or trailing space is not allowed") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01,hr\n"),
        recipients: file("recipients.csv", "notice,employee\nN1,E1\nN1, E2\n"), actor: "i")
    }
    try refuses("notices.csv line 2: a notice needs at least one recipient (the recipients file has no row for notice 'N1')") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01,hr\n"),
        recipients: file("recipients.csv", "notice,employee\nN2,E1\n"), actor: "i")
    }
    // An id no entry can have is a mistyped one, not another file's row to skip.
    for (rows, message) in [
      ("N1,E1\n,E2\n", "recipients.csv line 3: invalid notice '': must not be empty"),
      ("N1,E1\nN1 ,E2\n", "recipients.csv line 3: invalid notice 'N1 ': leading or trailing space is not allowed"),
    ] {
      try refusesNoticeN1(recipients: "notice,employee\n" + rows, message)
    }
    try refuses(
      "recipients.csv line 2: invalid notice 'N1\\u{200B}': the invisible or direction-changing character U+200B is not allowed (Unicode format characters)"
    ) {
      try $0.importCorrections(
        file("corrections.csv", "kind,notice,issued_at,statement,reason\nretraction,\(WorkedExample.noticeID),2020-08-01,S,R\n"),
        recipients: file("recipients.csv", "notice,employee\nN1\u{200B},E2\n"), actor: "i")
    }
    try refuses("recipients.csv line 2: bare quote in unquoted field (column 'employee')") {
      try $0.importNotices(
        file("notices.csv", "id,subject,body,sent_at,sender\nN1,S,b,2020-08-01,hr\n"),
        recipients: file("recipients.csv", "notice,employee\nN1,E\"1\n"), actor: "i")
    }
  }

  @Test func refusesAnAssignedColumnThatDoesNotMatch() throws {
    try refuses(
      "versions.csv line 2: invalid version '2': the ledger numbers this version mobile-devices@3 (1, 2, 3 … per policy, in journal order)"
    ) {
      try $0.importVersions(file("versions.csv", "policy,version,title,body,effective_from\nmobile-devices,2,T,b,2021-01-01\n"), actor: "i")
    }
    try refuses("versions.csv line 2: invalid version 'three': expected a whole number") {
      try $0.importVersions(file("versions.csv", "policy,version,title,body,effective_from\nmobile-devices,three,T,b,2021-01-01\n"), actor: "i")
    }
    let sha = SHA256Hasher.hex(Array("b".utf8))
    try refuses("versions.csv line 2: invalid body_sha256 'abc': the SHA-256 of the body is \(sha)") {
      try $0.importVersions(file("versions.csv", "policy,title,body,effective_from,body_sha256\np,T,b,2021-01-01,abc\n"), actor: "i")
    }
    let notices = "id,subject,body,sent_at,sender,recipient_count,recipients_sha256\n"
    let recipients = file("recipients.csv", "notice,employee\nN1,E1\nN1,E2\n")
    try refuses("notices.csv line 2: invalid recipient_count '3': notice 'N1' has 2 recipients (the rows of recipients.csv that name it)") {
      try $0.importNotices(file("notices.csv", notices + "N1,S,b,2020-08-01,hr,3,\n"), recipients: recipients, actor: "i")
    }
    let digest = SHA256Hasher.hex(Array("E1\nE2\n".utf8))
    try refuses(
      "notices.csv line 2: invalid recipients_sha256 'ff': the digest of the recipients of notice 'N1' (the rows of recipients.csv that name it) is \(digest)"
    ) {
      try $0.importNotices(
        file("notices.csv", notices + "N1,S,b,2020-08-01,hr,2,ff\n"), recipients: file("recipients.csv", "notice,employee\nN1,E1\nN1,E2\n"),
        actor: "i")
    }
    try refuses("corrections.csv line 2: invalid recipient_count '4': correction 'C1' has 3 recipients (the rows of recipients.csv that name it)") {
      try $0.importCorrections(
        file(
          "corrections.csv",
          "id,kind,notice,issued_at,statement,reason,recipient_count\nC1,amendment,\(WorkedExample.noticeID),2020-08-01,S,R,4\n"),
        recipients: file("recipients.csv", "notice,employee\nC1,E1\nC1,E2\nC1,E3\n"), actor: "i")
    }
    // Without a recipients file the correction goes to its notice's recipients, and the
    // refusal says so (an export's correction sent to fewer needs its recipients' rows).
    try refuses(
      "corrections.csv line 2: invalid recipient_count '3': correction 'C1' has 4 recipients (its default recipients: no recipients file was given)"
    ) {
      try $0.importCorrections(
        file(
          "corrections.csv",
          "id,kind,notice,issued_at,statement,reason,recipient_count\nC1,amendment,\(WorkedExample.noticeID),2020-08-01,S,R,3\n"),
        recipients: nil, actor: "i")
    }
  }

  @Test func refusesABodyThatExcelSafeAltered() throws {
    let original = try Ledger.temporary()
    try original.addVersion(
      NewVersion(policy: "p", title: "Title", body: Array("=SUM(A1)".utf8), effectiveFrom: try Instant.parse("2020-01-01")), actor: "hr")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("importtests-\(UUID().uuidString).csv").path
    defer { unlink(path) }
    let sink = try ByteSink.create(path: path)
    try original.export(.versions, to: CSVWriter(sink: sink, excelSafe: true))
    try sink.close()
    let sha = SHA256Hasher.hex(Array("=SUM(A1)".utf8))
    let altered = SHA256Hasher.hex(Array("'=SUM(A1)".utf8))
    try refuses("versions.csv line 2: invalid body_sha256 '\(sha)': the SHA-256 of the body is \(altered)") {
      try $0.importVersions(ImportFile(name: "versions.csv", bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))), actor: "i")
    }
  }

  @Test func refusesACorrectionIssuedBeforeItsTarget() throws {
    try refuses(
      "corrections.csv line 2: invalid issued_at '2020-07-10T14:59:59Z': it is before its target, notice 'N-2020-07-10-0800' (sent 2020-07-10T15:00:00Z)"
    ) {
      try $0.importCorrections(
        file("corrections.csv", "kind,notice,issued_at,statement,reason\nretraction,N-2020-07-10-0800,2020-07-10T14:59:59Z,S,R\n"),
        recipients: nil, actor: "i")
    }
  }

  @Test func refusesAnAckFromANonRecipientEarlyOrTwice() throws {
    try refuses("acks.csv line 2: invalid employee 'E2001': not a recipient of notice 'N-2020-07-10-0800'") {
      try $0.importAcks(file("acks.csv", "notice,employee,at\nN-2020-07-10-0800,E2001,2020-07-10T16:00:00Z\n"), actor: "i")
    }
    try refuses("acks.csv line 2: invalid at '2020-07-10T14:00:00Z': notice 'N-2020-07-10-0800' was sent later, at 2020-07-10T15:00:00Z") {
      try $0.importAcks(file("acks.csv", "notice,employee,at\nN-2020-07-10-0800,E1001,2020-07-10T14:00:00Z\n"), actor: "i")
    }
    try refuses("acks.csv line 3: 'E1001' already acknowledged notice 'N-2020-07-10-0800' at 2020-07-10T16:00:00Z") {
      try $0.importAcks(
        file("acks.csv", "notice,employee,at\nN-2020-07-10-0800,E1001,2020-07-10T16:00:00Z\nN-2020-07-10-0800,E1001,2020-07-10T17:00:00Z\n"),
        actor: "i")
    }
  }

  @Test func refusesAMalformedCorrection() throws {
    let header = "id,kind,notice,version,void_version,issued_at,statement,reason,effective_from\n"
    let notice = WorkedExample.noticeID
    try refuses("corrections.csv line 2: invalid kind 'withdrawal': expected retraction or amendment") {
      try $0.importCorrections(file("corrections.csv", header + ",withdrawal,\(notice),,,2020-08-01,S,R,\n"), recipients: nil, actor: "i")
    }
    try refuses(
      "corrections.csv line 2: invalid version 'mobile-devices@2': the row also names notice '\(notice)'; a correction targets one notice or one version"
    ) {
      try $0.importCorrections(
        file("corrections.csv", header + ",retraction,\(notice),mobile-devices@2,,2020-08-01,S,R,\n"), recipients: nil, actor: "i")
    }
    try refuses("corrections.csv line 2: no target: give a notice or a version (both are empty)") {
      try $0.importCorrections(file("corrections.csv", header + ",retraction,,,,2020-08-01,S,R,\n"), recipients: nil, actor: "i")
    }
    try refuses("corrections.csv line 2: invalid void_version 'yes': expected true or false (or 1 or 0)") {
      try $0.importCorrections(file("corrections.csv", header + ",retraction,\(notice),,yes,2020-08-01,S,R,\n"), recipients: nil, actor: "i")
    }
    try refuses("corrections.csv line 2: invalid void_version 'true': only a retraction of a notice can void its version") {
      try $0.importCorrections(
        file("corrections.csv", header + ",retraction,,mobile-devices@2,true,2020-08-01,S,R,\n"), recipients: nil, actor: "i")
    }
    try refuses(
      "corrections.csv line 2: invalid effective_from '2020-09-01T00:00:00Z': a retraction voids its target; only an amendment changes an effective date"
    ) {
      try $0.importCorrections(
        file("corrections.csv", header + ",retraction,\(notice),,,2020-08-01,S,R,2020-09-01\n"), recipients: nil, actor: "i")
    }
    try refuses("corrections.csv line 2: invalid reason '': must not be empty") {
      try $0.importCorrections(file("corrections.csv", header + ",retraction,\(notice),,,2020-08-01,S,,\n"), recipients: nil, actor: "i")
    }
    try refuses("corrections.csv line 2: invalid by 'a\\nb': control characters are not allowed") {
      try $0.importCorrections(
        file("corrections.csv", "kind,notice,issued_at,statement,reason,by\nretraction,\(notice),2020-08-01,S,R,\"a\nb\"\n"), recipients: nil,
        actor: "i")
    }
  }

  @Test func refusesAnEmptyFile() throws {
    try refuses(
      "acks.csv line 1: empty file: expected a header (notice, employee, at, by, recorded_at)"
    ) { try $0.importAcks(file("acks.csv", ""), actor: "i") }
  }

  // MARK: - Helpers

  /// Runs `body` on a ledger holding the worked example; expects exactly `message` and no change.
  private func refuses(_ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: (Ledger) throws -> Void) throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let head = try ledger.head()
    let exported = try ExportedFiles(of: ledger).records(.recipients)
    expectLedgerError(message, sourceLocation: sourceLocation) { try body(ledger) }
    #expect(try ledger.head() == head, "the journal changed", sourceLocation: sourceLocation)
    #expect(try ExportedFiles(of: ledger).records(.recipients) == exported, sourceLocation: sourceLocation)
    #expect(try ledger.verify().isValid, sourceLocation: sourceLocation)
  }

  private func file(_ name: String, _ text: String) -> ImportFile {
    ImportFile(name: name, bytes: Array(text.utf8))
  }

  private func cells(_ rows: [some TabularRow]) -> [[Cell]] {
    rows.map { $0.cells(timeZone: nil) }
  }
}

extension WorkedExample {
  /// The worked example's two versions and its 08:00 notice, without the ack and the retraction.
  static func recordVersionsAndNotice(into ledger: Ledger) throws {
    try ledger.addVersion(
      NewVersion(policy: policy, title: "Mobile devices", body: Array("No restriction.".utf8), effectiveFrom: try Instant.parse("2020-01-01")),
      actor: "demo")
    try ledger.addVersion(
      NewVersion(policy: policy, title: "Mobile devices", body: Array("Delete TikTok.".utf8), effectiveFrom: july10(8)), actor: "demo")
    try ledger.sendNotice(
      NewNotice(
        id: noticeID, subject: "Delete TikTok", body: Array("Delete it.".utf8), sentAt: july10(8), sender: "it-security",
        announces: VersionRef(policy: policy, number: 2)),
      recipients: RecipientList(noticeRecipients), actor: "demo")
  }
}

/// The worked example and more: an amendment, a retraction of a version, a correction sent
/// to nobody, a notice recorded after corrections, and text that tests CSV — commas, quotes,
/// CR LF, non-ASCII, and values that start with = + - @.
enum RichStory {
  static let trickyBody = "=HYPERLINK(\"http://example.com\")\r\nLine two, with a comma\nTrailing space \n\"Quoted\" — café, 日本語, 😀\n"
  static let policies = ["mobile-devices", "remote-work", "travel"]
  static let notices = [WorkedExample.noticeID, "N-remote, 2", "N-travel", "N-reminder"]
  static let employees = ["E1001", "E1002", "E1003", "E1004", "E2001", "Doe, Jane", "Émile", "=E3", "+E4"]

  static func record(into ledger: Ledger) throws {
    func t(_ text: String) -> Instant { try! Instant.parse(text) }
    try WorkedExample.record(into: ledger)
    try ledger.addVersion(
      NewVersion(
        policy: "remote-work", title: "+Remote work, \"hybrid\" — für alle", body: Array(trickyBody.utf8),
        effectiveFrom: t("2020-03-01"), announcedAt: t("2020-02-15")),
      actor: "hr-ops")
    try ledger.addVersion(
      NewVersion(
        policy: "remote-work", title: "-Remote work, phase 2", body: Array("@everyone: \"three days\" in the office\r\n".utf8),
        effectiveFrom: t("2020-09-01")),
      actor: "hr-ops")
    try ledger.addVersion(
      NewVersion(
        policy: "travel", title: "Travel", body: Array("Book economy.".utf8), effectiveFrom: t("2020-01-01"),
        effectiveUntil: t("2021-01-01")),
      actor: "=finance")
    try ledger.sendNotice(
      NewNotice(
        id: "N-remote, 2", subject: "=Remote work \"phase 2\", café", body: Array("-Dear all,\r\n\"quoted\" text\n".utf8),
        sentAt: t("2020-08-01"), sender: "@hr", channel: "portal", announces: VersionRef(policy: "remote-work", number: 2)),
      recipients: RecipientList(["Doe, Jane", "Émile", "E1001", "=E3", "+E4"]), actor: "hr-ops")
    try ledger.sendNotice(
      NewNotice(
        id: "N-travel", subject: "Travel policy", body: [], sentAt: t("2020-01-05"), sender: "finance",
        announces: VersionRef(policy: "travel", number: 1)),
      recipients: RecipientList(["E1002", "E2001"]), actor: "=finance")
    // An amendment of a notice, to its recipients.
    try ledger.correct(
      NewCorrection(
        id: "A-remote", kind: .amendment, target: .notice("N-remote, 2"), issuedAt: t("2020-08-15"),
        statement: "Phase 2 starts on 1 October, not 1 September.", reason: "wrong date", effectiveFrom: t("2020-10-01")),
      recipients: .defaults, actor: "hr-ops")
    // A retraction of a version, with an assigned id, to the recipients of its notices (rule 8).
    try ledger.correct(
      NewCorrection(
        kind: .retraction, target: .version(VersionRef(policy: "travel", number: 1)), issuedAt: t("2020-06-01"),
        statement: "The travel policy is withdrawn.", reason: "-superseded by the handbook"),
      recipients: .defaults, actor: "=finance")
    // A correction sent to nobody (--no-recipients).
    try ledger.correct(
      NewCorrection(
        id: "A-quiet", kind: .amendment, target: .version(VersionRef(policy: "remote-work", number: 1)),
        issuedAt: t("2020-08-20"), statement: "Phase 1 ends when phase 2 begins.", reason: "housekeeping",
        effectiveUntil: t("2020-10-01")),
      recipients: .none, actor: "hr-ops")
    try ledger.acknowledge(notice: "N-remote, 2", employee: "Doe, Jane", at: t("2020-08-02T09:30:00.25Z"), actor: "portal")
    // A notice recorded after the corrections, announcing nothing.
    try ledger.sendNotice(
      NewNotice(id: "N-reminder", subject: "Reminder: read the policies", body: Array("Read them.\n".utf8), sentAt: t("2020-09-15"), sender: "hr"),
      recipients: RecipientList(["Émile", "E1001"]), actor: "hr-ops")
    try ledger.acknowledge(notice: "N-travel", employee: "E2001", at: t("2020-01-06"), actor: "portal")
    // Resends (rule 16): the retraction to the one it missed, and the travel notice to a
    // newcomer, who acknowledges it after it reached them (rule 14).
    // (The recipients export has no `by`: an imported resend is made by its message's actor.)
    try WorkedExample.resendRetraction(into: ledger)
    try ledger.resend(
      "N-travel", kind: .notice, sentAt: t("2020-01-07"), recipients: .named(RecipientList(["Émile", "+E4"])), actor: "=finance")
    try ledger.acknowledge(notice: "N-travel", employee: "Émile", at: t("2020-01-08"), actor: "portal")
    // Resends at the very time of the first delivery, which rule 16 allows ("no earlier than
    // the first"): export writes their rows after the first delivery's, numbered, and
    // import records each number as one resend. The notice's resend comes after a later
    // one; the correction's first delivery reached nobody.
    try ledger.resend("N-reminder", kind: .notice, sentAt: t("2020-09-16"), recipients: .named(RecipientList(["E2002"])), actor: "hr-ops")
    try ledger.resend(
      "N-reminder", kind: .notice, sentAt: t("2020-09-15"), recipients: .named(RecipientList(["E2001", "+E4"])), actor: "hr-ops")
    try ledger.resend("A-quiet", kind: .correction, sentAt: t("2020-08-20"), recipients: .named(RecipientList(["E1001"])), actor: "hr-ops")
    // Two resends at one time, later than the first delivery and at its very time: the
    // export numbers each delivery, so each comes back as its own entry.
    try ledger.resend("N-travel", kind: .notice, sentAt: t("2020-01-09"), recipients: .named(RecipientList(["E1003"])), actor: "=finance")
    try ledger.resend("N-travel", kind: .notice, sentAt: t("2020-01-09"), recipients: .named(RecipientList(["E1004"])), actor: "=finance")
    try ledger.resend("N-reminder", kind: .notice, sentAt: t("2020-09-15"), recipients: .named(RecipientList(["E1002"])), actor: "hr-ops")
  }
}

/// Every export of a ledger as CSV bytes, as `policy-ledger export KIND` writes them.
struct ExportedFiles {
  private var csv: [ExportKind: [UInt8]] = [:]

  init(of ledger: Ledger) throws {
    for kind in ExportKind.allCases {
      let path = FileManager.default.temporaryDirectory.appendingPathComponent("importtests-\(UUID().uuidString).csv").path
      defer { unlink(path) }
      let sink = try ByteSink.create(path: path)
      try ledger.export(kind, to: CSVWriter(sink: sink))
      try sink.close()
      csv[kind] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
  }

  func file(_ kind: ExportKind) -> ImportFile {
    ImportFile(name: "\(kind.rawValue).csv", bytes: csv[kind]!)
  }

  /// The records after the header, without `column` when given.
  func records(_ kind: ExportKind, without column: String? = nil) throws -> [[String]] {
    let reader = CSVReader(bytes: csv[kind]!)
    let header = try #require(try reader.readRecord())
    let drop = column.flatMap { header.firstIndex(of: $0) }
    var records: [[String]] = []
    while var record = try reader.readRecord() {
      if let drop { record.remove(at: drop) }
      records.append(record)
    }
    return records
  }

  /// Imports versions, notices, corrections and acks, in that order, as the docs tell.
  @discardableResult
  func importAll(into ledger: Ledger, actor: String) throws -> [ImportSummary] {
    [
      try ledger.importVersions(file(.versions), actor: actor),
      try ledger.importNotices(file(.notices), recipients: file(.recipients), actor: actor),
      try ledger.importCorrections(file(.corrections), recipients: file(.recipients), actor: actor),
      try ledger.importAcks(file(.acks), actor: actor),
    ]
  }
}
