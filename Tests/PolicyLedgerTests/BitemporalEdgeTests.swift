import Foundation
import PolicyLedger
import Testing

/// Hand-picked edges of the bitemporal rules (spec section 3 and section 5's queries), each a
/// small story told through the library's public API. Times are whole hours from `Grid.base`.
@Suite struct BitemporalEdgeTests {
  // MARK: - A tiny story-telling helper

  struct Story {
    private let scratch: ScratchLedger
    var ledger: Ledger { scratch.ledger }
    let policy = "p"

    init() throws { scratch = try ScratchLedger() }

    func h(_ hour: Int, _ microseconds: Int64 = 0) -> Instant { Grid.at(hour, plus: microseconds) }

    @discardableResult
    func version(_ policy: String? = nil, from: Instant, until: Instant? = nil, announced: Instant? = nil) throws -> VersionRef {
      try ledger.addVersion(
        NewVersion(
          policy: policy ?? self.policy, title: "a version", body: Array("text\n".utf8), effectiveFrom: from,
          effectiveUntil: until, announcedAt: announced),
        actor: "edge")
    }

    @discardableResult
    func notice(_ id: String, at: Instant, announces: VersionRef? = nil, to recipients: [String]) throws -> String {
      try ledger.sendNotice(
        NewNotice(id: id, subject: "about \(id)", body: Array("body\n".utf8), sentAt: at, sender: "hr", announces: announces),
        recipients: RecipientList(recipients), actor: "edge")
    }

    @discardableResult
    func retract(
      _ id: String, _ target: CorrectionTarget, voidVersion: Bool = false, at: Instant,
      to recipients: CorrectionRecipients = .defaults
    ) throws -> String {
      try ledger.correct(
        NewCorrection(
          id: id, kind: .retraction, target: target, voidVersion: voidVersion, issuedAt: at, statement: "withdrawn",
          reason: "sent in error"),
        recipients: recipients, actor: "edge")
    }

    @discardableResult
    func amend(
      _ id: String, _ target: CorrectionTarget, at: Instant, from: Instant? = nil, until: Instant? = nil,
      to recipients: CorrectionRecipients = .defaults
    ) throws -> String {
      try ledger.correct(
        NewCorrection(
          id: id, kind: .amendment, target: target, issuedAt: at, statement: "changed", reason: "wrong date",
          effectiveFrom: from, effectiveUntil: until),
        recipients: recipients, actor: "edge")
    }

    func inForce(at t: Instant, k: Instant? = nil, r: Instant? = nil, toldTo: String? = nil) throws -> [Int64] {
      try ledger.inForce(policy, at: t, view: Bitemporal.View(knownAt: k, recordedAt: r, toldTo: toldTo)).map(\.version)
    }

    func history(at t: Instant, k: Instant? = nil, r: Instant? = nil) throws -> [HistoryRow] {
      try ledger.history(policy, at: t, view: Bitemporal.View(knownAt: k, recordedAt: r))
    }

    func outstanding(notice: String? = nil) throws -> [OutstandingRow] {
      var rows: [OutstandingRow] = []
      try ledger.outstanding(notice: notice) { rows.append($0) }
      return rows
    }

    func recipients(of id: String) throws -> [String] {
      var ids: [String] = []
      try ledger.recipients(of: id) { ids.append($0.employee) }
      return ids
    }

    func journalCount() throws -> Int64 { try ledger.head()?.seq ?? 0 }
  }

  // MARK: - Effective periods

  @Test func effectiveFromIsInclusive() throws {
    let s = try Story()
    try s.version(from: s.h(10))
    #expect(try s.inForce(at: s.h(10)) == [1])
    #expect(try s.inForce(at: s.h(10, -1)) == [])
  }

  @Test func effectiveUntilIsExclusive() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.version(from: s.h(10), until: s.h(20))
    #expect(try s.inForce(at: s.h(20, -1)) == [2])
    #expect(try s.inForce(at: s.h(20)) == [1])
  }

  @Test func settingEffectiveUntilWithNoSuccessorRepealsThePolicy() throws {
    let s = try Story()
    let v = try s.version(from: s.h(0))
    try s.amend("repeal", .version(v), at: s.h(5), until: s.h(12))
    #expect(try s.inForce(at: s.h(12, -1)) == [1])
    #expect(try s.inForce(at: s.h(12)) == [])
    #expect(try s.history(at: s.h(12)).map(\.status) == [.expired])
  }

  // MARK: - Known at k, recorded by r

  @Test func businessTimeEqualToKIsKnown() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.version(from: s.h(10), announced: s.h(5))
    #expect(try s.inForce(at: s.h(12), k: s.h(5)) == [2])
    #expect(try s.inForce(at: s.h(12), k: s.h(5, -1)) == [1])
  }

  @Test func correctionIssuedExactlyAtKCounts() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(10))
    try s.retract("R", .version(v2), at: s.h(15))
    #expect(try s.inForce(at: s.h(12), k: s.h(15)) == [1])
    #expect(try s.inForce(at: s.h(12), k: s.h(15, -1)) == [2])
  }

  @Test func recordedAtEqualToRIsKnown() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.version(from: s.h(10))
    let recorded = try PropertyRun.recordedTimes(s.ledger)
    let second = recorded[1]
    #expect(recorded[0] < second, "the two entries need distinct recorded_at for this test")
    #expect(try s.inForce(at: s.h(12), r: second) == [2])
    #expect(try s.inForce(at: s.h(12), r: Instant(microseconds: second.microseconds - 1)) == [1])
    // Recorded before the first entry: the policy exists in the ledger, so an empty answer, not an error.
    #expect(try s.inForce(at: s.h(12), r: Instant(microseconds: recorded[0].microseconds - 1)) == [])
  }

  // MARK: - Rule 6

  @Test func tiesInEffectiveFromGoToTheGreaterVersionNumber() throws {
    let s = try Story()
    try s.version(from: s.h(10))
    let v2 = try s.version(from: s.h(10))
    try s.version(from: s.h(5))
    #expect(try s.inForce(at: s.h(10)) == [2])
    #expect(try s.history(at: s.h(10)).map(\.status) == [.superseded, .inForce, .superseded])
    try s.retract("R", .version(v2), at: s.h(11))
    #expect(try s.inForce(at: s.h(12)) == [1])
  }

  // MARK: - Times written with offsets

  @Test func theSameInstantWrittenWithAnOffsetOrZIsTheSameInstant() throws {
    let pacific = TimeZone(identifier: "America/Los_Angeles")!
    let offset = try Instant.parse("2020-07-10T12:00-07:00")
    let zulu = try Instant.parse("2020-07-10T19:00:00Z")
    let local = try Instant.parse("2020-07-10T12:00", timeZone: pacific)
    #expect(offset == zulu)
    #expect(local == zulu)

    let s = try Story()
    try s.version(from: try Instant.parse("2020-01-01T00:00-08:00"))
    try s.version(from: offset)  // effective from 12:00 Pacific
    // Asked at the same instant written as Z: inclusive from, so version 2.
    #expect(try s.inForce(at: zulu) == [2])
    #expect(try s.inForce(at: try Instant.parse("2020-07-10T18:59:59.999999Z")) == [1])
    #expect(try s.inForce(at: try Instant.parse("2020-07-10T13:00-06:00")) == [2])
    let row = try #require(try s.ledger.inForce(s.policy, at: zulu).first)
    #expect(row.effectiveFrom.iso8601() == "2020-07-10T19:00:00Z")
    #expect(row.effectiveFrom.iso8601(in: pacific) == "2020-07-10T12:00:00-07:00")
  }

  // MARK: - Rule 4: amendments

  @Test func amendmentsApplyInJournalOrderNotIssuedOrder() throws {
    let s = try Story()
    let v = try s.version(from: s.h(0))
    try s.amend("A1", .version(v), at: s.h(20), until: s.h(30))
    try s.amend("A2", .version(v), at: s.h(10), until: s.h(25))  // issued earlier, recorded later
    let now = try #require(try s.ledger.inForce(s.policy, at: s.h(1)).first)
    #expect(now.effectiveUntil == s.h(25))  // the later one in the journal wins
    #expect(try s.inForce(at: s.h(25)) == [])
    // Known at h15, only A2 had been issued.
    let then = try #require(try s.ledger.inForce(s.policy, at: s.h(1), view: .init(knownAt: s.h(15))).first)
    #expect(then.effectiveUntil == s.h(25))
    // Known at h9, neither.
    let before = try #require(try s.ledger.inForce(s.policy, at: s.h(1), view: .init(knownAt: s.h(9))).first)
    #expect(before.effectiveUntil == nil)
  }

  @Test func amendingANoticeAmendsTheVersionItAnnounces() throws {
    let s = try Story()
    let v = try s.version(from: s.h(10))
    try s.notice("N", at: s.h(10), announces: v, to: ["E1"])
    try s.amend("A", .notice("N"), at: s.h(11), from: s.h(12))
    #expect(try s.inForce(at: s.h(11)) == [])
    #expect(try s.inForce(at: s.h(12)) == [1])
    #expect(try s.history(at: s.h(12)).map(\.correctedBy) == [["A"]])
  }

  @Test func anAmendmentThatWouldEmptyThePeriodIsRefusedAndNothingIsWritten() throws {
    let s = try Story()
    let v = try s.version(from: s.h(10))
    try s.amend("A1", .version(v), at: s.h(11), until: s.h(20))
    let head = try s.ledger.head()
    // Alone, from h25 would be fine; with A1 already in the journal the period is [h25, h20).
    let error = #expect(throws: LedgerError.self) { try s.amend("A2", .version(v), at: s.h(12), from: s.h(25)) }
    #expect(
      error?.description
        == "this amendment would leave p@1 an empty effective period [\(s.h(25)), \(s.h(20))); effective_until must be after effective_from"
    )
    #expect(try s.ledger.head() == head)
    // Exactly equal bounds are empty too.
    #expect(throws: LedgerError.self) { try s.amend("A3", .version(v), at: s.h(12), until: s.h(10)) }
    #expect(try s.ledger.head() == head)
    // The refused ids were not taken.
    try s.amend("A2", .version(v), at: s.h(12), from: s.h(15))
    #expect(try s.journalCount() == 3)
  }

  @Test func aPartialViewMaySeeAnEmptyPeriodAndThenNothingIsInForce() throws {
    let s = try Story()
    let v = try s.version(from: s.h(10), announced: s.h(0))
    try s.amend("A1", .version(v), at: s.h(20), from: s.h(2))  // [h2, open)
    try s.amend("A2", .version(v), at: s.h(15), until: s.h(5))  // [h2, h5)
    #expect(try s.inForce(at: s.h(3)) == [1])
    // Known at h16: A2 but not A1, so [h10, h5): empty, in force nowhere, and not an error.
    for hour in [3, 5, 10, 12] {
      #expect(try s.inForce(at: s.h(hour), k: s.h(16)) == [])
    }
    let rows = try s.history(at: s.h(16), k: s.h(16))
    #expect(rows.map(\.effectiveFrom) == [s.h(10)])
    #expect(rows.map(\.effectiveUntil) == [s.h(5)])
    #expect(rows.map(\.status) == [.expired])
  }

  // MARK: - Rules 2, 3 and 12: voiding and telling

  @Test func retractingANoticeWithoutVoidVersionLeavesItsVersionInForceAndKnownThroughIt() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(8))
    try s.notice("N", at: s.h(8), announces: v2, to: ["E1", "E2"])
    try s.notice("Other", at: s.h(1), to: ["E3"])  // E3 is known to the ledger (rule 15), told nothing of v2
    try s.retract("R", .notice("N"), at: s.h(10), to: .named(RecipientList(["E1"])))
    #expect(try s.inForce(at: s.h(12)) == [2])
    #expect(try s.inForce(at: s.h(12), toldTo: "E1") == [2])  // the retracted notice still told E1
    #expect(try s.inForce(at: s.h(12), toldTo: "E2") == [2])
    #expect(try s.inForce(at: s.h(12), toldTo: "E3") == [1])  // never told
    let rows = try s.history(at: s.h(12))
    #expect(rows.map(\.status) == [.superseded, .inForce])
    #expect(rows.map(\.correctedBy) == [[], ["R"]])  // listed, though not void
    #expect(try s.ledger.timeline(employee: "E1").map(\.status) == ["retracted", "sent"])
    #expect(try s.outstanding().map { "\($0.notice) \($0.employee) \($0.correction)" } == ["N E2 R"])
  }

  @Test func aVoidVersionStillStandsForWhoeverMissedTheVoidingRetraction() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(8))
    try s.notice("N", at: s.h(8), announces: v2, to: ["E1", "E2"])
    try s.retract("R", .notice("N"), voidVersion: true, at: s.h(10), to: .named(RecipientList(["E1"])))
    #expect(try s.inForce(at: s.h(12)) == [1])
    #expect(try s.inForce(at: s.h(12), toldTo: "E1") == [1])
    #expect(try s.inForce(at: s.h(12), toldTo: "E2") == [2])
    #expect(try s.history(at: s.h(12)).map(\.status) == [.inForce, .void])
  }

  @Test func aVersionNoNoticeAnnouncesIsKnownToEveryone() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.notice("Hello", at: s.h(0), to: ["E1", "E2", "someone-told-nothing-else"])
    #expect(try s.inForce(at: s.h(1), toldTo: "E1") == [1])
    #expect(try s.inForce(at: s.h(1), toldTo: "someone-told-nothing-else") == [1])
    let v2 = try s.version(from: s.h(5))
    try s.notice("N", at: s.h(6), announces: v2, to: ["E1"])
    #expect(try s.inForce(at: s.h(7), toldTo: "E1") == [2])
    #expect(try s.inForce(at: s.h(7), toldTo: "E2") == [1])
    // E1 knows version 2 from the notice's sent_at on, not from its announced_at.
    #expect(try s.inForce(at: s.h(7), k: s.h(6, -1), toldTo: "E1") == [1])
    #expect(try s.inForce(at: s.h(7), k: s.h(6, -1)) == [2])
    // Nor, before that notice was sent, to anyone else: a notice announces it, so it is not public.
    #expect(try s.inForce(at: s.h(7), k: s.h(6, -1), toldTo: "E2") == [1])
  }

  @Test func aNoticeSentBeforeTheVersionIsAnnouncedTellsItsRecipientsFromItsSentAt() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(20))  // announced_at defaults to h20 (rule 7)
    try s.notice("N", at: s.h(10), announces: v2, to: ["E1"])
    // Rule 1: the notice makes version 2 known from its sent_at, in every view.
    #expect(try s.history(at: s.h(12), k: s.h(12)).map(\.version) == [1, 2])
    #expect(try s.history(at: s.h(12), k: s.h(10, -1)).map(\.version) == [1])
    #expect(
      try s.ledger.history(s.policy, at: s.h(12), view: .init(knownAt: s.h(12), toldTo: "E1")).map(\.status) == [
        .inForce, .scheduled,
      ])
  }

  @Test func asToldToACorrectionCountsOnlyIfReceived() throws {
    let s = try Story()
    let v1 = try s.version(from: s.h(0))
    try s.notice("Hello", at: s.h(0), to: ["E1"])
    try s.retract("R", .version(v1), at: s.h(5), to: .none)
    #expect(try s.inForce(at: s.h(6)) == [])
    #expect(try s.inForce(at: s.h(6), toldTo: "E1") == [1])
  }

  @Test func anEmployeeTheLedgerNeverSawIsAnErrorWithTheNearestNames() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.notice("Hello", at: s.h(0), to: ["E1001"])
    #expect(throws: LedgerError.self) { try s.inForce(at: s.h(1), toldTo: "NOBODY") }
    do {
      _ = try s.inForce(at: s.h(1), toldTo: "E1010")
      Issue.record("no error")
    } catch let error as LedgerError {
      #expect(error.description.hasPrefix("no employee 'E1010' in this ledger"))
      #expect(error.description.contains("'E1001'"))
    }
    #expect(throws: LedgerError.self) { try s.ledger.history(s.policy, view: .init(toldTo: "NOBODY")) }
    #expect(throws: LedgerError.self) { try s.ledger.policies(at: s.h(1), view: .init(toldTo: "NOBODY")) }
  }

  @Test func retractingAVersionVoidsIt() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(5))
    try s.notice("N", at: s.h(5), announces: v2, to: ["E1"])
    try s.retract("R", .version(v2), at: s.h(6))
    #expect(try s.inForce(at: s.h(7)) == [1])
    #expect(try s.inForce(at: s.h(7), toldTo: "E1") == [1])  // the default recipients include E1
    #expect(try s.history(at: s.h(7)).map(\.status) == [.inForce, .void])
    #expect(try s.ledger.timeline(employee: "E1").map(\.status) == ["retracted", "sent"])
  }

  @Test func defaultRecipientsOfAVersionCorrectionAreEveryAnnouncingNoticesRecipientsOnce() throws {
    let s = try Story()
    let v = try s.version(from: s.h(0))
    try s.notice("N1", at: s.h(1), announces: v, to: ["E1", "E2"])
    try s.notice("N2", at: s.h(2), announces: v, to: ["E3", "E2"])
    try s.notice("other", at: s.h(2), to: ["E9"])
    try s.amend("A", .version(v), at: s.h(3))
    #expect(try s.recipients(of: "A") == ["E1", "E2", "E3"])
    // Only the notices in the journal at that moment.
    try s.notice("N3", at: s.h(4), announces: v, to: ["E4"])
    #expect(try s.recipients(of: "A") == ["E1", "E2", "E3"])
    try s.retract("R", .version(v), at: s.h(5))
    #expect(try s.recipients(of: "R") == ["E1", "E2", "E3", "E4"])
    // A correction of a notice goes to that notice's recipients.
    try s.amend("B", .notice("N2"), at: s.h(5))
    #expect(try s.recipients(of: "B") == ["E2", "E3"])
    // Or to whom the caller names, or to nobody.
    try s.amend("C", .notice("N2"), at: s.h(5), to: .named(RecipientList(["E7"])))
    try s.amend("D", .notice("N2"), at: s.h(5), to: .none)
    #expect(try s.recipients(of: "C") == ["E7"])
    #expect(try s.recipients(of: "D") == [])
  }

  // MARK: - history

  @Test func historyReachesEveryStatus() throws {
    let s = try Story()
    try s.version(from: s.h(0))  // v1: in force at h15 (v2 ended)
    try s.version(from: s.h(5), until: s.h(8))  // v2: ended, nothing later has begun: expired
    try s.version(from: s.h(20))  // v3: starts after h15: scheduled
    let v4 = try s.version(from: s.h(2))  // v4: would be in force, but retracted: void
    try s.version(from: s.h(1), until: s.h(3))  // v5: ended, and v2 outranks it: superseded
    #expect(try s.history(at: s.h(15)).map(\.status) == [.superseded, .expired, .scheduled, .inForce, .superseded])
    try s.retract("R", .version(v4), at: s.h(16))
    #expect(try s.history(at: s.h(15)).map(\.status) == [.inForce, .expired, .scheduled, .void, .superseded])
    // Known before the retraction, v4 is in force and v1 superseded.
    #expect(try s.history(at: s.h(15), k: s.h(15)).map(\.version) == [1, 2, 4, 5])
    #expect(try s.history(at: s.h(15), k: s.h(15)).map(\.status) == [.superseded, .expired, .inForce, .superseded])
  }

  @Test func historyAtDefaultsToKThenToNow() throws {
    let s = try Story()
    try s.version(from: s.h(0), announced: s.h(0))
    try s.version(from: s.h(10), announced: s.h(0))
    #expect(try s.ledger.history(s.policy, view: .init(knownAt: s.h(5))).map(\.status) == [.inForce, .scheduled])
    #expect(try s.ledger.history(s.policy).map(\.status) == [.superseded, .inForce])
  }

  @Test func correctedByListsTheKnownCorrectionsJoinedWithSemicolons() throws {
    let s = try Story()
    let v = try s.version(from: s.h(0))
    try s.notice("N", at: s.h(1), announces: v, to: ["E1"])
    try s.amend("C-b", .version(v), at: s.h(3))
    try s.amend("C-a", .notice("N"), at: s.h(2))
    try s.version("other", from: s.h(0))
    let rows = try s.history(at: s.h(5))
    #expect(rows.map(\.correctedBy) == [["C-b", "C-a"]])
    let column = try #require(HistoryRow.columns.firstIndex(of: "corrected_by"))
    #expect(rows[0].cells(timeZone: nil)[column] == .list(["C-b", "C-a"]))
    #expect(try s.history(at: s.h(5), k: s.h(2)).map(\.correctedBy) == [["C-a"]])
  }

  // MARK: - timeline

  @Test func timelineNoticeStatusIsTheLastThatApplies() throws {
    let s = try Story()
    let versions = try (0..<4).map { _ in try s.version(from: s.h(0)) }
    for (i, v) in versions.enumerated() { try s.notice("N\(i)", at: s.h(1), announces: v, to: ["E1"]) }
    for i in 1...3 { try s.ledger.acknowledge(notice: "N\(i)", employee: "E1", at: s.h(2), actor: "edge") }
    try s.amend("A2", .notice("N2"), at: s.h(3), to: .none)
    try s.amend("A3", .version(versions[3]), at: s.h(3), to: .none)
    try s.retract("R3", .notice("N3"), at: s.h(4), to: .none)
    func notices(_ rows: [TimelineRow]) -> [String] { rows.filter { $0.kind == .notice }.map(\.status) }
    #expect(notices(try s.ledger.timeline(employee: "E1")) == ["sent", "acknowledged", "amended", "retracted"])
    #expect(notices(try s.ledger.timeline(policy: s.policy)) == ["sent", "sent", "amended", "retracted"])
    #expect(notices(try s.ledger.timeline(employee: "E1", view: .init(knownAt: s.h(3)))) == ["sent", "acknowledged", "amended", "amended"])
    #expect(notices(try s.ledger.timeline(employee: "E1", view: .init(knownAt: s.h(2)))) == ["sent", "acknowledged", "acknowledged", "acknowledged"])
    // The employee's own rows: four notices and three acknowledgements; corrections went to nobody.
    let rows = try s.ledger.timeline(employee: "E1")
    #expect(rows.map(\.kind) == [.notice, .notice, .notice, .notice, .acknowledgement, .acknowledgement, .acknowledgement])
    #expect(rows.filter { $0.kind == .acknowledgement }.map(\.id) == ["N1", "N2", "N3"])
    #expect(rows.filter { $0.kind == .acknowledgement }.allSatisfy { $0.status == "acknowledged" })
    // The policy's rows: its versions, the notices and the corrections, at their own times;
    // a correction row names its target.
    let policyRows = try s.ledger.timeline(policy: s.policy)
    #expect(policyRows.map(\.id) == ["p@1", "p@2", "p@3", "p@4", "N0", "N1", "N2", "N3", "A2", "A3", "R3"])
    #expect(policyRows.map(\.kind).prefix(4) == [.version, .version, .version, .version])
    #expect(policyRows.suffix(3).map(\.target) == ["N2", "p@4", "N3"])
    #expect(policyRows.prefix(8).allSatisfy { $0.target == nil })
  }

  @Test func timelineFromAndToIncludeBothEnds() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    for hour in [2, 4, 6] { try s.notice("N\(hour)", at: s.h(hour), to: ["E1"]) }
    func ids(_ from: Instant?, _ to: Instant?) throws -> [String] {
      try s.ledger.timeline(employee: "E1", from: from, to: to).map(\.id)
    }
    #expect(try ids(s.h(2), s.h(6)) == ["N2", "N4", "N6"])
    #expect(try ids(s.h(2, 1), s.h(6)) == ["N4", "N6"])
    #expect(try ids(s.h(2), s.h(6, -1)) == ["N2", "N4"])
    #expect(try ids(s.h(4), s.h(4)) == ["N4"])
    #expect(try ids(nil, s.h(3)) == ["N2"])
  }

  @Test func timelineRowsAreInOrderOfAtThenJournalOrder() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.notice("late", at: s.h(5), to: ["E1"])
    try s.notice("early", at: s.h(1), to: ["E1"])
    try s.notice("tie-first", at: s.h(3), to: ["E1"])
    try s.ledger.acknowledge(notice: "early", employee: "E1", at: s.h(3), actor: "edge")
    try s.notice("tie-last", at: s.h(3), to: ["E1"])
    #expect(try s.ledger.timeline(employee: "E1").map(\.id) == ["early", "tie-first", "early", "tie-last", "late"])
  }

  /// A message that reached the employee by a resend takes the resend's place in journal
  /// order, as it takes its time: at a tie it follows what was recorded before the resend,
  /// though the message itself was recorded earlier. A policy's timeline keeps the
  /// message's own place.
  @Test func aRowReachedByAResendTakesTheResendsPlaceAtATie() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.notice("first", at: s.h(1), to: ["E2"])
    try s.notice("between", at: s.h(3), to: ["E1"])
    try s.ledger.resend("first", kind: .notice, sentAt: s.h(3), recipients: .named(RecipientList(["E1"])), actor: "edge")
    try s.retract("fix", .notice("between"), at: s.h(4), to: .none)
    try s.notice("other", at: s.h(5), to: ["E1"])
    try s.ledger.resend("fix", kind: .correction, sentAt: s.h(5), recipients: .named(RecipientList(["E1"])), actor: "edge")
    try s.notice("after", at: s.h(5), to: ["E1"])
    let rows = try s.ledger.timeline(employee: "E1")
    #expect(rows.map(\.id) == ["between", "first", "other", "fix", "after"])
    #expect(rows.map(\.at) == [s.h(3), s.h(3), s.h(5), s.h(5), s.h(5)])
    // E2 got "first" by its own entry.
    #expect(try s.ledger.timeline(employee: "E2").map(\.id) == ["first"])
  }

  // MARK: - outstanding

  @Test func outstandingIsOrderedByNoticeCorrectionEmployee() throws {
    let s = try Story()
    let v = try s.version(from: s.h(0))
    try s.notice("b", at: s.h(1), announces: v, to: ["E2", "E10", "E1"])
    try s.notice("a", at: s.h(1), announces: v, to: ["E3"])
    try s.retract("z", .version(v), at: s.h(2), to: .none)
    try s.amend("y", .notice("b"), at: s.h(2), to: .named(RecipientList(["E10"])))
    let rows = try s.outstanding().map { "\($0.notice) \($0.correction) \($0.employee) \($0.correctionKind.rawValue)" }
    #expect(rows == ["a z E3 retraction", "b y E1 amendment", "b y E2 amendment", "b z E1 retraction", "b z E10 retraction", "b z E2 retraction"])
    #expect(try s.outstanding(notice: "a").map(\.employee) == ["E3"])
  }

  // MARK: - Rule 15

  @Test func anUnknownPolicyIsAnErrorAndAKnownOneWithNothingInForceIsEmpty() throws {
    let s = try Story()
    try s.version(from: s.h(10))
    expectLedgerError("no policy 'nope'", code: .notFound) { try s.ledger.inForce("nope", at: s.h(12)) }
    expectLedgerError("no policy 'nope'", code: .notFound) { try s.ledger.history("nope") }
    expectLedgerError("no policy 'nope'", code: .notFound) { try s.ledger.timeline(policy: "nope") }
    #expect(try s.inForce(at: s.h(9)) == [])
    #expect(try s.ledger.inForce(nil, at: s.h(9)).isEmpty)
    #expect(try s.inForce(at: s.h(12), k: s.h(9)) == [])
    #expect(try s.history(at: s.h(12), k: s.h(9)).isEmpty)
  }
}
