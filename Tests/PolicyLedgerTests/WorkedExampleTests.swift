import Foundation
import PolicyLedger
import Testing

/// Every row of the table in spec section 2, asked of the library after
/// `WorkedExample.record(into:)`. Times are written as the spec writes them.
@Suite struct WorkedExampleTests {
  private let scratch: ScratchLedger
  var ledger: Ledger { scratch.ledger }
  let policy = WorkedExample.policy

  init() throws {
    scratch = try ScratchLedger()
    try WorkedExample.record(into: ledger)
  }

  func pacific(_ text: String) throws -> Instant { try Instant.parse(text) }

  func versions(at t: String, asKnownAt k: String? = nil, toldTo employee: String? = nil) throws -> [Int64] {
    let view = Bitemporal.View(knownAt: try k.map(pacific), toldTo: employee)
    return try ledger.inForce(policy, at: try pacific(t), view: view).map(\.version)
  }

  @Test func atNoonAsKnownNowVersionOne() throws {
    #expect(try versions(at: "2020-07-10T12:00-07:00") == [1])
  }

  @Test func atNoonAsKnownAtNoonVersionTwo() throws {
    #expect(try versions(at: "2020-07-10T12:00-07:00", asKnownAt: "2020-07-10T12:00-07:00") == [2])
  }

  @Test func atThreeAsKnownAtThreeVersionOne() throws {
    #expect(try versions(at: "2020-07-10T15:00-07:00", asKnownAt: "2020-07-10T15:00-07:00") == [1])
  }

  @Test func atNoonAsKnownAtSevenVersionOne() throws {
    #expect(try versions(at: "2020-07-10T12:00-07:00", asKnownAt: "2020-07-10T07:00-07:00") == [1])
  }

  @Test func atThreeAsToldToWhoMissedTheRetractionVersionTwo() throws {
    #expect(try versions(at: "2020-07-10T15:00-07:00", toldTo: WorkedExample.missedRetraction) == [2])
  }

  @Test func atThreeAsToldToWhoGotBothOrNeitherVersionOne() throws {
    #expect(try versions(at: "2020-07-10T15:00-07:00", toldTo: WorkedExample.toldBoth) == [1])
    // E2001 is known to the ledger only once something reached them (rule 15).
    #expect(throws: LedgerError.self) { try versions(at: "2020-07-10T15:00-07:00", toldTo: WorkedExample.toldNeither) }
    try WorkedExample.recordNewStarter(into: ledger)
    #expect(try versions(at: "2020-07-10T15:00-07:00", toldTo: WorkedExample.toldNeither) == [1])
  }

  @Test func historyShowsVersionOneInForceAndVersionTwoVoidRetractedInError() throws {
    let rows = try ledger.history(policy)
    #expect(rows.map(\.version) == [1, 2])
    #expect(rows.map(\.status) == [.inForce, .void])
    #expect(rows[0].correctedBy == [])
    #expect(rows[1].correctedBy == [WorkedExample.retractionID])
    // "retracted 14:00, 'sent in error'": the correction that voids it says when and why.
    let retraction = try ledger.show(WorkedExample.retractionID)
    func field(_ name: String) -> Cell? { retraction.columns.firstIndex(of: name).map { retraction.values[$0] } }
    #expect(field("kind") == .text("retraction"))
    #expect(field("issued_at") == .text(try pacific("2020-07-10T14:00-07:00").iso8601()))
    #expect(field("reason") == .text("sent in error"))
    #expect(field("void_version") == .boolean(true))
  }

  @Test func timelineOfARecipientOfBothIsTheNoticeThenTheRetraction() throws {
    let rows = try ledger.timeline(employee: WorkedExample.toldBoth)
    #expect(rows.map(\.at) == [try pacific("2020-07-10T08:00-07:00"), try pacific("2020-07-10T14:00-07:00")])
    #expect(rows.map(\.kind) == [.notice, .retraction])
    #expect(rows.map(\.id) == [WorkedExample.noticeID, WorkedExample.retractionID])
    #expect(rows.map(\.status) == ["retracted", "sent"])
    #expect(rows.allSatisfy { $0.policy == policy && $0.version == 2 })
  }

  @Test func outstandingIsTheNoticeRecipientsWhoNeverGotTheRetraction() throws {
    var rows: [OutstandingRow] = []
    try ledger.outstanding { rows.append($0) }
    let missed = Set(WorkedExample.noticeRecipients).subtracting(WorkedExample.retractionRecipients).sorted()
    #expect(missed == [WorkedExample.missedRetraction])
    #expect(rows.map(\.employee) == missed)
    #expect(rows.allSatisfy { $0.notice == WorkedExample.noticeID && $0.correction == WorkedExample.retractionID })
    #expect(rows.allSatisfy { $0.correctionKind == .retraction })
  }

  // MARK: - The ending: the retraction resent to the one person it missed (rule 16)

  @Test func resendingTheRetractionToWhoMissedItEmptiesOutstanding() throws {
    try WorkedExample.resendRetraction(into: ledger)
    var rows: [OutstandingRow] = []
    try ledger.outstanding { rows.append($0) }
    #expect(rows.isEmpty)
    // Known at 15:00, before the resend, E1004 was still outstanding and still told version 2.
    try ledger.outstanding(view: .init(knownAt: try pacific("2020-07-10T15:00-07:00"))) { rows.append($0) }
    #expect(rows.map(\.employee) == [WorkedExample.missedRetraction])
    #expect(
      try versions(
        at: "2020-07-10T15:00-07:00", asKnownAt: "2020-07-10T15:00-07:00", toldTo: WorkedExample.missedRetraction) == [2])
    #expect(try versions(at: "2020-07-10T16:00-07:00", asKnownAt: "2020-07-10T16:00-07:00", toldTo: WorkedExample.missedRetraction) == [1])
    // E1004's timeline shows the retraction at 16:00, when it reached them.
    let timeline = try ledger.timeline(employee: WorkedExample.missedRetraction)
    #expect(timeline.map(\.kind) == [.notice, .acknowledgement, .retraction])
    #expect(timeline.last?.at == WorkedExample.resentAt)
    #expect(try ledger.verify().isValid)
  }
}
