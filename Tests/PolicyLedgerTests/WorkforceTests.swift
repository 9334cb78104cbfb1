import Foundation
import LedgerBenchData
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// The roster (rule 19), audiences (rule 20) and coverage (rule 21), on small hand-made
/// ledgers whose answers are worked out by hand.
@Suite struct WorkforceTests {
  typealias W = WorkedExample

  func join(_ ledger: Ledger, _ employee: String, _ time: String, _ groups: [String] = []) throws {
    try ledger.recordRosterEntry(RosterEntry(employee: employee, event: .join, at: at(time), groups: groups), actor: "hr")
  }

  func leave(_ ledger: Ledger, _ employee: String, _ time: String) throws {
    try ledger.recordRosterEntry(RosterEntry(employee: employee, event: .leave, at: at(time)), actor: "hr")
  }

  func employees(_ ledger: Ledger, _ time: String, group: String? = nil, view: Bitemporal.View = .init()) throws -> [String] {
    var rows: [String] = []
    try ledger.employees(at: at(time), group: group, view: view) { rows.append("\($0.employee)[\($0.groups.joined(separator: ","))]") }
    return rows
  }

  func coverage(_ ledger: Ledger, _ key: String, _ time: Instant, view: Bitemporal.View = .init(), group: String? = nil,
    status: Bitemporal.CoverageStatus? = nil) throws -> [CoverageRow] {
    var rows: [CoverageRow] = []
    try ledger.coverage(key, at: time, view: view, group: group, status: status) { row, _ in rows.append(row) }
    return rows
  }

  // MARK: - The roster

  @Test func joinsTransfersAndLeavesMakeTheRoster() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E2", "2020-01-01T00:00:00Z", ["staff"])
    try join(ledger, "E1", "2020-02-01T00:00:00Z", ["staff", "eng"])
    try join(ledger, "E1", "2020-05-01T00:00:00Z", ["contractors"])  // a transfer
    try leave(ledger, "E2", "2020-06-01T00:00:00Z")
    #expect(try employees(ledger, "2019-12-31T23:59:59Z") == [])
    #expect(try employees(ledger, "2020-03-01T00:00:00Z") == ["E1[staff,eng]", "E2[staff]"])
    #expect(try employees(ledger, "2020-05-01T00:00:00Z") == ["E1[contractors]", "E2[staff]"])
    #expect(try employees(ledger, "2020-06-01T00:00:00Z") == ["E1[contractors]"])
    #expect(try employees(ledger, "2020-03-01T00:00:00Z", group: "eng") == ["E1[staff,eng]"])
    #expect(try employees(ledger, "2020-03-01T00:00:00Z", group: "all") == ["E1[staff,eng]", "E2[staff]"])
    // As known on 2020-04-01 (business time): the transfer and the leave had not happened.
    #expect(try employees(ledger, "2020-07-01T00:00:00Z", view: .init(knownAt: at("2020-04-01T00:00:00Z"))) == ["E1[staff,eng]", "E2[staff]"])
    #expect(try ledger.verify().isValid)
    // The roster registers its employees in the directory: they are known (rule 15).
    #expect(ledger.rowCount("employees") == 2)
  }

  @Test func aBackfilledEntryCorrectsThePastFromWhenItWasRecorded() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E1", "2020-01-01T00:00:00Z")
    try leave(ledger, "E1", "2020-03-01T00:00:00Z")
    let before = try #require(try ledger.head())
    let recordedBefore = try PropertyRun.recordedTimes(ledger).last!
    // Recorded later: E1 had in fact left on 2020-02-01, and rejoined on 2020-02-15.
    try leave(ledger, "E1", "2020-02-01T00:00:00Z")
    try join(ledger, "E1", "2020-02-15T00:00:00Z", ["eng"])
    #expect(try employees(ledger, "2020-02-10T00:00:00Z") == [])
    #expect(try employees(ledger, "2020-02-20T00:00:00Z") == ["E1[eng]"])
    #expect(try employees(ledger, "2020-02-10T00:00:00Z", view: .init(recordedAt: recordedBefore)) == ["E1[]"])
    #expect(before.seq == 2)
  }

  @Test func tiesOnAtGoToTheLaterEntry() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E1", "2020-01-01T00:00:00Z", ["a"])
    try join(ledger, "E1", "2020-01-01T00:00:00Z", ["b"])
    #expect(try employees(ledger, "2020-01-01T00:00:00Z") == ["E1[b]"])
    try leave(ledger, "E1", "2020-01-01T00:00:00Z")
    #expect(try employees(ledger, "2020-01-01T00:00:00Z") == [])
  }

  @Test func refusalsWriteNothing() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E1", "2020-01-01T00:00:00Z")
    try leave(ledger, "E1", "2020-03-01T00:00:00Z")
    let entries = ledger.entryCount
    expectLedgerError(
      "invalid --at '2020-04-01T00:00:00Z': 'E1' is not employed then (they left at 2020-03-01T00:00:00Z), so cannot leave",
      code: .refused
    ) { try leave(ledger, "E1", "2020-04-01T00:00:00Z") }
    expectLedgerError("invalid --at '2020-04-01T00:00:00Z': 'E9' is not employed then (no join of theirs is recorded), so cannot leave") {
      try leave(ledger, "E9", "2020-04-01T00:00:00Z")
    }
    expectLedgerError("invalid --at '2019-04-01T00:00:00Z': 'E1' is not employed then (their first join is later, at 2020-01-01T00:00:00Z), so cannot leave") {
      try leave(ledger, "E1", "2019-04-01T00:00:00Z")
    }
    expectLedgerError("invalid --groups 'a,': group '' must not be empty") { try join(ledger, "E2", "2020-01-01T00:00:00Z", ["a", ""]) }
    expectLedgerError("invalid --groups 'all': every employee is in group 'all'; name the other groups") {
      try join(ledger, "E2", "2020-01-01T00:00:00Z", ["all"])
    }
    expectLedgerError("invalid --groups 'a;b': a group name cannot contain a comma or a semicolon") {
      try ledger.recordRosterEntry(RosterEntry(employee: "E2", event: .join, at: at("2020-01-01T00:00:00Z"), groups: ["a;b"]), actor: "hr")
    }
    expectLedgerError("invalid --groups 'x,x': group 'x' is named twice") { try join(ledger, "E2", "2020-01-01T00:00:00Z", ["x", "x"]) }
    expectLedgerError("invalid --groups 'bad\\u{200B}': group 'bad\\u{200B}' the invisible or direction-changing character U+200B is not allowed (Unicode format characters)") {
      try join(ledger, "E2", "2020-01-01T00:00:00Z", ["bad\u{200B}"])
    }
    expectLedgerError("invalid --employee ' E2': leading or trailing space is not allowed") { try join(ledger, " E2", "2020-01-01T00:00:00Z") }
    #expect(ledger.entryCount == entries)
    #expect(ledger.rowCount("roster") == 2)
    #expect(ledger.rowCount("employees") == 1)
  }

  @Test func groupListsAreParsedAndChecked() throws {
    #expect(try Groups.parse(" staff , eng", field: "--groups") == ["staff", "eng"])
    #expect(try Groups.parse("staff;eng", field: "groups") == ["staff", "eng"])
    #expect(try Groups.audience("all", field: "--applies-to") == nil)
    #expect(throws: LedgerError.self) { try Groups.parse("staff,,eng", field: "--groups") }
    #expect(throws: LedgerError.self) { try Groups.parse("", field: "--groups") }
    #expect(throws: LedgerError.self) { try Groups.audience("all,staff", field: "--applies-to") }
  }

  @Test func aLedgerFromBeforeTheWorkforceMigratesAndKeepsItsHashes() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    let head = try ledger.head()
    // Take the file back to what 0003 left (0005 to 0009, which follow, are undone too).
    try ResentDeliveriesTests.takeBackBeforeResentDeliveries(ledger)
    try ledger.db.execute(
      """
      DROP TABLE roster_rows; DROP TABLE roster_imports;
      DROP TABLE roster; ALTER TABLE versions DROP COLUMN applies_to; DROP TABLE notice_versions; DROP TABLE outstanding_people;
      DROP TRIGGER ledger_migrations_no_delete;
      DELETE FROM ledger_migrations WHERE name IN ('0004_workforce', '0005_notice_versions', '0006_roster_imports', '0007_outstanding_people');
      CREATE TRIGGER ledger_migrations_no_delete BEFORE DELETE ON ledger_migrations
        BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: DELETE is refused'); END;
      """)
    let migrated = try Ledger(path: ledger.path, access: .readWrite)
    #expect(try migrated.head() == head)
    #expect(try migrated.verify().isValid)
    // Every version recorded before audiences applies to all.
    let shown = try migrated.show("\(W.policy)@2")
    #expect(shown.values[shown.columns.firstIndex(of: "applies_to")!] == .list(["all"]))
    try W.recordRoster(into: migrated)
    #expect(try coverage(migrated, W.policy, W.july10(12), view: .init(knownAt: W.july10(12))).count == 7)
  }

  // MARK: - Audiences (rule 20)

  @Test func aVersionForEveryoneKeepsItsBytesAndAnAudienceIsEncodedAfterThem() throws {
    let plain = VersionEntry(
      policy: "p", version: 1, title: "T", body: [0x61], bodySHA256: "x", effectiveFrom: at("2020-01-01T00:00:00Z"),
      effectiveUntil: nil, announcedAt: at("2020-01-01T00:00:00Z"))
    var audience = plain
    audience.appliesTo = ["staff", "eng"]
    let plainBytes = EntryPayload.version(plain).encoded()
    let audienceBytes = EntryPayload.version(audience).encoded()
    // Absent is `all`: the bytes a version had before audiences existed.
    var e = CanonicalEncoder()
    e.text("staff,eng")
    #expect(audienceBytes == plainBytes + e.bytes)
    #expect(try EntryPayload.decode(kind: "policy.add", bytes: plainBytes) == .version(plain))
    #expect(try EntryPayload.decode(kind: "policy.add", bytes: audienceBytes) == .version(audience))
    var empty = CanonicalEncoder()
    empty.text("")
    #expect(throws: LedgerError.self) { try EntryPayload.decode(kind: "policy.add", bytes: plainBytes + empty.bytes) }
  }

  @Test func rosterPayloadsRoundTrip() throws {
    let joinEntry = RosterEntry(employee: "E1", event: .join, at: at("2020-01-01T00:00:00Z"), groups: ["a", "b"])
    let leaveEntry = RosterEntry(employee: "E1", event: .leave, at: at("2020-02-01T00:00:00Z"))
    for entry in [joinEntry, leaveEntry, RosterEntry(employee: "E2", event: .join, at: at("2020-01-01T00:00:00Z"))] {
      let payload = EntryPayload.roster(entry)
      #expect(try EntryPayload.decode(kind: payload.kind, bytes: payload.encoded()) == payload)
    }
    #expect(EntryPayload.roster(joinEntry).kind == "employee.join")
    #expect(EntryPayload.roster(leaveEntry).kind == "employee.leave")
  }

  @Test func appliesToIsRecordedShownAndChecked() throws {
    let ledger = try ScratchLedger().ledger
    try ledger.addVersion(
      NewVersion(policy: "p", title: "T", body: [0x61], effectiveFrom: at("2020-01-01T00:00:00Z"), appliesTo: ["staff", "eng"]),
      actor: "hr")
    let shown = try ledger.show("p@1")
    #expect(shown.values[shown.columns.firstIndex(of: "applies_to")!] == .list(["staff", "eng"]))
    let entries = ledger.entryCount
    expectLedgerError("invalid --applies-to 'staff,all': every employee is in group 'all'; name the other groups") {
      try ledger.addVersion(
        NewVersion(policy: "p", title: "T", body: [0x61], effectiveFrom: at("2020-01-01T00:00:00Z"), appliesTo: ["staff", "all"]),
        actor: "hr")
    }
    expectLedgerError("invalid --applies-to '': name at least one group, or 'all'") {
      try ledger.addVersion(NewVersion(policy: "p", title: "T", body: [0x61], effectiveFrom: at("2020-01-01T00:00:00Z"), appliesTo: []), actor: "hr")
    }
    #expect(ledger.entryCount == entries)
  }

  // MARK: - Coverage (rule 21) on the worked example

  func workedExample() throws -> Ledger {
    let ledger = try ScratchLedger().ledger
    try W.record(into: ledger)
    try W.recordRoster(into: ledger)
    return ledger
  }

  @Test func coverageAtNoonAsKnownAtNoon() throws {
    let ledger = try workedExample()
    let rows = try coverage(ledger, W.policy, W.july10(12), view: .init(knownAt: W.july10(12)))
    #expect(rows.map(\.employee) == ["C3001", "C3002", "E1001", "E1002", "E1003", "E1004", "E2001"])
    #expect(rows.map(\.status.rawValue) == ["not_told", "not_told", "told", "told", "told", "acknowledged", "not_told"])
    #expect(rows.allSatisfy { $0.version == 2 })
    #expect(rows.map(\.believesVersion) == [1, 1, 2, 2, 2, 2, 1])
    let e1004 = rows[5]
    #expect(e1004.toldAt == W.july10(8) && e1004.notice == W.noticeID && e1004.acknowledgedAt == W.july10(8, 30))
    #expect(rows[0].toldAt == nil && rows[0].notice == nil && rows[0].acknowledgedAt == nil)
  }

  @Test func coverageAfterTheRetractionShowsWhoStillBelievesTheVoidVersion() throws {
    let ledger = try workedExample()
    let rows = try coverage(ledger, W.policy, W.july10(15))
    // Version 1 is in force again; no notice announces it, so nobody was told of it.
    #expect(rows.allSatisfy { $0.version == 1 && $0.status == .notTold })
    #expect(rows.filter { $0.believesVersion != 1 }.map(\.employee) == [W.missedRetraction])
    #expect(try coverage(ledger, W.policy, W.july10(15), group: "contractors").map(\.employee) == W.contractors)
    #expect(try coverage(ledger, W.policy, W.july10(12), view: .init(knownAt: W.july10(12)), status: .told).map(\.employee) == ["E1001", "E1002", "E1003"])
    let summary = try ledger.coverageSummary(W.policy, at: W.july10(12), view: .init(knownAt: W.july10(12)))
    #expect(summary.map { "\($0.group) \($0.employed) \($0.acknowledged) \($0.told) \($0.notTold)" } == [
      "all 7 1 3 3", "contractors 2 0 0 2", "staff 5 1 3 1",
    ])
    // Before any version: nothing in force, no rows.
    #expect(try coverage(ledger, W.policy, at("2019-01-01T00:00:00Z")).isEmpty)
    #expect(try ledger.coverageSummary(W.policy, at: at("2019-01-01T00:00:00Z")).isEmpty)
  }

  @Test func coverageRefusesALedgerWithoutAWorkforceAndUnknownPolicies() throws {
    let ledger = try ScratchLedger().ledger
    try W.record(into: ledger)
    expectLedgerError("no workforce recorded: add employees with 'employee join' or 'import employees'") {
      try coverage(ledger, "no-such-policy", W.july10(12))
    }
    try W.recordRoster(into: ledger)
    // A roster recorded later is not known as recorded before it.
    let firstRoster = try PropertyRun.recordedTimes(ledger)[4]
    expectLedgerError("no workforce recorded: add employees with 'employee join' or 'import employees'") {
      try coverage(ledger, W.policy, W.july10(12), view: .init(recordedAt: firstRoster))
    }
    expectLedgerError("no policy 'mobile-device'; did you mean 'mobile-devices'?") { try coverage(ledger, "mobile-device", W.july10(12)) }
  }

  @Test func audiencesAndTiesDecideTheRows() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "S1", "2020-01-01T00:00:00Z", ["staff"])
    try join(ledger, "C1", "2020-01-01T00:00:00Z", ["contractors"])
    try join(ledger, "X1", "2020-01-01T00:00:00Z")
    try ledger.addVersion(
      NewVersion(policy: "p", title: "T", body: [0x61], effectiveFrom: at("2020-02-01T00:00:00Z"), appliesTo: ["staff", "eng"]),
      actor: "hr")
    let v1 = VersionRef(policy: "p", number: 1)
    // Two notices reach S1 at the same time: the first in journal order is named.
    for id in ["Z-first", "A-second"] {
      try ledger.sendNotice(
        NewNotice(id: id, subject: "s", body: [0x62], sentAt: at("2020-02-01T00:00:00Z"), sender: "hr", announces: v1),
        recipients: RecipientList(["S1", "C1"]), actor: "hr")
    }
    let rows = try coverage(ledger, "p", at("2020-03-01T00:00:00Z"))
    #expect(rows.map(\.employee) == ["S1"])
    #expect(rows[0].notice == "Z-first" && rows[0].status == .told)
    let summary = try ledger.coverageSummary("p", at: at("2020-03-01T00:00:00Z"))
    // Every group the version applies to, zero counts included.
    #expect(summary.map { "\($0.group) \($0.employed)" } == ["all 1", "eng 0", "staff 1"])
  }

  @Test func tellingCountsOnlyDeliveriesKnownInTheView() throws {
    let version = VersionFacts(
      seq: 1, policy: "p", number: 1, title: "T", effectiveFrom: at("2020-01-01T00:00:00Z"), effectiveUntil: nil,
      announcedAt: at("2020-01-01T00:00:00Z"), recordedAt: at("2020-01-01T00:00:00Z"), bodySHA256: "x")
    let notice = NoticeFacts(
      seq: 2, id: "N", sentAt: at("2020-02-01T00:00:00Z"), recordedAt: at("2020-02-01T00:00:00Z"), announces: 1,
      viewerDelivery: Delivery(sentAt: at("2020-02-01T00:00:00Z"), recordedAt: at("2020-02-01T00:00:00Z")))
    let facts = PolicyFacts(key: "p", versions: [version], notices: [notice], corrections: [])
    let t = at("2020-03-01T00:00:00Z")
    #expect(Bitemporal.telling(facts, version: version, at: t, in: .init()).told?.notice.id == "N")
    // Received, but sent after k (or recorded after r): not told in that view, and the
    // version, announced only by that notice, is not known to the employee either.
    let early = Bitemporal.telling(facts, version: version, at: t, in: .init(knownAt: at("2020-01-15T00:00:00Z")))
    #expect(early.told == nil && early.believes == nil)
    #expect(Bitemporal.telling(facts, version: version, at: t, in: .init(recordedAt: at("2020-01-15T00:00:00Z"))).told == nil)
    // Sent after t: not told at t.
    #expect(Bitemporal.telling(facts, version: version, at: at("2020-01-20T00:00:00Z"), in: .init()).told == nil)
    #expect(Bitemporal.coverageStatus(toldAt: nil, acknowledgedAt: nil) == .notTold)
    #expect(Bitemporal.coverageStatus(toldAt: t, acknowledgedAt: t) == .acknowledged)
  }

  // MARK: - Export and import

  @Test func employeesExportAndImportRoundTrip() throws {
    let ledger = try workedExample()
    try leave(ledger, "C3002", "2020-07-01T00:00:00Z")
    try join(ledger, "E2001", "2020-07-01T00:00:00Z", ["staff", "eng"])
    let files = try ExportedFiles(of: ledger)
    let copy = try ScratchLedger().ledger
    let summary = try copy.importEmployees(files.file(.employees), actor: "import")
    // One journal entry for the whole file.
    #expect(summary.entries == 1 && summary.rows == 9)
    #expect(copy.entryCount == 1)
    let again = try ExportedFiles(of: copy)
    let expected = try files.records(.employees, without: "recorded_at")
    #expect(try again.records(.employees, without: "recorded_at") == expected)
    #expect(expected.contains(["E2001", "2020-07-01T00:00:00Z", "join", "staff;eng", "hr"]))
    #expect(expected.contains(["C3002", "2020-07-01T00:00:00Z", "leave", "", "hr"]))
    #expect(try copy.verify().isValid)
  }

  @Test func importRefusesAnUnknownEventAndWritesNothing() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E1", "2020-01-01T00:00:00Z")
    let entries = ledger.entryCount
    let text = "employee,at,event,groups\nE2,2020-01-01,join,staff;eng\nE3,2020-01-01,hire,\n"
    expectLedgerError("employees.csv line 3: invalid event 'hire': expected join or leave") {
      try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(text.utf8)), actor: "i")
    }
    let badLeave = "employee,at,event\nE2,2020-01-01,leave\n"
    expectLedgerError("employees.csv line 2: invalid at '2020-01-01T00:00:00Z': 'E2' is not employed then (no join of theirs is in the ledger or the rows above; rows are judged in file order), so cannot leave") {
      try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(badLeave.utf8)), actor: "i")
    }
    // E1 joined in 2020 (the ledger); a row above the leave joins them later still.
    let early = "employee,at,event\nE1,2021-01-01,join\nE1,2019-06-01,leave\n"
    expectLedgerError(
      "employees.csv line 3: invalid at '2019-06-01T00:00:00Z': 'E1' is not employed then (their first join in the ledger or the rows above is later, at 2020-01-01T00:00:00Z; rows are judged in file order), so cannot leave"
    ) { try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(early.utf8)), actor: "i") }
    // A join only in a row above (written before the leave is judged) is named too.
    let above = "employee,at,event\nE7,2021-01-01,join\nE7,2020-06-01,leave\n"
    expectLedgerError(
      "employees.csv line 3: invalid at '2020-06-01T00:00:00Z': 'E7' is not employed then (their first join in the ledger or the rows above is later, at 2021-01-01T00:00:00Z; rows are judged in file order), so cannot leave"
    ) { try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(above.utf8)), actor: "i") }
    let badGroup = "employee,at,event,groups\nE2,2020-01-01,join,a;;b\n"
    expectLedgerError("employees.csv line 2: invalid groups 'a;;b': group '' must not be empty") {
      try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(badGroup.utf8)), actor: "i")
    }
    #expect(ledger.entryCount == entries)
    #expect(ledger.rowCount("employees") == 1)
  }

  // MARK: - import employees: one entry, its rows by count and digest

  @discardableResult
  func importRoster(_ ledger: Ledger, _ text: String, actor: String = "import") throws -> ImportSummary {
    try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(text.utf8)), actor: actor)
  }

  @Test func anImportIsOneEntryWhoseDigestIsTheRowsCanonicalBytes() throws {
    let ledger = try ScratchLedger().ledger
    let summary = try importRoster(ledger, "employee,at,event,groups\nE1,2020-01-01T00:00:00Z,join,staff;eng\n")
    #expect(summary.entries == 1 && summary.rows == 1)
    let entry = try #require(journalEntries(ledger).last)
    #expect(entry.kind == "employee.import" && entry.actor == "import")
    // The digest of docs/journal-format.md's example, computed there byte by byte.
    let expected = RosterImportEntry(rowCount: 1, rowsSHA256: "d7b97b9ae59db817300c340b59757c63b9c46137209bba218d7aeed52d6c3c08")
    #expect(try EntryPayload.decode(kind: entry.kind, bytes: entry.payload) == .rosterImport(expected))
    #expect(EntryPayload.rosterImport(expected).encoded().count == 9 + 69)
    #expect(try employees(ledger, "2020-01-01T00:00:00Z") == ["E1[staff,eng]"])
    #expect(ledger.rowCount("employees") == 1)
    #expect(try ledger.verify().isValid)
    // A file with no rows records nothing.
    #expect(try importRoster(ledger, "employee,at,event\n").entries == 0)
    #expect(ledger.entryCount == 1)
  }

  @Test func importedRowsAndSingleEntriesAreOneRosterInJournalOrder() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E1", "2020-01-01T00:00:00Z", ["staff"])
    // Line 2 joins E2; line 3 transfers E1 at the very time of line 4, which wins (file
    // order); E3 leaves after joining two lines before; E2 joins again (a transfer) at the
    // time of line 2, which line 6 wins.
    try importRoster(
      ledger,
      """
      employee,at,event,groups,by
      E2,2020-02-01T00:00:00Z,join,staff,hr
      E1,2020-03-01T00:00:00Z,join,eng,
      E1,2020-03-01T00:00:00Z,join,ops,
      E3,2020-01-15T00:00:00Z,join,,
      E3,2020-02-15T00:00:00Z,leave,,
      E2,2020-02-01T00:00:00Z,join,sales,

      """)
    #expect(try employees(ledger, "2020-02-01T00:00:00Z") == ["E1[staff]", "E2[sales]", "E3[]"])
    #expect(try employees(ledger, "2020-03-01T00:00:00Z") == ["E1[ops]", "E2[sales]"])
    // A single entry recorded after the import, with the same `at`, comes later in the journal.
    try join(ledger, "E1", "2020-03-01T00:00:00Z", ["eng"])
    #expect(try employees(ledger, "2020-03-01T00:00:00Z") == ["E1[eng]", "E2[sales]"])
    // Every row is known from the import's one recorded_at.
    let times = try PropertyRun.recordedTimes(ledger)
    #expect(try employees(ledger, "2020-03-01T00:00:00Z", view: .init(recordedAt: Instant(microseconds: times[1].microseconds - 1))) == ["E1[staff]"])
    #expect(try employees(ledger, "2020-03-01T00:00:00Z", view: .init(recordedAt: times[1])) == ["E1[ops]", "E2[sales]"])
    // As known at k, each row only from its own `at`.
    #expect(try employees(ledger, "2020-03-01T00:00:00Z", view: .init(knownAt: at("2020-02-10T00:00:00Z"))) == ["E1[staff]", "E2[sales]", "E3[]"])
    // The imported employees are known (rule 15) and completed.
    #expect(ledger.rowCount("employees") == 3)
    // export employees: single entries and rows together, in journal order, `by` kept.
    let exported = try ExportedFiles(of: ledger).records(.employees, without: "recorded_at")
    #expect(exported.map { $0[0] + "," + $0[2] + "," + $0[3] + "," + $0[4] } == [
      "E1,join,staff,hr", "E2,join,staff,hr", "E1,join,eng,import", "E1,join,ops,import", "E3,join,,import",
      "E3,leave,,import", "E2,join,sales,import", "E1,join,eng,hr",
    ])
    #expect(try ledger.verify().isValid)
  }

  @Test func aRoundTripOfImportedRowsKeepsTheirOrderAndTies() throws {
    let ledger = try workedExample()
    try importRoster(
      ledger,
      """
      employee,at,event,groups
      X1,2020-07-01T00:00:00Z,join,staff
      X1,2020-07-01T00:00:00Z,join,contractors
      E1003,2020-07-05T00:00:00Z,leave,
      X2,2020-07-02T00:00:00Z,join,eng;staff

      """)
    try leave(ledger, "X1", "2020-07-08T00:00:00Z")
    let files = try ExportedFiles(of: ledger)
    let copy = try ScratchLedger().ledger
    try copy.importEmployees(files.file(.employees), actor: "import")
    #expect(try again(copy).records(.employees, without: "recorded_at") == files.records(.employees, without: "recorded_at"))
    for time in ["2020-06-01T00:00:00Z", "2020-07-01T00:00:00Z", "2020-07-05T00:00:00Z", "2020-07-09T00:00:00Z"] {
      #expect(try employees(copy, time) == employees(ledger, time), "\(time)")
    }
    #expect(try employees(copy, "2020-07-01T00:00:00Z", group: "contractors").contains("X1[contractors]"))
    #expect(try copy.verify().isValid)
  }

  func again(_ ledger: Ledger) throws -> ExportedFiles { try ExportedFiles(of: ledger) }

  func journalEntries(_ ledger: Ledger) throws -> [JournalEntry] {
    var entries: [JournalEntry] = []
    try ledger.store.forEachEntry { entries.append($0) }
    return entries
  }

  @Test func aRefusedImportWritesNothing() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E1", "2020-01-01T00:00:00Z")
    let journal = try journalEntries(ledger)
    func unchanged() {
      #expect((try? journalEntries(ledger)) == journal)
      #expect(ledger.rowCount("roster_rows") == 1)
      #expect(ledger.rowCount("roster_imports") == 0)
      #expect(ledger.rowCount("employees") == 1)
    }
    // A leave is judged in file order: E2's leave on line 2 comes before E2's join.
    expectLedgerError(
      "employees.csv line 2: invalid at '2020-03-01T00:00:00Z': 'E2' is not employed then (no join of theirs is in the ledger or the rows above; rows are judged in file order), so cannot leave",
      code: .refused
    ) {
      try importRoster(ledger, "employee,at,event\nE2,2020-03-01,leave\nE2,2020-01-01,join\n")
    }
    unchanged()
    // … and against the earlier rows: E1 left on line 2, so cannot leave again on line 3.
    expectLedgerError(
      "employees.csv line 3: invalid at '2020-05-01T00:00:00Z': 'E1' is not employed then (they left at 2020-02-01T00:00:00Z), so cannot leave"
    ) {
      try importRoster(ledger, "employee,at,event\nE1,2020-02-01,leave\nE1,2020-05-01,leave\n")
    }
    unchanged()
    for (text, message) in [
      ("employee,at,event\nE3,2020-01-01,join\nE4,2020-01-01,fire\n", "employees.csv line 3: invalid event 'fire': expected join or leave"),
      ("employee,at,event,groups\nE3,2020-01-01,join,staff;all\n", "employees.csv line 2: invalid groups 'staff;all': every employee is in group 'all'; name the other groups"),
      ("employee,at,event\nE3,2020-13-01,join\n", "employees.csv line 2: invalid at '2020-13-01': month 13 is out of range (01-12)"),
      ("employee,at,event\nE3,,join\n", "employees.csv line 2: invalid at '': must not be empty"),
      ("employee,at,event,groups\nE1,2020-02-01,leave,staff\n", "employees.csv line 2: invalid groups 'staff': a leave has no groups"),
      ("employee,at,event\n E3,2020-01-01,join\n", "employees.csv line 2: invalid employee ' E3': leading or trailing space is not allowed"),
      ("employee,at,event,by\nE3,2020-01-01,join,a\u{7}b\n", "employees.csv line 2: invalid by 'a\\u{07}b': control characters are not allowed"),
    ] {
      #expect(throws: LedgerError.self) { try importRoster(ledger, text) }
      do {
        try importRoster(ledger, text)
      } catch let error as LedgerError {
        #expect(error.description == message)
      }
      unchanged()
    }
  }

  @Test func aLedgerFromBeforeImportsMigratesAndKeepsItsHashes() throws {
    let ledger = try Ledger.temporary()
    try join(ledger, "E1", "2020-01-01T00:00:00Z", ["staff"])
    try join(ledger, "E2", "2020-01-01T00:00:00Z")
    try leave(ledger, "E1", "2020-02-01T00:00:00Z")
    let head = try ledger.head()
    let before = try employees(ledger, "2020-01-15T00:00:00Z")
    // Take the file back to what 0005 left (0007 to 0009, which follow, are undone too).
    try ResentDeliveriesTests.takeBackBeforeResentDeliveries(ledger)
    try ledger.db.execute(
      """
      DROP TABLE roster_rows; DROP TABLE roster_imports; DROP TABLE outstanding_people;
      DROP TRIGGER ledger_migrations_no_delete;
      DELETE FROM ledger_migrations WHERE name IN ('0006_roster_imports', '0007_outstanding_people');
      CREATE TRIGGER ledger_migrations_no_delete BEFORE DELETE ON ledger_migrations
        BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: DELETE is refused'); END;
      """)
    let migrated = try Ledger(path: ledger.path, access: .readWrite)
    #expect(try migrated.head() == head)
    #expect(migrated.rowCount("roster_rows") == 3)
    #expect(try migrated.verify().isValid)
    #expect(try employees(migrated, "2020-01-15T00:00:00Z") == before)
    #expect(try employees(migrated, "2020-03-01T00:00:00Z") == ["E2[]"])
    try importRoster(migrated, "employee,at,event\nE2,2020-03-01,leave\n")
    #expect(try employees(migrated, "2020-03-01T00:00:00Z") == [])
    #expect(try migrated.verify().isValid)
  }

  /// An entry whose payload disagrees with its rows, chained and hashed as if recorded so:
  /// verify's digest comparison alone must catch it.
  @Test(arguments: ["count", "digest"])
  func verifyComparesAnImportsRowsWithItsPayload(_ forged: String) throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "E1", "2020-01-01T00:00:00Z")
    try ledger.write {
      let next = NextEntry(after: try ledger.store.journalHead())
      let writer = try LedgerStore.RosterRowWriter(ledger.db, seq: next.seq)
      var digest = RosterRowsDigest()
      for name in ["E2", "E3"] {
        try writer.add(employee: nil, name: name, at: at("2020-01-01T00:00:00Z"), employed: true, groups: "", actor: nil)
        digest.add(employee: name, at: at("2020-01-01T00:00:00Z").microseconds, employed: true, groups: "", actor: nil)
      }
      try writer.flush()
      let sha = digest.finishHex()
      let entry =
        forged == "count"
        ? RosterImportEntry(rowCount: 3, rowsSHA256: sha) : RosterImportEntry(rowCount: 2, rowsSHA256: String(repeating: "0", count: 64))
      try ledger.append(.rosterImport(entry), actor: "i", next: next)
    }
    let failure = try #require(try ledger.verify().failure)
    #expect(failure.seq == 2)
    #expect(failure.message.hasPrefix("its roster rows do not match: the entry records"), "\(failure.message)")
  }

  /// The import's fast paths give what the general readings give, or hand over.
  @Test func theImportsFastPathsAgreeWithTheGeneralReadings() throws {
    var rng = SplitMix64(seed: 6)
    var fast = 0
    for _ in 0..<20_000 {
      let year = Int.random(in: 0...10_000, using: &rng), month = Int.random(in: 0...13, using: &rng)
      let day = Int.random(in: 0...32, using: &rng), hour = Int.random(in: 0...25, using: &rng)
      let minute = Int.random(in: 0...61, using: &rng), second = Int.random(in: 0...61, using: &rng)
      func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
      var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))Z"
      if Int.random(in: 0...9, using: &rng) == 0 { text = String(text.dropLast()) + "+00:00" }
      let general = try? Instant.parse(text)
      if let quick = RosterFastPath.utcSecond(text) {
        fast += 1
        #expect(quick == general, "\(text)")
      }
    }
    #expect(fast > 3_000)
    #expect(RosterFastPath.utcSecond("2019-01-05T09:00:00Z") == at("2019-01-05T09:00:00Z"))
    #expect(RosterFastPath.utcSecond("2020-02-29T23:59:59Z") == at("2020-02-29T23:59:59Z"))
    #expect(RosterFastPath.utcSecond("0001-01-01T00:00:00Z") == at("0001-01-01T00:00:00Z"))
    for text in ["2019-02-29T00:00:00Z", "2019-01-05 09:00:00Z", "2019-01-05T09:00:00.5Z", "2019-01-05", "now", "2019-01-05T24:00:00Z"] {
      #expect(RosterFastPath.utcSecond(text) == nil, "\(text)")
    }
    for text in [
      "staff", "staff;eng", "staff,eng", "a;b;c", "staff;staff", "all", "staff;all", "a;;b", ";a", "a;", " staff", "staff ; eng",
      "caf\u{E9}", "a\u{7}b", "x;y,z", "ab;a;b", String(repeating: "g", count: 201), "all2;xall",
    ] {
      let general = try? Groups.joined(Groups.parse(text, field: "groups"))
      if let quick = RosterFastPath.groups(text) {
        #expect(quick == general, "\(text)")
      }
    }
    #expect(RosterFastPath.groups("staff;eng") == "staff,eng")
    #expect(RosterFastPath.groups("staff;staff") == nil && RosterFastPath.groups("all") == nil && RosterFastPath.groups("a;;b") == nil)
  }

  /// Rows are written 64 to a statement: a file longer than that, with leaves judged
  /// against rows held back, gives the same roster and a digest verify agrees with.
  @Test func aLongImportIsWrittenInBatchesAndJudgedInFileOrder() throws {
    let ledger = try ScratchLedger().ledger
    var text = "employee,at,event,groups\n"
    for i in 0..<150 { text += "E\(i),2020-01-01T00:00:00Z,join,\(i % 2 == 0 ? "staff" : "eng;staff")\n" }
    // Each leave follows its join by fewer than 64 rows in some cases, more in others.
    for i in stride(from: 0, to: 150, by: 3) { text += "E\(i),2020-02-01T00:00:00Z,leave,\n" }
    text += "E0,2020-02-01T00:00:00Z,join,ops\n"
    let summary = try importRoster(ledger, text)
    #expect(summary.rows == 201 && summary.entries == 1)
    #expect(ledger.rowCount("roster_rows") == 201)
    #expect(try employees(ledger, "2020-01-15T00:00:00Z").count == 150)
    let february = try employees(ledger, "2020-02-15T00:00:00Z")
    #expect(february.count == 101)
    #expect(february.contains("E0[ops]") && !february.contains("E3[eng,staff]") && february.contains("E4[staff]"))
    #expect(try ledger.verify().isValid)
    // A second leave of E3 in a later file is refused, naming its line.
    expectLedgerError(
      "employees.csv line 3: invalid at '2020-03-01T00:00:00Z': 'E3' is not employed then (they left at 2020-02-01T00:00:00Z), so cannot leave"
    ) {
      try importRoster(ledger, "employee,at,event\nE4,2020-03-01,leave\nE3,2020-03-01,leave\n")
    }
    #expect(ledger.rowCount("roster_rows") == 201)
  }

  @Test func importedRowsAndImportsAreAppendOnly() throws {
    let ledger = try ScratchLedger().ledger
    try importRoster(ledger, "employee,at,event\nE1,2020-01-01,join\n")
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    for table in ["roster_rows", "roster_imports"] {
      for (verb, sql) in [("UPDATE", "UPDATE \(table) SET seq = seq"), ("DELETE", "DELETE FROM \(table)")] {
        do {
          try db.execute(sql)
          Issue.record("\(sql) was accepted")
        } catch let error as SQLiteError {
          #expect(error.message == "\(table) is append-only: \(verb) is refused")
        }
      }
    }
    #expect(ledger.rowCount("roster_rows") == 1 && ledger.rowCount("roster_imports") == 1)
  }

  /// New employees of 64 joins are registered by one statement; a batch that names a known
  /// employee, or one employee twice, looks each number up: every row names the right one.
  @Test func batchesOfJoinsRegisterTheRightEmployees() throws {
    let ledger = try ScratchLedger().ledger
    try join(ledger, "K1", "2020-01-01T00:00:00Z", ["staff"])
    var text = "employee,at,event,groups\n"
    for i in 0..<64 { text += "N\(i),2020-01-01T00:00:00Z,join,g\(i)\n" }  // 64 new: one statement
    for i in 64..<127 { text += "N\(i),2020-01-01T00:00:00Z,join,g\(i)\n" }
    text += "K1,2020-02-01T00:00:00Z,join,ops\n"  // known: the second batch looks numbers up
    for i in 127..<190 { text += "N\(i),2020-01-01T00:00:00Z,join,g\(i)\n" }
    text += "N127,2020-02-01T00:00:00Z,join,again\n"  // named twice in the third batch
    try importRoster(ledger, text)
    let rows = try employees(ledger, "2020-03-01T00:00:00Z")
    #expect(rows.count == 191)
    #expect(rows.contains("K1[ops]") && rows.contains("N0[g0]") && rows.contains("N63[g63]") && rows.contains("N64[g64]"))
    #expect(rows.contains("N127[again]") && rows.contains("N189[g189]"))
    #expect(ledger.rowCount("employees") == 191)
    // Every row's employee number is its name's in the directory.
    let mismatched = try ledger.db.prepare(
      "SELECT count(*) FROM roster_rows r JOIN employees e ON e.id = r.employee WHERE r.seq = 2 AND r.groups NOT IN ('g' || substr(e.name, 2), 'ops', 'again')"
    ).first { $0.int64(0) }
    #expect(mismatched == 0)
    #expect(try ledger.verify().isValid)
  }
}
