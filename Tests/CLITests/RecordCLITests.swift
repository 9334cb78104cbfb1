import Foundation
import Testing

/// The recording commands as a user runs them: stdout carries only the new id, errors are
/// one line on stderr with a non-zero exit, and a refused command leaves the ledger as it was.
struct RecordCLITests {
  let dir: TemporaryDirectory
  let db: String

  init() throws {
    dir = try TemporaryDirectory()
    db = dir.file("ledger.db")
  }

  func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> CLIResult {
    try CLI.run(arguments + ["--db", db], stdin: stdin, environment: environment)
  }

  func head() throws -> String { try run(["head"]).stdout }

  @Test func policyAddPrintsKeyAtVersionAndCreatesAPrivateLedger() throws {
    let first = try run(["policy", "add", "mobile-devices", "--title", "Mobile", "--body", "No restriction.", "--effective-from", "2020-01-01"])
    #expect(first.status == 0)
    #expect(first.stdout == "mobile-devices@1\n")
    #expect(first.stderr.isEmpty)
    let second = try run(["policy", "add", "mobile-devices", "--title", "Mobile", "--body", "Delete it.", "--effective-from", "2020-07-10T08:00:00-07:00"])
    #expect(second.stdout == "mobile-devices@2\n")
    let mode = try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as! Int
    #expect(mode == 0o600)
  }

  @Test func theLedgerPathComesFromTheEnvironmentWhenDbIsNotGiven() throws {
    let env = ["POLICY_LEDGER_DB": dir.file("env.db")]
    let added = try CLI.run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"], environment: env)
    #expect(added.status == 0)
    #expect(FileManager.default.fileExists(atPath: dir.file("env.db")))
    let local = try CLI.run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"], currentDirectory: dir.path)
    #expect(local.status == 0)
    #expect(FileManager.default.fileExists(atPath: dir.file("policy-ledger.db")))
  }

  /// The query commands' fast path reads $POLICY_LEDGER_DB itself (with getenv): set, it
  /// names the ledger; set but empty, it is ignored like an unset one.
  @Test func aQueryFindsTheLedgerInTheEnvironmentAndIgnoresAnEmptyValue() throws {
    let ledger = dir.file("env.db")
    let added = try CLI.run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--db", ledger])
    #expect(added.status == 0)
    let answer = try CLI.run(["in-force", "p", "--at", "2020-06-01", "--format", "csv"], environment: ["POLICY_LEDGER_DB": ledger])
    #expect(answer.status == 0)
    #expect(answer.stdout.split(separator: "\n").last?.hasPrefix("p,1,T,2020-01-01T00:00:00Z,") == true, "\(answer.stdout)")
    let empty = try CLI.run(
      ["in-force", "p", "--at", "2020-06-01", "--format", "csv"], environment: ["POLICY_LEDGER_DB": ""], currentDirectory: dir.path)
    #expect(empty.status == 2)
    #expect(empty.stdout.isEmpty)
    #expect(empty.stderr == "policy-ledger: error: no ledger at ./policy-ledger.db\n")
    #expect(!FileManager.default.fileExists(atPath: dir.file("policy-ledger.db")))
  }

  /// A notice may tell of a version before its announced_at, but a correction of the
  /// version is judged by its announced_at: the refusal names the earlier notice.
  @Test func aCorrectionOfAVersionBeforeItsAnnouncedAtNamesTheNoticeThatToldOfItEarlier() throws {
    for key in ["travel", "expenses"] {
      try #require(try run(["policy", "add", key, "--title", "T1", "--body", "1", "--effective-from", "2025-01-01"]).status == 0)
      try #require(try run(["policy", "add", key, "--title", "T2", "--body", "2", "--effective-from", "2025-06-01"]).status == 0)
    }
    try #require(
      try run([
        "notice", "send", "--id", "HB", "--subject", "Handbook", "--body", "h", "--sent-at", "2025-05-01", "--sender", "hr",
        "--announces", "travel@2", "--announces", "expenses@2", "--to", "W1,W2",
      ]).status == 0)
    let before = try head()
    let amend = ["--issued-at", "2025-05-02", "--effective-from", "2025-07-01", "--reason", "wrong date", "--statement", "From 1 July."]
    let refused = try run(["correct", "amend", "--version", "travel@2"] + amend)
    #expect(refused.status == 2)
    #expect(
      refused.stderr
        == "policy-ledger: error: invalid --issued-at '2025-05-02T00:00:00Z': it is before its target, version travel@2 (announced 2025-06-01T00:00:00Z); notice 'HB' told of it earlier (sent 2025-05-01T00:00:00Z), but a correction of a version is issued no earlier than the version's announced_at\n")
    #expect(try head() == before)
    // Before the notice too, there is nothing earlier to name.
    let earlier = try run(["correct", "amend", "--version", "travel@2", "--issued-at", "2025-04-01", "--effective-from", "2025-07-01", "--reason", "r", "--statement", "s"])
    #expect(earlier.stderr == "policy-ledger: error: invalid --issued-at '2025-04-01T00:00:00Z': it is before its target, version travel@2 (announced 2025-06-01T00:00:00Z)\n")
    #expect(try run(["correct", "amend", "--version", "travel@2", "--issued-at", "2025-06-01"] + amend.dropFirst(2)).status == 0)
  }

  @Test func aBodyFileIsStoredByteForByte() throws {
    let body = "Line one\r\nLine two — with “quotes”\n\n"
    let file = try dir.write("body.txt", body)
    #expect(try run(["policy", "add", "p", "--title", "T", "--body-file", file, "--effective-from", "2020-01-01"]).status == 0)
    let shown = try run(["show", "p@1", "--format", "json"])
    let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as! [[String: Any]]
    #expect(object[0]["body"] as? String == body)
    #expect(object[0]["by"] as? String == "cli-test")
  }

  @Test func aBadTimeIsOneLineNamingTheOptionAndTheValueAndWritesNothing() throws {
    let cases: [(String, String)] = [
      ("2021-02-30", "invalid --effective-from '2021-02-30': February 2021 has 28 days"),
      ("2020-07-10T25:00:00Z", "invalid --effective-from '2020-07-10T25:00:00Z': hour 25 is out of range (00-23)"),
    ]
    for (value, message) in cases {
      let result = try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", value])
      #expect(result.status == 2)
      #expect(result.stdout.isEmpty)
      #expect(result.stderr == "policy-ledger: error: \(message)\n")
    }
    #expect(!FileManager.default.fileExists(atPath: db))
    let garbage = try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-7-10garbage"])
    #expect(garbage.status == 2)
    #expect(garbage.stderr.hasPrefix("policy-ledger: error: invalid --effective-from '2020-7-10garbage': "))
    #expect(garbage.stderr.split(separator: "\n").count == 1)
  }

  @Test func timesWithoutAnOffsetAreReadInTheGivenZone() throws {
    #expect(try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-07-10T08:00", "--tz", "America/Los_Angeles"]).status == 0)
    let utc = try run(["in-force", "p", "--at", "2020-07-10T15:00:00Z", "--format", "csv"])
    #expect(utc.lines.last?.contains(",2020-07-10T15:00:00Z,") == true)
    let before = try run(["in-force", "p", "--at", "2020-07-10T14:59:59.999999Z", "--format", "csv"])
    #expect(before.lines.count == 1)
    let local = try run(["in-force", "p", "--at", "2020-07-10T08:00", "--tz", "America/Los_Angeles", "--format", "csv"])
    #expect(local.lines.last?.contains(",2020-07-10T08:00:00-07:00,") == true)
  }

  @Test func noticeSendStreamsRecipientsFromAFileOrStandardInput() throws {
    #expect(try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"]).status == 0)
    let file = try dir.write("staff.txt", "E1\nE2\n\nE3\n")
    let sent = try run(["notice", "send", "--id", "N1", "--subject", "S", "--body", "B", "--sent-at", "2020-07-10T15:00:00Z", "--sender", "it", "--announces", "p@1", "--recipients-file", file])
    #expect(sent.stdout == "N1\n")
    let piped = try run(["notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-07-10T15:00:00Z", "--sender", "it", "--recipients-file", "-"], stdin: "E4\r\nE5\r\n")
    #expect(piped.status == 0)
    #expect(piped.stdout == "N3\n")
    let recipients = try run(["recipients", "N3", "--format", "csv"])
    #expect(
      recipients.stdout
        == "notice,employee,status,acknowledged_at,sent_at\nN3,E4,unacknowledged,,2020-07-10T15:00:00Z\nN3,E5,unacknowledged,,2020-07-10T15:00:00Z\n")
  }

  @Test func aDuplicateRecipientIsRefusedNamingItsLineAndNothingIsWritten() throws {
    #expect(try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"]).status == 0)
    let before = try head()
    let file = try dir.write("dup.txt", "E1\nE2\nE1\n")
    let result = try run(["notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-07-10", "--sender", "it", "--recipients-file", file])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "policy-ledger: error: duplicate recipient 'E1' (line 3 of \(file))\n")
    #expect(try head() == before)
  }

  /// A correction's `--recipients-file` that names no one is refused, as an empty notice or
  /// resend is: an empty file would otherwise do what `--no-recipients` says, and a second
  /// retraction of the same target cannot follow to put it right.
  @Test func aCorrectionsEmptyRecipientsFileIsRefusedAndNothingIsWritten() throws {
    _ = try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"])
    let notice = try run(["notice", "send", "--id", "N1", "--subject", "S", "--body", "B", "--sent-at", "2020-07-10", "--sender", "it", "--announces", "p@1", "--to", "E1,E2"])
    try #require(notice.status == 0, "\(notice)")
    let before = LedgerFiles.sha256(db)
    let blank = try dir.write("blank.txt", "\n  \n\r\n")
    let empty = try dir.write("empty.txt", "")
    for (file, stdin) in [(empty, nil), (blank, nil), ("/dev/null", nil), ("-", ""), ("-", "\n\n")] as [(String, String?)] {
      for command in [
        ["correct", "retract", "--notice", "N1", "--void-version"], ["correct", "amend", "--version", "p@1", "--effective-until", "2021-01-01"],
      ] {
        let result = try run(
          command + ["--issued-at", "2020-07-11", "--statement", "s", "--reason", "r", "--recipients-file", file], stdin: stdin)
        #expect(result.status == 2 && result.stdout.isEmpty, "\(command) \(file): \(result)")
        #expect(
          result.stderr
            == "policy-ledger: error: invalid --recipients-file '\(file)': it names no one (give --no-recipients to send the correction to nobody)\n",
          "\(command) \(file)")
        #expect(LedgerFiles.sha256(db) == before, "\(command) \(file)")
      }
    }
    // A file that names someone, and --no-recipients, still record.
    let one = try dir.write("one.txt", "\nE2\n")
    let named = try run(["correct", "retract", "--notice", "N1", "--issued-at", "2020-07-11", "--statement", "s", "--reason", "r", "--recipients-file", one])
    #expect(named.status == 0 && named.stdout == "C3\n", "\(named)")
    let nobody = try run(["correct", "amend", "--version", "p@1", "--effective-until", "2021-01-01", "--issued-at", "2020-07-12", "--statement", "s", "--reason", "r", "--no-recipients"])
    #expect(nobody.status == 0 && nobody.stdout == "C4\n", "\(nobody)")
  }

  @Test func commandsThatNeedEarlierEntriesDoNotCreateALedger() throws {
    let retract = try run(["correct", "retract", "--notice", "N1", "--issued-at", "2020-07-10", "--statement", "s", "--reason", "r"])
    #expect(retract.status == 2)
    #expect(retract.stderr == "policy-ledger: error: no ledger at \(db)\n")
    let ack = try run(["ack", "--notice", "N1", "--employee", "E1", "--at", "2020-07-10"])
    #expect(ack.stderr == "policy-ledger: error: no ledger at \(db)\n")
    let query = try run(["in-force", "p", "--at", "now"])
    #expect(query.stderr == "policy-ledger: error: no ledger at \(db)\n")
    #expect(!FileManager.default.fileExists(atPath: db))
  }

  @Test func correctAndAckRecordTheWorkedExample() throws {
    _ = try run(["policy", "add", "mobile-devices", "--title", "T", "--body", "v1", "--effective-from", "2020-01-01T00:00:00-08:00"])
    _ = try run(["policy", "add", "mobile-devices", "--title", "T", "--body", "v2", "--effective-from", "2020-07-10T08:00:00-07:00"])
    let notice = try run(["notice", "send", "--id", "N1", "--subject", "Delete TikTok", "--body", "…", "--sent-at", "2020-07-10T08:00:00-07:00", "--sender", "it", "--announces", "mobile-devices@2", "--to", "E1,E2"])
    #expect(notice.stdout == "N1\n")
    let ack = try run(["ack", "--notice", "N1", "--employee", "E2", "--at", "2020-07-10T09:00:00-07:00"])
    #expect(ack.status == 0)
    #expect(ack.stdout.isEmpty)
    let retraction = try run(["correct", "retract", "--notice", "N1", "--void-version", "--issued-at", "2020-07-10T14:00:00-07:00", "--statement", "sent in error", "--reason", "sent in error", "--to", "E1"])
    #expect(retraction.stdout == "C5\n")
    let outstanding = try run(["outstanding", "--format", "csv"])
    #expect(outstanding.stdout == "notice,employee,correction,correction_kind\nN1,E2,C5,retraction\n")
    let known = try run(["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00-07:00", "--as-known-at", "2020-07-10T12:00:00-07:00", "--format", "csv"])
    #expect(known.lines.last?.hasPrefix("mobile-devices,2,") == true)
    let now = try run(["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00-07:00", "--format", "csv"])
    #expect(now.lines.last?.hasPrefix("mobile-devices,1,") == true)
    let amend = try run(["correct", "amend", "--version", "mobile-devices@1", "--issued-at", "2020-08-01", "--effective-until", "2020-07-01", "--statement", "s", "--reason", "r", "--no-recipients"])
    #expect(amend.stdout == "C6\n")
    #expect(try run(["verify"]).status == 0)
  }

  @Test func aNoticeAnnouncesSeveralVersionsAndTwoOfOnePolicyAreRefusedWritingNothing() throws {
    _ = try run(["policy", "add", "travel", "--title", "Travel", "--body", "v1", "--effective-from", "2020-01-01"])
    _ = try run(["policy", "add", "travel", "--title", "Travel", "--body", "v2", "--effective-from", "2020-02-01"])
    _ = try run(["policy", "add", "expenses", "--title", "Expenses", "--body", "v1", "--effective-from", "2020-02-01"])
    let sent = try run([
      "notice", "send", "--id", "H", "--subject", "Updated handbook", "--body", "…", "--sent-at", "2020-03-01", "--sender", "hr",
      "--announces", "travel@2", "--announces", "expenses@1", "--to", "E1,E2",
    ])
    #expect(sent.status == 0)
    #expect(sent.stdout == "H\n")
    let before = try head()
    let refused = try run([
      "notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-03-02", "--sender", "hr",
      "--announces", "travel@1", "--announces", "travel@2", "--to", "E3",
    ])
    #expect(refused.status == 2)
    #expect(refused.stdout.isEmpty)
    #expect(
      refused.stderr
        == "policy-ledger: error: invalid --announces 'travel@2': the notice already announces travel@1; a notice announces at most one version of each policy\n")
    #expect(try head() == before)
    let amend = try run([
      "correct", "amend", "--notice", "H", "--issued-at", "2020-03-05", "--effective-from", "2020-04-01", "--statement", "s",
      "--reason", "r",
    ])
    #expect(amend.status == 2)
    #expect(amend.stderr == "policy-ledger: error: notice 'H' announces 2 versions (expenses@1, travel@2); amend the version: --version KEY@N\n")
    #expect(try head() == before)
    #expect(try run(["notices", "--format", "csv"]).lines.last?.contains(",expenses@1;travel@2,2,") == true)
    let timeline = try run(["timeline", "--employee", "E1", "--format", "csv"])
    #expect(timeline.lines.dropFirst().map { $0.split(separator: ",").prefix(5).joined(separator: ",") } == [
      "2020-03-01T00:00:00Z,notice,H,expenses,1", "2020-03-01T00:00:00Z,notice,H,travel,2",
    ])
    let retracted = try run([
      "correct", "retract", "--notice", "H", "--void-version", "--issued-at", "2020-03-05", "--statement", "s", "--reason", "r",
    ])
    #expect(retracted.status == 0)
    #expect(try run(["in-force", "--at", "2020-03-10", "--format", "csv"]).lines.dropFirst().map { $0.prefix(8) } == ["travel,1"])
    #expect(try run(["verify"]).status == 0)
  }

  @Test func usageMistakesAreReportedByTheParser() throws {
    let result = try run(["notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-07-10", "--sender", "it"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("Give exactly one of --to and --recipients-file."))
    #expect(!FileManager.default.fileExists(atPath: db))
  }
}
