import Foundation
import PolicyLedger
import Testing

struct InForcePeriodsTests {
  typealias W = WorkedExample
  let newYear = Instant(microseconds: 1_577_865_600 * 1_000_000)  // 2020-01-01T00:00:00-08:00

  @Test func theKnowledgeLaneShowsTheMorningVersionTwoWasBelieved() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    #expect(try ledger.knownPeriods(W.policy) == [
      InForcePeriod(from: newYear, until: W.july10(8), version: 1),
      InForcePeriod(from: W.july10(8), until: W.july10(14), version: 2),
      InForcePeriod(from: W.july10(14), until: nil, version: 1),
    ])
    #expect(try ledger.knownPeriods(W.policy, view: .init(knownAt: W.july10(12))) == [
      InForcePeriod(from: newYear, until: W.july10(8), version: 1),
      InForcePeriod(from: W.july10(8), until: nil, version: 2),
    ])
    #expect(try ledger.knownPeriods(W.policy, view: .init(toldTo: W.missedRetraction)) == [
      InForcePeriod(from: newYear, until: W.july10(8), version: 1),
      InForcePeriod(from: W.july10(8), until: nil, version: 2),
    ])
    #expect(try ledger.knownPeriods(W.policy, from: W.july10(9), to: W.july10(15)) == [
      InForcePeriod(from: W.july10(9), until: W.july10(14), version: 2),
      InForcePeriod(from: W.july10(14), until: nil, version: 1),
    ])
    // Each period agrees with in-force asked at that instant as known at that instant.
    for period in try ledger.knownPeriods(W.policy) {
      let asked = try ledger.inForce(W.policy, at: period.from, view: .init(knownAt: period.from)).first?.version
      #expect(asked == period.version)
    }
    expectLedgerError("no policy 'nope'", code: .notFound) { try ledger.knownPeriods("nope") }
  }

  @Test func inForcePeriodsFollowValidTimeInOneView() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    #expect(try ledger.inForcePeriods(W.policy) == [InForcePeriod(from: newYear, until: nil, version: 1)])
    #expect(try ledger.inForcePeriods(W.policy, view: .init(knownAt: W.july10(12))) == [
      InForcePeriod(from: newYear, until: W.july10(8), version: 1),
      InForcePeriod(from: W.july10(8), until: nil, version: 2),
    ])
    // A repeal: nothing in force after the amended end.
    let end = W.july10(20)
    try ledger.correct(
      NewCorrection(
        id: "A1", kind: .amendment, target: .version(VersionRef(policy: W.policy, number: 1)), issuedAt: W.july10(16),
        statement: "Repealed.", reason: "repeal", effectiveUntil: end),
      recipients: CorrectionRecipients.none, actor: "t")
    #expect(try ledger.inForcePeriods(W.policy) == [
      InForcePeriod(from: newYear, until: end, version: 1), InForcePeriod(from: end, until: nil, version: nil),
    ])
    #expect(try ledger.inForcePeriods(W.policy, from: W.july10(21)) == [InForcePeriod(from: W.july10(21), until: nil, version: nil)])
    // Each period agrees with in-force asked at its start.
    for period in try ledger.inForcePeriods(W.policy, view: .init(knownAt: W.july10(12))) {
      #expect(try ledger.inForce(W.policy, at: period.from, view: .init(knownAt: W.july10(12))).first?.version == period.version)
    }
  }

  @Test func theHeadAndThePoliciesAsRecordedByAnInstant() throws {
    let ledger = try Ledger.temporary()
    #expect(try ledger.head(recordedBy: .now()) == nil)
    try ledger.addVersion(NewVersion(policy: "b", title: "B", body: [], effectiveFrom: newYear), actor: "t")
    let first = try #require(try ledger.head(recordedBy: .now()))
    // recorded_at never decreases but may repeat (within a microsecond, or if the clock
    // steps back): wait until the clock is past the first entry's.
    let deadline = Date().addingTimeInterval(10)
    while Instant.now() <= first.recordedAt && Date() < deadline { usleep(1_000) }
    try #require(Instant.now() > first.recordedAt, "the clock stayed at or before \(first.recordedAt) for 10 s")
    try ledger.addVersion(NewVersion(policy: "a", title: "A", body: [], effectiveFrom: newYear), actor: "t")
    #expect(try ledger.head(recordedBy: first.recordedAt)?.head == first.head)
    #expect(try ledger.head(recordedBy: Instant(microseconds: first.recordedAt.microseconds - 1)) == nil)
    #expect(try ledger.head(recordedBy: .now())?.head == ledger.head())
    #expect(try ledger.policyKeys() == ["a", "b"])
    #expect(try ledger.policyKeys(recordedBy: first.recordedAt) == ["b"])
  }
}
