import Foundation

/// The worked example of the contract (spec section 2): July 2020, an email told some
/// employees to delete TikTok, and that afternoon a retraction said it was sent in error.
public enum WorkedExample {
  /// The policy's key.
  public static let policy = "mobile-devices"
  /// The id of the 08:00 email.
  public static let noticeID = "N-2020-07-10-0800"
  /// The id of the 14:00 retraction.
  public static let retractionID = "R-2020-07-10-1400"
  /// Received the notice and the retraction.
  public static let toldBoth = "E1001"
  /// Received the notice but not the retraction.
  public static let missedRetraction = "E1004"
  /// Received neither; known to the ledger through a welcome email that announces no
  /// version (``recordNewStarter(into:actor:)``), since an employee the ledger never saw is
  /// an error (rule 15).
  public static let toldNeither = "E2001"
  /// The welcome email to the new starter E2001, a week before.
  public static let welcomeID = "N-2020-07-06-welcome"
  /// 2020-07-06 09:00 Pacific, when the welcome email was sent.
  public static let welcomedAt = Instant(microseconds: july10(9).microseconds - 4 * 86_400 * 1_000_000)
  /// When the retraction is sent again, to the one person it missed (rule 16).
  public static let resentAt = july10(16)
  /// Who received the 08:00 email.
  public static let noticeRecipients = ["E1001", "E1002", "E1003", "E1004"]
  /// Who received the 14:00 retraction.
  public static let retractionRecipients = ["E1001", "E1002", "E1003"]
  /// The story's time zone (Pacific time; the story happens in PDT, UTC-7).
  public static let pacific = TimeZone(identifier: "America/Los_Angeles")!

  /// An instant on 2020-07-10 in Pacific daylight time (UTC-7).
  public static func july10(_ hour: Int, _ minute: Int = 0) -> Instant {
    Instant(microseconds: (1_594_339_200 + Int64(hour + 7) * 3600 + Int64(minute) * 60) * 1_000_000)
  }

  /// Records the story into `ledger`, up to the 14:00 retraction; ``resendRetraction(into:actor:)``
  /// is its ending.
  public static func record(into ledger: Ledger, actor: String = "demo") throws {
    let newYear = Instant(microseconds: 1_577_865_600 * 1_000_000)  // 2020-01-01T00:00:00-08:00
    try ledger.addVersion(
      NewVersion(
        policy: policy, title: "Mobile devices that access company email",
        body: Array("Any phone that accesses company email must use a passcode. There is no restriction on apps.\n".utf8),
        effectiveFrom: newYear),
      actor: actor)
    try ledger.addVersion(
      NewVersion(
        policy: policy, title: "Mobile devices that access company email",
        body: Array(
          "Delete TikTok from any phone that accesses company email, or lose mobile access to company email.\n".utf8),
        effectiveFrom: july10(8)),
      actor: actor)
    try ledger.sendNotice(
      NewNotice(
        id: noticeID, subject: "Action required: remove TikTok from mobile devices",
        body: Array(
          "Due to security risks, TikTok is no longer permitted on mobile devices that access company email. Delete it by end of day today or lose mobile email access.\n"
            .utf8),
        sentAt: july10(8), sender: "it-security", announces: VersionRef(policy: policy, number: 2)),
      recipients: RecipientList(noticeRecipients), actor: actor)
    try ledger.acknowledge(notice: noticeID, employee: missedRetraction, at: july10(8, 30), actor: actor)
    try ledger.correct(
      NewCorrection(
        id: retractionID, kind: .retraction, target: .notice(noticeID), voidVersion: true, issuedAt: july10(14),
        statement:
          "This morning's email to some of our employees was sent in error. There is no change to our policies right now with regard to TikTok.",
        reason: "sent in error"),
      recipients: .named(RecipientList(retractionRecipients)), actor: actor)
  }

  /// The workforce of July 2020: the staff who were or were not sent the notice, and a
  /// contractors group it never reached.
  public static let staff = ["E1001", "E1002", "E1003", "E1004", "E2001"]
  /// The contractors, a group the notice never reached.
  public static let contractors = ["C3001", "C3002"]

  /// Records the roster of the story (rule 19), after it and backfilled: the staff joined
  /// in 2019, but for the new starter E2001, who joined on 2020-07-06, the day of the
  /// welcome email; the contractors in June 2020.
  public static func recordRoster(into ledger: Ledger, actor: String = "demo") throws {
    let september2019 = Instant(microseconds: 1_567_321_200 * 1_000_000)  // 2019-09-01T00:00:00-07:00
    let july2020 = Instant(microseconds: 1_594_018_800 * 1_000_000)  // 2020-07-06T00:00:00-07:00
    let june2020 = Instant(microseconds: 1_590_994_800 * 1_000_000)  // 2020-06-01T00:00:00-07:00
    for employee in staff {
      let at = employee == toldNeither ? july2020 : september2019
      try ledger.recordRosterEntry(RosterEntry(employee: employee, event: .join, at: at, groups: ["staff"]), actor: actor)
    }
    for employee in contractors {
      try ledger.recordRosterEntry(RosterEntry(employee: employee, event: .join, at: june2020, groups: ["contractors"]), actor: actor)
    }
  }

  /// The new starter E2001's welcome email of 2020-07-06, recorded after the story (a
  /// backfill): it announces no version, and makes E2001 known to the ledger, so that
  /// "as told to E2001" is a question the ledger can answer (rule 15).
  public static func recordNewStarter(into ledger: Ledger, actor: String = "demo") throws {
    try ledger.sendNotice(
      NewNotice(
        id: welcomeID, subject: "Welcome: set up company email on your phone",
        body: Array("Welcome aboard. To read company email on your phone, install the mail app and set a passcode.\n".utf8),
        sentAt: welcomedAt, sender: "hr"),
      recipients: RecipientList([toldNeither]), actor: actor)
  }

  /// The story's ending (rule 16): at 16:00 the retraction is delivered again to exactly
  /// the people for whom it is outstanding — the one recipient of the notice it missed —
  /// after which `outstanding` is empty.
  public static func resendRetraction(into ledger: Ledger, actor: String = "demo") throws {
    try ledger.resend(retractionID, kind: .correction, sentAt: resentAt, recipients: .outstanding, actor: actor)
  }
}
