import Foundation
import PolicyLedger
import Testing

/// The code of the DocC article "Getting started: the worked example"
/// (Sources/PolicyLedger/PolicyLedger.docc/GettingStarted.md), run: ReleaseTests checks that
/// every code line of the article is a line of this file, and this test checks the answers
/// the article's comments give.
@Suite struct GettingStartedTests {
  @Test func theArticlesCodeRecordsTheStoryAndGetsItsAnswers() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-ledger-start-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("tiktok.db").path

    func pacific(_ text: String) throws -> Instant {
      try Instant.parse(text, timeZone: TimeZone(identifier: "America/Los_Angeles")!)
    }

    let ledger = try Ledger(path: path, access: .readWrite)

    try ledger.addVersion(
      NewVersion(
        policy: "mobile-devices", title: "Mobile devices that access company email",
        body: Array("Any phone that accesses company email must use a passcode.\n".utf8),
        effectiveFrom: try pacific("2020-01-01")),
      actor: "hr")
    let v2 = try ledger.addVersion(
      NewVersion(
        policy: "mobile-devices", title: "Mobile devices that access company email",
        body: Array("Delete TikTok from any phone that accesses company email.\n".utf8),
        effectiveFrom: try pacific("2020-07-10T08:00")),
      actor: "hr")

    let notice = try ledger.sendNotice(
      NewNotice(
        id: "N-2020-07-10-0800", subject: "Action required: remove TikTok from mobile devices",
        body: Array("Delete TikTok by end of day today.\n".utf8), sentAt: try pacific("2020-07-10T08:00"),
        sender: "it-security", announces: v2),
      recipients: RecipientList(["E1001", "E1002", "E1003", "E1004"]), actor: "hr")
    try ledger.acknowledge(notice: notice, employee: "E1004", at: try pacific("2020-07-10T08:30"), actor: "hr")

    try ledger.correct(
      NewCorrection(
        id: "R-2020-07-10-1400", kind: .retraction, target: .notice(notice), voidVersion: true,
        issuedAt: try pacific("2020-07-10T14:00"), statement: "This morning's email was sent in error.",
        reason: "sent in error"),
      recipients: .named(RecipientList(["E1001", "E1002", "E1003"])), actor: "hr")

    try ledger.recordRosterEntry(RosterEntry(employee: "E2001", event: .join, at: try pacific("2020-07-06"), groups: ["staff"]), actor: "hr")

    func version(at t: String, _ view: Bitemporal.View = .init()) throws -> Int64? {
      let rows = try ledger.inForce("mobile-devices", at: pacific(t), view: view)
      return rows.first?.version
    }
    let noon = try pacific("2020-07-10T12:00")
    let answers = [
      try version(at: "2020-07-10T12:00"),
      try version(at: "2020-07-10T12:00", .init(knownAt: noon)),
      try version(at: "2020-07-10T15:00", .init(toldTo: "E1004")),
      try version(at: "2020-07-10T15:00", .init(toldTo: "E1001")),
      try version(at: "2020-07-10T15:00", .init(toldTo: "E2001")),
    ]
    #expect(answers == [1, 2, 2, 1, 1])

    let history = try ledger.history("mobile-devices")
    let (numbers, statuses, corrections) = (history.map(\.version), history.map(\.status), history.map(\.correctedBy))
    var outstanding: [String] = []
    try ledger.outstanding(notice: notice) { row in outstanding.append(row.employee) }
    #expect(numbers == [1, 2])
    #expect(statuses == [.inForce, .void])
    #expect(corrections == [[], ["R-2020-07-10-1400"]])
    #expect(outstanding == ["E1004"])

    let result = try ledger.verify()
    #expect(result.isValid && result.entries == 6)

    var message = ""
    do {
      _ = try ledger.history("mobile-devicse")
    } catch let error as LedgerError where error.code == .notFound {
      message = error.description
    }
    #expect(message == "no policy 'mobile-devicse'; did you mean 'mobile-devices'?")
  }
}
