import Foundation
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
    expectLedgerError("invalid --at '2020-04-01T00:00:00Z': 'E9' is not employed then (no join of theirs is at or before it), so cannot leave") {
      try leave(ledger, "E9", "2020-04-01T00:00:00Z")
    }
    expectLedgerError("invalid --at '2019-04-01T00:00:00Z': 'E1' is not employed then (no join of theirs is at or before it), so cannot leave") {
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
    // Take the file back to what 0003 left (0005, 0007 and 0008, which follow, are undone too).
    try ResentDeliveriesTests.takeBackBeforeResentDeliveries(ledger)
    try ledger.db.execute(
      """
      DROP TABLE roster; ALTER TABLE versions DROP COLUMN applies_to; DROP TABLE notice_versions; DROP TABLE outstanding_people;
      DROP TRIGGER ledger_migrations_no_delete;
      DELETE FROM ledger_migrations WHERE name IN ('0004_workforce', '0005_notice_versions', '0007_outstanding_people');
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
    #expect(summary.entries == 9)
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
    expectLedgerError("employees.csv line 2: invalid at '2020-01-01T00:00:00Z': 'E2' is not employed then (no join of theirs is at or before it), so cannot leave") {
      try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(badLeave.utf8)), actor: "i")
    }
    let badGroup = "employee,at,event,groups\nE2,2020-01-01,join,a;;b\n"
    expectLedgerError("employees.csv line 2: invalid groups 'a;;b': group '' must not be empty") {
      try ledger.importEmployees(ImportFile(name: "employees.csv", bytes: Array(badGroup.utf8)), actor: "i")
    }
    #expect(ledger.entryCount == entries)
    #expect(ledger.rowCount("employees") == 1)
  }
}
