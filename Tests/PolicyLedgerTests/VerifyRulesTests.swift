import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// `verify`'s step 8: an entry the recording commands refuse fails `verify` even when its
/// hash is correct. Each test appends such an entry below the commands' checks, as a bug
/// or someone holding the file could (or as a command does while a projected table was
/// altered and then put back), so the chain, the projections and the recipients all match.
@Suite struct VerifyRulesTests {
  static let t0 = VerifyRecipientsTests.t0

  /// VerifyRecipientsTests' ledger: N1 (seq 1) to E1, E2, E3; N2 (seq 2) to E2, E4; E4
  /// acknowledges N2 (seq 3); C4 retracts N1 to its recipients (seq 4).
  func ledger() throws -> Ledger { try VerifyRecipientsTests().ledger() }

  /// Appends `payload` as the next entry without the recording commands' checks.
  func appendUnchecked(_ ledger: Ledger, _ payload: EntryPayload) throws {
    try ledger.write {
      let next = NextEntry(after: try ledger.store.journalHead())
      try ledger.append(payload, actor: "test", next: next)
      if case .correction = payload { try ledger.store.keepOutstanding(ofNewCorrection: next.seq) }
    }
  }

  func failure(_ ledger: Ledger) throws -> VerifyResult.Failure? {
    try Ledger(path: ledger.path, access: .readOnly).verify().failure
  }

  static func retraction(_ id: String, of target: CorrectionTarget, at: Instant = t0) -> EntryPayload {
    var empty = RecipientDigest()
    return .correction(
      CorrectionEntry(
        id: id, kind: .retraction, target: target, voidVersion: false, issuedAt: at, statement: "S", reason: "R",
        effectiveFrom: nil, effectiveUntil: nil, recipientCount: 0, recipientsSHA256: empty.finishHex()))
  }

  @Test func anAcknowledgementFromSomeoneNeverSentTheNoticeFails() throws {
    let ledger = try ledger()
    try appendUnchecked(ledger, .ack(AckEntry(notice: "N1", employee: "E4", at: Self.t0)))
    let failure = try #require(try failure(ledger))
    #expect(failure.seq == 5)
    #expect(failure.message.hasPrefix("it records 'E4' acknowledging notice 'N1', but no delivery of that notice reached them earlier"))
  }

  @Test func anAcknowledgementBeforeTheDeliveryFails() throws {
    let ledger = try ledger()
    try appendUnchecked(ledger, .ack(AckEntry(notice: "N1", employee: "E1", at: Instant(microseconds: Self.t0.microseconds - 1))))
    #expect(try failure(ledger)?.seq == 5)
    // At the delivery's own instant it is allowed.
    let allowed = try self.ledger()
    try appendUnchecked(allowed, .ack(AckEntry(notice: "N1", employee: "E1", at: Self.t0)))
    #expect(try failure(allowed) == nil)
  }

  @Test func aSecondRetractionOfOneNoticeFailsNamingTheFirst() throws {
    let ledger = try ledger()
    try appendUnchecked(ledger, Self.retraction("R2", of: .notice("N1")))
    let failure = try #require(try failure(ledger))
    #expect(failure.seq == 5)
    #expect(failure.message.hasPrefix("retraction 'R2' retracts the notice that 'C4' already retracted"))
  }

  /// p@1 (seq 1), notice N announcing it to E1 (seq 2).
  func announced() throws -> Ledger {
    let ledger = try Ledger.temporary()
    try ledger.addVersion(NewVersion(policy: "p", title: "P", body: [0x61], effectiveFrom: Self.t0), actor: "test")
    try ledger.sendNotice(
      NewNotice(id: "N", subject: "S", body: [], sentAt: Self.t0, sender: "hr", announces: VersionRef(policy: "p", number: 1)),
      recipients: RecipientList(["E1"]), actor: "test")
    return ledger
  }

  static func voiding(_ id: String, notice: String) -> EntryPayload {
    guard case .correction(var entry) = retraction(id, of: .notice(notice)) else { fatalError() }
    entry.voidVersion = true
    return .correction(entry)
  }

  /// A version voided twice, in either order: retracted, then voided through a notice
  /// announcing it (`void_version`), or the other way round. A retraction of the notice
  /// without `void_version` after the version's is allowed, as recording allows it.
  @Test func aVersionVoidedTwiceFailsInEitherOrder() throws {
    let first = try announced()
    try first.correct(
      NewCorrection(id: "RV", kind: .retraction, target: .version(VersionRef(policy: "p", number: 1)), issuedAt: Self.t0, statement: "S", reason: "R"),
      recipients: .none, actor: "test")
    try first.correct(
      NewCorrection(id: "RN", kind: .retraction, target: .notice("N"), issuedAt: Self.t0, statement: "S", reason: "R"), recipients: .none, actor: "test")
    #expect(try failure(first) == nil)
    try appendUnchecked(first, Self.voiding("RN2", notice: "N"))
    let notice = try #require(try failure(first))
    #expect(notice.seq == 5)
    #expect(notice.message.hasPrefix("retraction 'RN2' retracts the notice that 'RN' already retracted"))

    let second = try announced()
    try appendUnchecked(second, Self.voiding("VN", notice: "N"))
    #expect(try failure(second) == nil)
    try appendUnchecked(second, Self.retraction("RV", of: .version(VersionRef(policy: "p", number: 1))))
    let version = try #require(try failure(second))
    #expect(version.seq == 4)
    #expect(version.message.hasPrefix("retraction 'RV' voids a version that 'VN' had already retracted or voided"))

    let third = try announced()
    try third.correct(
      NewCorrection(id: "RV", kind: .retraction, target: .version(VersionRef(policy: "p", number: 1)), issuedAt: Self.t0, statement: "S", reason: "R"),
      recipients: .none, actor: "test")
    try appendUnchecked(third, Self.voiding("VN", notice: "N"))
    let through = try #require(try failure(third))
    #expect(through.seq == 4)
    #expect(through.message.hasPrefix("retraction 'VN' voids a version that 'RV' had already retracted or voided"))
  }

  @Test func aCorrectionIssuedBeforeItsTargetFails() throws {
    let ledger = try ledger()
    try appendUnchecked(ledger, Self.retraction("R2", of: .notice("N2"), at: Instant(microseconds: Self.t0.microseconds - 1)))
    let failure = try #require(try failure(ledger))
    #expect(failure.seq == 5)
    #expect(failure.message.hasPrefix("correction 'R2' is issued before its target"))
  }

  @Test func aResendBeforeTheMessagesFirstDeliveryFails() throws {
    let ledger = try ledger()
    try ledger.resend(
      "N2", kind: .notice, sentAt: Instant(microseconds: Self.t0.microseconds + 1), recipients: .named(RecipientList(["E5"])), actor: "test")
    #expect(try failure(ledger) == nil)
    let early = try self.ledger()
    try early.write {
      let next = NextEntry(after: try early.store.journalHead())
      // The resend's rows, then its entry, as `resend` writes them, only earlier than N2.
      var list = RecipientList(["E5"])
      let (count, digest) = try early.store.deliver(message: 2, via: next.seq, from: &list)
      try early.append(
        .resend(ResendEntry(message: "N2", sentAt: Instant(microseconds: Self.t0.microseconds - 1), recipientCount: count, recipientsSHA256: digest)),
        actor: "test", next: next)
    }
    let failure = try #require(try failure(early))
    #expect(failure.seq == 5)
    #expect(failure.message.hasPrefix("the resend is sent before its message's first delivery"))
  }

  static func amendment(_ id: String, of target: CorrectionTarget, from: Instant? = nil, until: Instant? = nil) -> EntryPayload {
    guard case .correction(var entry) = retraction(id, of: target) else { fatalError() }
    entry.kind = .amendment
    entry.effectiveFrom = from
    entry.effectiveUntil = until
    return .correction(entry)
  }

  @Test func anAmendmentLeavingAnEmptyPeriodFails() throws {
    // p@1 from t0: an amendment to end it at t0 + 5 s is allowed, then one to start it at
    // t0 + 5 s (with the first, an empty period) is not.
    let ledger = try announced()
    try ledger.correct(
      NewCorrection(id: "A1", kind: .amendment, target: .notice("N"), issuedAt: Self.t0, statement: "S", reason: "R", effectiveUntil: Self.at(5)),
      recipients: .none, actor: "test")
    #expect(try failure(ledger) == nil)
    try appendUnchecked(ledger, Self.amendment("A2", of: .version(VersionRef(policy: "p", number: 1)), from: Self.at(5)))
    let found = try #require(try failure(ledger))
    #expect(found.seq == 4)
    #expect(found.message == "amendment 'A2' leaves p@1 an empty effective period [\(Self.at(5)), \(Self.at(5))) (an amendment leaves a period that is not empty)")
    // One microsecond earlier leaves a period.
    let allowed = try announced()
    try appendUnchecked(allowed, Self.amendment("A", of: .notice("N"), from: Instant(microseconds: Self.at(5).microseconds - 1), until: Self.at(5)))
    #expect(try failure(allowed) == nil)
  }

  @Test func anAmendmentOfANoticeAnnouncingSeveralVersionsOrNoneFails() throws {
    let several = try Ledger.temporary()
    for policy in ["p", "q"] {
      try several.addVersion(NewVersion(policy: policy, title: "P", body: [0x61], effectiveFrom: Self.t0), actor: "test")
    }
    try several.sendNotice(
      NewNotice(
        id: "N", subject: "S", body: [], sentAt: Self.t0, sender: "hr",
        announces: [VersionRef(policy: "p", number: 1), VersionRef(policy: "q", number: 1)]),
      recipients: RecipientList(["E1"]), actor: "test")
    try appendUnchecked(several, Self.amendment("A", of: .notice("N")))
    let found = try #require(try failure(several))
    #expect(found.seq == 4)
    #expect(found.message.hasPrefix("amendment 'A' amends notice 'N', which announces 2 versions"))
    // A notice announcing none: an amendment of its text is allowed, not of a period.
    let none = try ledger()
    try appendUnchecked(none, Self.amendment("A", of: .notice("N1")))
    #expect(try failure(none) == nil)
    try appendUnchecked(none, Self.amendment("B", of: .notice("N1"), until: Self.at(5)))
    #expect(try failure(none)?.message == "amendment 'B' changes an effective period, but notice 'N1' announces no version")
  }

  /// E1 joins at t0 (seq 1) and leaves at t0 + 10 (seq 2).
  func roster() throws -> Ledger {
    let ledger = try Ledger.temporary()
    try ledger.recordRosterEntry(RosterEntry(employee: "E1", event: .join, at: Self.t0, groups: ["staff"]), actor: "test")
    try ledger.recordRosterEntry(RosterEntry(employee: "E1", event: .leave, at: Self.at(10)), actor: "test")
    return ledger
  }

  static func at(_ seconds: Int64) -> Instant { Instant(microseconds: t0.microseconds + seconds * 1_000_000) }

  /// Writes an `import employees` entry of `rows` (employee, seconds after t0, join?) below
  /// the checks, as `importEmployees` writes one.
  func importUnchecked(_ ledger: Ledger, _ rows: [(String, Int64, Bool)]) throws {
    try ledger.write {
      let next = NextEntry(after: try ledger.store.journalHead())
      let writer = try LedgerStore.RosterRowWriter(ledger.store.db, seq: next.seq)
      var digest = RosterRowsDigest()
      for (employee, seconds, join) in rows {
        let groups = join ? "staff" : ""
        try writer.add(employee: nil, name: employee, at: Self.at(seconds), employed: join, groups: groups, actor: nil)
        digest.add(employee: employee, at: Self.at(seconds).microseconds, employed: join, groups: groups, actor: nil)
      }
      try writer.flush()
      try ledger.append(.rosterImport(RosterImportEntry(rowCount: digest.count, rowsSHA256: digest.finishHex())), actor: "test", next: next)
    }
  }

  @Test func aLeaveOfSomeoneNotEmployedFails() throws {
    // Never joined.
    let never = try roster()
    try appendUnchecked(never, .roster(RosterEntry(employee: "E2", event: .leave, at: Self.at(5))))
    let found = try #require(try failure(never))
    #expect(found.seq == 3)
    #expect(
      found.message
        == "it records 'E2' leaving at \(Self.at(5)), but they were not employed then as the journal stood (a leave is of someone employed at its time)"
    )
    // The finding names the time in the zone messages are bound to (`verify --tz`).
    let zone = try #require(TimeZone(identifier: "Asia/Kolkata"))
    let local = try Instant.$messageZone.withValue(zone) { try failure(never) }
    #expect(local?.message.hasPrefix("it records 'E2' leaving at \(Self.at(5).iso8601(in: zone)), but") == true, "\(String(describing: local))")
    #expect(Self.at(5).iso8601(in: zone).hasSuffix("+05:30"))
    // Before the join, at the leave's own instant after it, and a second leave.
    for (seconds, refused) in [(-1, true), (0, false), (9, false), (10, true), (20, true)] as [(Int64, Bool)] {
      let ledger = try roster()
      try appendUnchecked(ledger, .roster(RosterEntry(employee: "E1", event: .leave, at: Self.at(seconds))))
      #expect(try failure(ledger)?.seq == (refused ? 3 : nil), "a leave at t0 + \(seconds) s")
    }
    // A join recorded later at an earlier time is a backfill: a leave before it, recorded
    // before it, was still refused as the journal stood.
    let backfilled = try roster()
    try appendUnchecked(backfilled, .roster(RosterEntry(employee: "E1", event: .leave, at: Self.at(-5))))
    try backfilled.recordRosterEntry(RosterEntry(employee: "E1", event: .join, at: Self.at(-10), groups: []), actor: "test")
    #expect(try failure(backfilled)?.seq == 3)
  }

  @Test func aLeaveInAnImportIsJudgedAgainstTheRowsBeforeIt() throws {
    // A join and then a leave at the same instant: the leave, later in the file, wins the tie.
    let allowed = try roster()
    try importUnchecked(allowed, [("E2", 5, true), ("E2", 5, false)])
    #expect(try failure(allowed) == nil)
    // The leave first: E2 is not employed as the rows before it stand.
    let refused = try roster()
    try importUnchecked(refused, [("E3", 1, true), ("E2", 5, false), ("E2", 5, true)])
    let found = try #require(try failure(refused))
    #expect(found.seq == 3)
    #expect(found.message.hasPrefix("data row 2 of its file (not counting the header) records 'E2' leaving at \(Self.at(5)), but they were not employed then"))
  }

  @Test func theLedgersOfTheOtherTestsPassTheRules() throws {
    #expect(try failure(try ledger()) == nil)
    let demo = try Ledger.temporary()
    try WorkedExample.record(into: demo)
    #expect(try failure(demo) == nil)
  }
}

/// `verify`'s rule step (`Store/RuleCheck.swift`) restates rules 4, 8, 14, 16, 17 and 18 in SQL;
/// this checks it against the model (rule 19's leaves are probed the same way in
/// WorkforcePropertyTests). A step the model and the library refuse for one of
/// those rules is written below the recording checks (in a transaction rolled back
/// afterwards), and the rule step must name that entry, and nothing before it.
enum RuleProbe {
  static let rules = ["acknowledgement", "correction time", "resend time", "second retraction", "amendment"]

  enum Outcome {
    case named
    /// The entry cannot be written at all (its projection refuses it, as a resend to
    /// someone already reached): nothing to judge.
    case notWritable
    case missed(String)
  }

  /// The rule of step 8 that the model's `reason` names, if any.
  static func rule(of reason: String) -> String? {
    if reason.contains("is not a recipient of") || reason == "acknowledged before the notice reached them" { return "acknowledgement" }
    if reason == "issued before its target" { return "correction time" }
    if reason == "amend the version: --version KEY@N" || reason == "the notice announces no version, so there is no period to amend"
      || reason.hasPrefix("the amendment would leave ")
    {
      return "amendment"
    }
    if reason == "a resend before the first delivery" { return "resend time" }
    if ["the notice is already retracted", "a version of it is already void", "the version is already retracted or void"].contains(reason) {
      return "second retraction"
    }
    return nil
  }

  private struct RollBack: Error {}
  private struct NotWritable: Error {}

  static func probe(_ ledger: Ledger, _ step: ReplayModel.Proposal, model: ReplayModel) throws -> Outcome {
    var outcome = Outcome.notWritable
    do {
      try ledger.write {
        let next = NextEntry(after: try ledger.store.journalHead())
        do {
          switch step {
          case .correction(let id, let kind, let target, let voidVersion, let issuedAt, let statement, let reason, let from, let until, _):
            var empty = RecipientDigest()
            try ledger.append(
              .correction(
                CorrectionEntry(
                  id: id, kind: kind, target: target, voidVersion: voidVersion, issuedAt: issuedAt, statement: statement, reason: reason,
                  effectiveFrom: from, effectiveUntil: until, recipientCount: 0, recipientsSHA256: empty.finishHex())),
              actor: "probe", next: next)
          case .ack(let notice, let employee, let at):
            try ledger.append(.ack(AckEntry(notice: notice, employee: employee, at: at)), actor: "probe", next: next)
          case .resend(let id, let sentAt, .named(let ids)):
            guard let message = try ledger.store.messageSeq(id) else { throw NotWritable() }
            var source = RecipientList(ids)
            let (count, digest) = try ledger.store.deliver(message: message, via: next.seq, from: &source)
            try ledger.append(.resend(ResendEntry(message: id, sentAt: sentAt, recipientCount: count, recipientsSHA256: digest)), actor: "probe", next: next)
          default:
            throw NotWritable()
          }
        } catch {
          throw NotWritable()
        }
        let found = try ledger.store.firstRuleViolation()
        outcome =
          found?.seq == next.seq
          ? .named : .missed("verify's rule step gives \(found.map { "entry \($0.seq): \($0.message)" } ?? "nothing"), not entry \(next.seq)")
        throw RollBack()
      }
    } catch is RollBack {
    } catch is NotWritable {
      return .notWritable
    }
    return outcome
  }
}
