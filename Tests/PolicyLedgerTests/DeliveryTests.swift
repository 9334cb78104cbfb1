import Foundation
import PolicyLedger
import Testing

/// Deliveries (rule 16) and the rules that read them: a resend reaches more people later,
/// is refused with nothing written when it cannot be right, and everything that says
/// "received" counts it from its own time (rules 1, 8, 9, 12, 14), while a second
/// retraction is refused (rule 18).
@Suite struct DeliveryTests {
  typealias Story = BitemporalEdgeTests.Story

  /// Version 1 from h0, version 2 from h8 announced by notice N (h8) to E1, E2, E3, and a
  /// retraction R of N with void_version at h10 to E1 only.
  func story() throws -> Story {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(8))
    try s.notice("N", at: s.h(8), announces: v2, to: ["E1", "E2", "E3"])
    try s.retract("R", .notice("N"), voidVersion: true, at: s.h(10), to: .named(RecipientList(["E1"])))
    return s
  }

  func resend(_ s: Story, _ id: String, _ kind: MessageKind = .correction, at: Instant, to ids: [String]) throws {
    try s.ledger.resend(id, kind: kind, sentAt: at, recipients: .named(RecipientList(ids)), actor: "test")
  }

  /// `body` must fail with exactly `message`, and leave the journal as it was.
  func refuses(_ s: Story, _ message: String, _ body: () throws -> Void) throws {
    let before = try s.ledger.head()
    do {
      try body()
      Issue.record("accepted; expected: \(message)")
    } catch let error as LedgerError {
      #expect(error.description == message)
    }
    #expect(try s.ledger.head() == before)
    #expect(try s.ledger.verify().isValid)
  }

  // MARK: - Rule 9: outstanding clears

  @Test func aResendOfTheRetractionClearsOutstandingFromItsOwnTime() throws {
    let s = try story()
    #expect(try s.outstanding().map(\.employee) == ["E2", "E3"])
    try resend(s, "R", at: s.h(12), to: ["E2"])
    #expect(try s.outstanding().map(\.employee) == ["E3"])
    // As known before the resend was sent, E2 still had not been told.
    var before: [String] = []
    try s.ledger.outstanding(view: .init(knownAt: s.h(11))) { before.append($0.employee) }
    #expect(before == ["E2", "E3"])
    try s.ledger.resend("R", kind: .correction, sentAt: s.h(13), recipients: .outstanding, actor: "test")
    #expect(try s.outstanding().isEmpty)
    #expect(try s.recipients(of: "R") == ["E1", "E2", "E3"])
    var sentAt: [Instant] = []
    try s.ledger.recipients(of: "R") { sentAt.append($0.sentAt) }
    #expect(sentAt == [s.h(10), s.h(12), s.h(13)])
    #expect(try s.ledger.verify().isValid)
  }

  // MARK: - Rule 12: as told to E, from the delivery that reached E

  @Test func asToldToAResentRetractionCountsFromTheResendsTime() throws {
    let s = try story()
    try resend(s, "R", at: s.h(12), to: ["E2"])
    #expect(try s.inForce(at: s.h(11), k: s.h(11), toldTo: "E2") == [2])
    #expect(try s.inForce(at: s.h(12), k: s.h(12), toldTo: "E2") == [1])
    #expect(try s.inForce(at: s.h(12), k: s.h(12), toldTo: "E3") == [2])
  }

  @Test func aResentNoticeTellsItsNewRecipientsFromTheResendsTime() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(8))
    try s.notice("N", at: s.h(8), announces: v2, to: ["E1"])
    try s.notice("Hello", at: s.h(0), to: ["E9"])
    try resend(s, "N", .notice, at: s.h(20), to: ["E9"])
    #expect(try s.inForce(at: s.h(21), k: s.h(19), toldTo: "E9") == [1])
    #expect(try s.inForce(at: s.h(21), k: s.h(20), toldTo: "E9") == [2])
    // The employee's timeline shows the delivery that reached them, at its own time.
    #expect(try s.ledger.timeline(employee: "E9").map(\.at) == [s.h(0), s.h(20)])
  }

  // MARK: - Rule 1: a notice makes its version known

  @Test func aNoticeBeforeTheVersionsAnnouncedAtMakesItKnownFromItsSentAt() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(30), announced: s.h(30))
    try s.notice("N", at: s.h(20), announces: v2, to: ["E1001"])
    #expect(try s.inForce(at: s.h(31), k: s.h(19)) == [1])
    #expect(try s.inForce(at: s.h(31), k: s.h(20)) == [2])
    #expect(try s.inForce(at: s.h(31), k: s.h(20), toldTo: "E1001") == [2])
  }

  // MARK: - Rule 14: no acknowledgement before the delivery that reached the employee

  @Test func anAckBeforeTheResendThatReachedTheEmployeeIsRefused() throws {
    let s = try story()
    try s.notice("Hello", at: s.h(0), to: ["E4"])
    try resend(s, "N", .notice, at: s.h(20), to: ["E4"])
    try refuses(s, "invalid --at '\(s.h(15))': notice 'N' reached 'E4' later, by a resend, at \(s.h(20))") {
      try s.ledger.acknowledge(notice: "N", employee: "E4", at: s.h(15), actor: "test")
    }
    try s.ledger.acknowledge(notice: "N", employee: "E4", at: s.h(20), actor: "test")
  }

  // MARK: - Rule 8: default recipients over every delivery

  @Test func aCorrectionsDefaultRecipientsIncludeThoseAResendReached() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    try s.notice("N", at: s.h(1), to: ["E1"])
    try resend(s, "N", .notice, at: s.h(2), to: ["E2"])
    try s.amend("A", .notice("N"), at: s.h(3))
    #expect(try s.recipients(of: "A") == ["E1", "E2"])
  }

  // MARK: - Rule 16: refusals, nothing written

  @Test func aResendToSomeoneItAlreadyReachedIsRefused() throws {
    let s = try story()
    try refuses(s, "invalid recipient 'E1' (--to): already received 'R' at \(s.h(10)); name only those it has not reached") {
      try resend(s, "R", at: s.h(12), to: ["E2", "E1"])
    }
    try resend(s, "R", at: s.h(12), to: ["E2"])
    try refuses(s, "invalid recipient 'E2' (--to): already received 'R' at \(s.h(12)); name only those it has not reached") {
      try resend(s, "R", at: s.h(13), to: ["E2"])
    }
    try refuses(s, "duplicate recipient 'E3' (--to)") { try resend(s, "R", at: s.h(13), to: ["E3", "E3"]) }
  }

  @Test func anEmptyResendIsRefused() throws {
    let s = try story()
    try refuses(s, "an empty resend of 'R': name at least one recipient (give --to or --recipients-file)") {
      try resend(s, "R", at: s.h(12), to: [])
    }
  }

  @Test func aResendEarlierThanTheFirstDeliveryIsRefused() throws {
    let s = try story()
    try refuses(s, "invalid --sent-at '\(s.h(9))': 'R' was first delivered later, at \(s.h(10)); a resend comes after it") {
      try resend(s, "R", at: s.h(9), to: ["E2"])
    }
  }

  @Test func outstandingWhenNothingIsOutstandingIsRefused() throws {
    let s = try story()
    try resend(s, "R", at: s.h(12), to: ["E2", "E3"])
    try refuses(s, "nothing is outstanding for 'R': every recipient of what it corrects has received it") {
      try s.ledger.resend("R", kind: .correction, sentAt: s.h(13), recipients: .outstanding, actor: "test")
    }
  }

  @Test func aResendOfTheWrongKindOrOfNothingIsRefused() throws {
    let s = try story()
    try refuses(s, "'R' is a correction, not a notice; deliver it again with 'correct resend R'") {
      try resend(s, "R", .notice, at: s.h(12), to: ["E2"])
    }
    try refuses(s, "'N' is a notice, not a correction; deliver it again with 'notice resend N'") {
      try resend(s, "N", .correction, at: s.h(12), to: ["E4"])
    }
    try refuses(s, "no correction 'Q' in this ledger") { try resend(s, "Q", at: s.h(12), to: ["E2"]) }
  }

  @Test func resendingARetractedNoticeIsAllowed() throws {
    let s = try story()
    try resend(s, "N", .notice, at: s.h(12), to: ["E4"])
    #expect(try s.outstanding().map(\.employee) == ["E2", "E3", "E4"])
  }

  // MARK: - Rule 18: no second retraction

  @Test func aSecondRetractionOfTheSameNoticeIsRefusedAndPointsToResend() throws {
    let s = try story()
    try refuses(
      s,
      "notice 'N' (sent \(s.h(8))) is already retracted by 'R' (issued \(s.h(10))); to reach more people deliver that retraction again with 'correct resend R'"
    ) {
      try s.retract("R2", .notice("N"), at: s.h(11), to: .named(RecipientList(["E2"])))
    }
  }

  @Test func aRetractionOfAVersionAlreadyVoidIsRefused() throws {
    let s = try story()
    try refuses(
      s,
      "version p@2 (announced \(s.h(8))) is already retracted by 'R' (issued \(s.h(10))); to reach more people deliver that retraction again with 'correct resend R'"
    ) {
      try s.retract("R2", .version(VersionRef(policy: "p", number: 2)), at: s.h(11))
    }
  }

  /// Two notices of one version, one retracted with void_version (docs/semantics.md): the
  /// version is void in every general view, but the retraction affects only its notice, so
  /// the other notice's recipient still believes the version, is not outstanding, and is
  /// told by resending the retraction; a retraction of the version reaches both notices'.
  @Test func aRetractionOfOneOfTwoNoticesOfAVersionAffectsOnlyThatNotice() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(8))
    try s.notice("N1", at: s.h(8), announces: v2, to: ["E1", "E2"])
    try s.notice("N2", at: s.h(9), announces: v2, to: ["E3"])
    try s.retract("R", .notice("N1"), voidVersion: true, at: s.h(10))
    #expect(try s.inForce(at: s.h(11)) == [1])
    #expect(try s.recipients(of: "R") == ["E1", "E2"])
    #expect(try s.inForce(at: s.h(11), toldTo: "E1") == [1])
    #expect(try s.inForce(at: s.h(11), toldTo: "E3") == [2])
    #expect(try s.outstanding().isEmpty)
    try refuses(
      s,
      "version p@2, which notice 'N2' (sent \(s.h(9))) announces, is already void: retracted by 'R' (issued \(s.h(10))); retract the notice without --void-version, or to reach more people deliver that retraction again with 'correct resend R'"
    ) {
      try s.retract("R2", .notice("N2"), voidVersion: true, at: s.h(11))
    }
    try resend(s, "R", at: s.h(12), to: ["E3"])
    // As known before the resend, E3 still believed version 2; as known from it, never.
    #expect(try s.inForce(at: s.h(11), k: s.h(11), toldTo: "E3") == [2])
    #expect(try s.inForce(at: s.h(11), k: s.h(12), toldTo: "E3") == [1])

    // The version retracted instead: its default recipients are both notices', and each
    // one it missed is outstanding, for the notice that told them.
    let t = try Story()
    try t.version(from: t.h(0))
    let w2 = try t.version(from: t.h(8))
    try t.notice("N1", at: t.h(8), announces: w2, to: ["E1", "E2"])
    try t.notice("N2", at: t.h(9), announces: w2, to: ["E3"])
    try t.retract("RV", .version(w2), at: t.h(10))
    #expect(try t.recipients(of: "RV") == ["E1", "E2", "E3"])
    #expect(try t.inForce(at: t.h(11), toldTo: "E3") == [1])
    let u = try Story()
    try u.version(from: u.h(0))
    let x2 = try u.version(from: u.h(8))
    try u.notice("N1", at: u.h(8), announces: x2, to: ["E1", "E2"])
    try u.notice("N2", at: u.h(9), announces: x2, to: ["E3"])
    try u.retract("RV", .version(x2), at: u.h(10), to: .named(RecipientList(["E1"])))
    #expect(try u.outstanding().map { "\($0.notice) \($0.employee)" } == ["N1 E2", "N2 E3"])
  }

  @Test func aNoticeWhoseVersionWasRetractedMayStillBeRetractedItself() throws {
    let s = try Story()
    try s.version(from: s.h(0))
    let v2 = try s.version(from: s.h(8))
    try s.notice("N", at: s.h(8), announces: v2, to: ["E1"])
    try s.retract("RV", .version(v2), at: s.h(9))
    // Voiding the version again through the notice is refused, and the message says the
    // version (not the notice) is what was retracted.
    try refuses(
      s,
      "version p@2, which notice 'N' (sent \(s.h(8))) announces, is already void: retracted by 'RV' (issued \(s.h(9))); retract the notice without --void-version, or to reach more people deliver that retraction again with 'correct resend RV'"
    ) {
      try s.retract("RN0", .notice("N"), voidVersion: true, at: s.h(10))
    }
    try s.retract("RN", .notice("N"), at: s.h(10))
    // Once the notice itself is retracted, a second retraction names that one.
    try refuses(
      s,
      "notice 'N' (sent \(s.h(8))) is already retracted by 'RN' (issued \(s.h(10))); to reach more people deliver that retraction again with 'correct resend RN'"
    ) {
      try s.retract("RN2", .notice("N"), voidVersion: true, at: s.h(10))
    }
  }
}
