import Foundation
import Testing

/// `notice resend` and `correct resend` (rule 16), a second retraction (rule 18) and a
/// multi-line statement, as a user runs them: the id on stdout, and every refusal one line
/// on stderr, exit status 2, with the ledger left exactly as it was.
struct ResendCLITests {
  let dir: TemporaryDirectory
  let db: String

  /// The demo's ledger: its ending already resent the retraction to E1004.
  init() throws {
    dir = try TemporaryDirectory()
    db = dir.file("ledger.db")
    try #require(try CLI.run(["demo", "--db", db]).status == 0)
  }

  func run(_ arguments: [String], stdin: String? = nil) throws -> CLIResult {
    try CLI.run(arguments + ["--db", db], stdin: stdin)
  }

  /// The command must fail with exactly `message` and exit status 2, leaving the file's bytes as they were.
  func refuses(_ arguments: [String], _ message: String, stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    let before = LedgerFiles.sha256(db)
    let result = try run(arguments, stdin: stdin)
    #expect(result.status == 2, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    #expect(result.stderr == "policy-ledger: error: \(message)\n", sourceLocation: sourceLocation)
    #expect(LedgerFiles.sha256(db) == before, "the ledger changed", sourceLocation: sourceLocation)
  }

  static let notice = "N-2020-07-10-0800"
  static let retraction = "R-2020-07-10-1400"

  @Test func noticeResendReachesMorePeopleAndPrintsTheNoticeId() throws {
    let result = try run(["notice", "resend", Self.notice, "--sent-at", "2020-07-13T09:00:00-07:00", "--to", "E2001"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "\(Self.notice)\n")
    let listed = try run(["notices", "--policy", "mobile-devices", "--format", "csv", "--no-headers"])
    #expect(listed.lines == ["\(Self.notice),2020-07-10T15:00:00Z,Action required: remove TikTok from mobile devices,mobile-devices@2,5,retracted"])
    let recipients = try run(["recipients", Self.notice, "--format", "csv"])
    #expect(recipients.lines.last == "\(Self.notice),E2001,unacknowledged,,2020-07-13T16:00:00Z")
    // Known from the resend's time: E2001 was told version 2 then (and the retraction never reached them).
    let told = try run(["in-force", "mobile-devices", "--at", "2020-07-13T10:00:00-07:00", "--as-told-to", "E2001", "--format", "csv"])
    #expect(told.lines[1].hasPrefix("mobile-devices,2,"))
    let outstanding = try run(["outstanding", "--format", "csv"])
    #expect(outstanding.lines.dropFirst() == ["\(Self.notice),E2001,\(Self.retraction),retraction"])
    // And the retraction can follow it to them.
    let again = try run(["correct", "resend", Self.retraction, "--sent-at", "2020-07-13T10:00:00-07:00", "--outstanding"])
    #expect(again.stdout == "\(Self.retraction)\n", "\(again.stderr)")
    #expect(try run(["outstanding", "--format", "csv"]).lines.count == 1)
    #expect(try run(["verify"]).status == 0)
  }

  @Test func correctResendTakesARecipientsFile() throws {
    try #require(try run(["notice", "resend", Self.notice, "--sent-at", "2020-07-13", "--to", "E2001,E3001"]).status == 0)
    let file = try dir.write("missed.txt", "E3001\n\nE2001\n")
    let result = try run(["correct", "resend", Self.retraction, "--sent-at", "2020-07-14", "--recipients-file", file])
    #expect(result.stdout == "\(Self.retraction)\n", "\(result.stderr)")
    #expect(try run(["recipients", Self.retraction, "--format", "csv", "--no-headers"]).lines.count == 6)
  }

  @Test func eachBadResendIsRefusedWithOneLineAndNothingWritten() throws {
    try refuses(
      ["correct", "resend", Self.retraction, "--sent-at", "2020-07-11", "--to", "E1001"],
      "invalid recipient 'E1001' (--to): already received '\(Self.retraction)' at 2020-07-10T21:00:00Z; name only those it has not reached")
    try refuses(
      ["correct", "resend", Self.retraction, "--sent-at", "2020-07-11", "--recipients-file", "-"],
      "an empty resend of '\(Self.retraction)': name at least one recipient (give --to or --recipients-file)", stdin: "\n")
    try refuses(
      ["correct", "resend", Self.retraction, "--sent-at", "2020-07-10T13:00:00-07:00", "--to", "E2001"],
      "invalid --sent-at '2020-07-10T20:00:00Z': '\(Self.retraction)' was first delivered later, at 2020-07-10T21:00:00Z; a resend comes after it")
    try refuses(
      ["correct", "resend", Self.retraction, "--sent-at", "2020-07-11", "--outstanding"],
      "nothing is outstanding for '\(Self.retraction)': every recipient of what it corrects has received it")
    try refuses(
      ["notice", "resend", Self.retraction, "--sent-at", "2020-07-11", "--to", "E2001"],
      "'\(Self.retraction)' is a correction, not a notice; deliver it again with 'correct resend \(Self.retraction)'")
    try refuses(
      ["correct", "resend", "R-2020-07-10-1401", "--sent-at", "2020-07-11", "--to", "E2001"],
      "no correction 'R-2020-07-10-1401' in this ledger; did you mean '\(Self.retraction)'?")
    try refuses(
      ["notice", "resend", Self.notice, "--sent-at", "2020-07-11", "--to", "E9,E9"], "duplicate recipient 'E9' (--to)")
    try refuses(
      ["notice", "resend", "N\u{200B}", "--sent-at", "2020-07-11", "--to", "E9"],
      "invalid id 'N\\u{200B}': the invisible or direction-changing character U+200B is not allowed (Unicode format characters)")
    try refuses(
      ["correct", "resend", Self.retraction, "--sent-at", "2020-07-11", "--to", "E\u{200B}9"],
      "invalid recipient 'E\\u{200B}9' (--to): the invisible or direction-changing character U+200B is not allowed (Unicode format characters)")
  }

  /// A refusal quotes the time given, and the times it is compared with, in the zone the
  /// command reads and prints times in: `--tz`, else `$POLICY_LEDGER_TZ`, else UTC.
  @Test func refusalsQuoteTimesInTheZoneOfTz() throws {
    try refuses(
      ["notice", "resend", Self.notice, "--sent-at", "2020-07-10T07:00", "--to", "E2001", "--tz", "America/Los_Angeles"],
      "invalid --sent-at '2020-07-10T07:00:00-07:00': '\(Self.notice)' was first delivered later, at 2020-07-10T08:00:00-07:00; a resend comes after it")
    try refuses(
      ["correct", "resend", Self.retraction, "--sent-at", "2020-07-12", "--to", "E1001", "--tz=+05:30"],
      "invalid recipient 'E1001' (--to): already received '\(Self.retraction)' at 2020-07-11T02:30:00+05:30; name only those it has not reached")
    try refuses(
      [
        "correct", "retract", "--notice", Self.notice, "--issued-at", "2020-07-10T15:00", "--statement", "Again: ignore it.",
        "--reason", "missed some", "--to", "E1004", "--tz", "-07:00",
      ],
      "notice '\(Self.notice)' (sent 2020-07-10T08:00:00-07:00) is already retracted by '\(Self.retraction)' (issued 2020-07-10T14:00:00-07:00); to reach more people deliver that retraction again with 'correct resend \(Self.retraction)'"
    )
    // The environment's zone, as for the times a command prints.
    let before = LedgerFiles.sha256(db)
    let ack = try CLI.run(
      ["ack", "--notice", Self.notice, "--employee", "E1001", "--at", "2020-07-10T07:00", "--db", db],
      environment: ["POLICY_LEDGER_TZ": "America/Los_Angeles"])
    #expect(ack.status == 2)
    #expect(
      ack.stderr
        == "policy-ledger: error: invalid --at '2020-07-10T07:00:00-07:00': notice '\(Self.notice)' was sent later, at 2020-07-10T08:00:00-07:00\n")
    #expect(LedgerFiles.sha256(db) == before)
    // A time given with another offset is quoted in the command's zone: the same instant.
    try refuses(
      ["ack", "--notice", Self.notice, "--employee", "E1001", "--at", "2020-07-10T14:00:00Z", "--tz", "America/New_York"],
      "invalid --at '2020-07-10T10:00:00-04:00': notice '\(Self.notice)' was sent later, at 2020-07-10T11:00:00-04:00")
    // A zone that does not parse is the command's own error, as before.
    try refuses(
      ["ack", "--notice", Self.notice, "--employee", "E1001", "--at", "2020-07-10T14:00:00Z", "--tz", "Mars/Base"],
      "invalid --tz: unknown time zone 'Mars/Base' (expected an IANA name such as America/Los_Angeles, UTC, Z, or an offset such as +05:30 or -07:00)")
  }

  @Test func aMalformedResendIsAUsageError() throws {
    let both = try run(["correct", "resend", Self.retraction, "--sent-at", "2020-07-11", "--to", "E2001", "--outstanding"])
    #expect(both.status == 64)
    #expect(both.stderr.contains("Give exactly one of --to, --recipients-file and --outstanding."))
    let outstanding = try run(["notice", "resend", Self.notice, "--sent-at", "2020-07-11", "--outstanding"])
    #expect(outstanding.status == 64)
  }

  @Test func aSecondRetractionIsRefusedNamingTheFirst() throws {
    try refuses(
      [
        "correct", "retract", "--notice", Self.notice, "--issued-at", "2020-07-10T15:00:00-07:00", "--statement", "Again: ignore it.",
        "--reason", "missed some", "--to", "E1004",
      ],
      "notice '\(Self.notice)' (sent 2020-07-10T15:00:00Z) is already retracted by '\(Self.retraction)' (issued 2020-07-10T21:00:00Z); to reach more people deliver that retraction again with 'correct resend \(Self.retraction)'"
    )
    try refuses(
      [
        "correct", "retract", "--version", "mobile-devices@2", "--issued-at", "2020-07-10T15:00:00-07:00", "--statement", "Void.",
        "--reason", "again",
      ],
      "version mobile-devices@2 (announced 2020-07-10T15:00:00Z) is already retracted by '\(Self.retraction)' (issued 2020-07-10T21:00:00Z); to reach more people deliver that retraction again with 'correct resend \(Self.retraction)'"
    )
  }

  @Test func anAckEarlierThanTheDeliveryThatReachedTheEmployeeIsRefused() throws {
    try #require(try run(["notice", "resend", Self.notice, "--sent-at", "2020-07-13T09:00:00-07:00", "--to", "E2001"]).status == 0)
    try refuses(
      ["ack", "--notice", Self.notice, "--employee", "E2001", "--at", "2020-07-12"],
      "invalid --at '2020-07-12T00:00:00Z': notice '\(Self.notice)' reached 'E2001' later, by a resend, at 2020-07-13T16:00:00Z")
    #expect(try run(["ack", "--notice", Self.notice, "--employee", "E2001", "--at", "2020-07-13T10:00:00-07:00"]).status == 0)
  }

  /// `p@1`, and notice N1 (2020-02-01) announcing it to E1.
  func recordPolicyAndNoticeN1() throws {
    try #require(
      try run(["policy", "add", "p", "--title", "P", "--body", "B", "--effective-from", "2020-01-01"]).status == 0)
    try #require(try run(["notice", "send", "--id", "N1", "--subject", "S", "--body", "B", "--sent-at", "2020-02-01", "--sender", "hr", "--announces", "p@1", "--to", "E1"]).status == 0)
  }

  @Test func aStatementMaySpanLinesFromAFile() throws {
    try recordPolicyAndNoticeN1()
    let text = "Dear all,\n\nthe date was wrong.\r\nRegards, HR\n"
    let file = try dir.write("statement.txt", text)
    let amended = try run([
      "correct", "amend", "--notice", "N1", "--issued-at", "2020-02-02", "--effective-from", "2020-01-15", "--reason", "wrong date",
      "--statement-file", file,
    ])
    #expect(amended.status == 0, "\(amended.stderr)")
    let shown = try run(["show", amended.stdout.trimmingCharacters(in: .newlines), "--format", "json"])
    let rows = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as! [[String: Any]]
    #expect(rows[0]["statement"] as? String == text)
    try refuses(
      ["correct", "amend", "--notice", "N1", "--issued-at", "2020-02-02", "--reason", "r", "--statement", " \n\t"],
      "invalid --statement ' \\n\\t': must not be empty")
  }

  /// Like a body, a statement is any UTF-8 text: a form feed or an escape pasted from a
  /// mail is kept byte for byte, printed escaped in a table, and survives export and import.
  @Test func aStatementKeepsControlCharactersAsABodyDoes() throws {
    try recordPolicyAndNoticeN1()
    let text = "Page one\u{0C}page two \u{1B}[1mbold\u{1B}[0m, bell\u{07}\n"
    let file = try dir.write("statement.txt", text)
    let retracted = try run([
      "correct", "retract", "--notice", "N1", "--id", "R1", "--issued-at", "2020-02-02", "--reason", "sent in error", "--statement-file", file,
    ])
    #expect(retracted.status == 0, "\(retracted.stderr)")
    func statement(_ ledger: String) throws -> String? {
      let shown = try CLI.run(["show", "R1", "--format", "json", "--db", ledger])
      let rows = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as! [[String: Any]]
      return rows.first?["statement"] as? String
    }
    #expect(try statement(db) == text)
    let table = try run(["timeline", "--employee", "E1"])
    #expect(table.status == 0)
    #expect(!table.stdout.contains("\u{1B}") && !table.stdout.contains("\u{07}") && !table.stdout.contains("\u{0C}"), "\(table.stdout)")
    #expect(table.stdout.contains("\\u{1B}[1mbold"), "\(table.stdout)")
    let exported = dir.file("all")
    #expect(try run(["export", "--all", exported]).status == 0)
    let copy = dir.file("copy.db")
    let imported = try CLI.run(["import", "--all", exported, "--db", copy])
    #expect(imported.status == 0, "\(imported.stderr)")
    #expect(try statement(copy) == text)
    #expect(try CLI.run(["verify", "--db", copy]).status == 0)
    let both = try run(["correct", "amend", "--notice", "N1", "--issued-at", "2020-02-02", "--reason", "r", "--statement", "x", "--statement-file", file])
    #expect(both.status == 64)
  }
}
