import Foundation
import PolicyLedger
import Testing

/// Finding what the ledger holds (`policies`, `notices`) and "did you mean …" for a
/// misspelt command, option, key, notice id or employee (contract section 5, rule 15).
struct DiscoveryCLITests: OnDemoLedger {
  let demo: DemoLedger

  init() throws { demo = try DemoLedger() }

  // MARK: policies

  @Test func policiesListsEachKeyWithItsLatestAndInForceVersions() throws {
    let now = try run(["policies", "--format", "csv"])
    #expect(now.status == 0)
    #expect(now.stdout == "policy,latest_version,in_force_version,title\nmobile-devices,2,1,Mobile devices that access company email\n")
    let before = try run(["policies", "--at", "2019-06-01", "--format", "json"])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [[String: Any]])
    #expect(rows.count == 1)
    #expect(rows[0]["latest_version"] as? Int == 2)
    #expect(rows[0]["in_force_version"] is NSNull)
  }

  @Test func policiesOfALedgerWithoutPoliciesIsAHeader() throws {
    let path = dir.file("acks-only.db")
    try #require(try CLI.run(["verify", "--db", path]).status == 2)
    let added = try CLI.run([
      "policy", "add", "a", "--title", "A", "--body", "x", "--effective-from", "2030-01-01", "--db", path,
    ])
    try #require(added.status == 0)
    let result = try CLI.run(["policies", "--at", "2020-01-01", "--format", "csv", "--db", path])
    #expect(result.stdout == "policy,latest_version,in_force_version,title\na,1,,A\n")
  }

  // MARK: notices

  @Test func noticesListsEachNoticeWithItsCountAndStatus() throws {
    let all = try run(["notices", "--format", "csv"])
    #expect(all.status == 0)
    #expect(
      all.stdout == """
        id,sent_at,subject,announces,recipients,status
        N-2020-07-06-welcome,2020-07-06T16:00:00Z,Welcome: set up company email on your phone,,1,sent
        N-2020-07-10-0800,2020-07-10T15:00:00Z,Action required: remove TikTok from mobile devices,mobile-devices@2,4,retracted

        """)
    let json = try run(["notices", "--policy", "mobile-devices", "--format", "jsonl"])
    #expect(json.stdout.contains("\"announces\":[\"mobile-devices@2\"],\"recipients\":4,\"status\":\"retracted\""))
    let day = try run(["notices", "--from", "2020-07-10", "--to", "2020-07-10", "--format", "csv", "--no-headers"])
    #expect(day.lines.count == 1)
    let later = try run(["notices", "--from", "2020-07-11", "--format", "csv", "--no-headers"])
    #expect(later.stdout.isEmpty)
  }

  @Test func errorsPointToTheNoticesCommand() throws {
    let result = try run(["recipients", "ZZZZZZZZZZZZZ"])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "policy-ledger: error: no notice or correction 'ZZZZZZZZZZZZZ' in this ledger (list notices with 'policy-ledger notices')\n")
  }

  /// A query refused before its first row prints nothing on stdout in any format: a CSV
  /// header or JSON's `[` before the error would read as an empty answer in a pipe.
  @Test func aRefusedQueryLeavesStandardOutputEmptyInEveryFormat() throws {
    let noRoster = dir.file("no-roster.db")
    try LedgerFiles.makeFullLedger(at: noRoster)
    for format in ["csv", "tsv", "json", "jsonl", "table"] {
      for arguments in [
        ["recipients", "NOPE", "--db", db], ["outstanding", "--notice", "NOPE", "--db", db],
        ["coverage", "no-such-policy", "--at", "2020-07-10", "--db", db],
        ["coverage", "mobile-devices", "--at", "2020-07-10", "--db", noRoster], ["timeline", "--employee", "NOPE", "--db", db],
      ] {
        let result = try CLI.run(arguments + ["--format", format])
        #expect(result.status == 2, "\(arguments) \(format)")
        #expect(result.stdout.isEmpty, "\(arguments) \(format): \(result.stdout)")
        #expect(result.stderr.hasPrefix("policy-ledger: error: "), "\(arguments) \(format)")
      }
    }
    // An empty answer still has its header (and JSON its `[]`).
    #expect(try run(["outstanding", "--notice", "N-2020-07-06-welcome", "--format", "csv"]).stdout == "notice,employee,correction,correction_kind\n")
    #expect(try run(["outstanding", "--notice", "N-2020-07-06-welcome", "--format", "json"]).stdout == "[]\n")
  }

  // MARK: did you mean

  @Test func aMisspeltSubcommandGetsTheNearestName() throws {
    for arguments in [["histroy", "mobile-devices"], ["--db", db, "histroy", "mobile-devices"]] {
      let result = try CLI.run(arguments)
      #expect(result.status == 64)
      #expect(result.stdout.isEmpty)
      #expect(result.stderr == "policy-ledger: error: unknown command 'histroy' for 'policy-ledger'; did you mean 'history'?\n")
    }
    // `help` with a misspelt or unknown command: a usage error too, not the root help.
    let help = try CLI.run(["help", "histroy"])
    #expect(help.status == 64 && help.stdout.isEmpty)
    #expect(help.stderr == "policy-ledger: error: unknown command 'histroy' for 'policy-ledger'; did you mean 'history'?\n")
    let nestedHelp = try CLI.run(["help", "notice", "sned"])
    #expect(nestedHelp.status == 64 && nestedHelp.stderr.contains("did you mean 'send'?"))
    #expect(try CLI.run(["help", "nosuch"]).status == 64)
    #expect(try CLI.run(["--db", db, "help", "history"]).status == 0)
    // No command at all, or a group without its subcommand: a usage error, the help on
    // standard error (a script's `policy-ledger $CMD` with CMD empty must not succeed).
    for (arguments, path) in [([String](), "policy-ledger"), (["notice"], "policy-ledger notice"), (["--db", db, "correct"], "policy-ledger correct")] {
      let bare = try CLI.run(arguments)
      #expect(bare.status == 64 && bare.stdout.isEmpty, "\(arguments): \(bare)")
      #expect(bare.stderr.contains("USAGE: \(path)"), "\(bare.stderr)")
      #expect(bare.stderr.hasSuffix("policy-ledger: error: give a command after '\(path)' (listed above)\n"), "\(bare.stderr)")
    }
    let rootHelp = try CLI.run(["--help"])
    #expect(rootHelp.status == 0 && rootHelp.stdout.contains("USAGE: policy-ledger"))
    let known = try CLI.run(["help", "notice", "send"])
    #expect(known.status == 0 && known.stdout.contains("USAGE: policy-ledger notice send"))
    let nested = try run(["notice", "sned"])
    #expect(nested.stderr == "policy-ledger: error: unknown command 'sned' for 'policy-ledger notice'; did you mean 'send'?\n")
    let far = try run(["frobnicate"])
    #expect(far.status == 64)
    #expect(far.stderr == "policy-ledger: error: unknown command 'frobnicate' for 'policy-ledger' (see 'policy-ledger --help')\n")
  }

  @Test func aMisspeltOptionGetsTheNearestName() throws {
    let employee = try run(["timeline", "--employe", "E1001"])
    #expect(employee.status == 64)
    #expect(employee.stdout.isEmpty)
    #expect(employee.stderr == "policy-ledger: error: unknown option '--employe' for 'policy-ledger timeline'; did you mean '--employee'?\n")
    let void = try run(["correct", "retract", "--void", "--notice", "N-2020-07-10-0800"])
    #expect(void.stderr == "policy-ledger: error: unknown option '--void' for 'policy-ledger correct retract'; did you mean '--void-version'?\n")
    let attached = try run(["history", "mobile-devices", "--as-know-at=now"])
    #expect(attached.stderr.contains("did you mean '--as-known-at'?"))
  }

  /// Recording commands suggest a policy key as queries do; an id that differs only in case
  /// is suggested however short; `ack` of a correction says what it is.
  @Test func recordingCommandsAndShortIdsGetTheNearestNamesToo() throws {
    let before = LedgerFiles.sha256(db)
    for (arguments, message) in [
      (
        ["notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-08-01", "--sender", "hr", "--announces", "mobile-device@2", "--to", "E1"],
        "invalid --announces 'mobile-device@2': no policy 'mobile-device' in this ledger; did you mean 'mobile-devices'?"
      ),
      (
        ["correct", "retract", "--version", "mobile-devics@1", "--issued-at", "2020-08-01", "--statement", "S", "--reason", "R"],
        "invalid --version 'mobile-devics@1': no policy 'mobile-devics' in this ledger; did you mean 'mobile-devices'?"
      ),
      (
        ["ack", "--notice", "R-2020-07-10-1400", "--employee", "E1001", "--at", "2020-08-01"],
        "invalid --notice 'R-2020-07-10-1400': it is a correction, not a notice; only notices are acknowledged (who received a correction: 'policy-ledger recipients R-2020-07-10-1400')"
      ),
    ] {
      let result = try run(arguments)
      #expect(result.status == 2 && result.stderr == "policy-ledger: error: \(message)\n", "\(arguments): \(result)")
    }
    #expect(LedgerFiles.sha256(db) == before)
    #expect(NearestNames.suggestions(for: "n1", among: ["N1", "N2", "M1"]) == ["N1"])
    #expect(NearestNames.suggestions(for: "N9", among: ["N1"]) == [])
    let shown = try run(["show", "n-2020-07-06-WELCOME"])
    #expect(shown.stderr.hasSuffix("did you mean 'N-2020-07-06-welcome'?\n"), "\(shown)")
  }

  @Test func aMisspeltKeyNoticeOrEmployeeGetsTheNearestNames() throws {
    let key = try run(["history", "mobile-devicse"])
    #expect(key.status == 2)
    #expect(key.stderr == "policy-ledger: error: no policy 'mobile-devicse'; did you mean 'mobile-devices'?\n")
    let far = try run(["history", "payroll"])
    #expect(far.stderr == "policy-ledger: error: no policy 'payroll'\n")
    let notice = try run(["outstanding", "--notice", "N-2020-07-10-0801"])
    #expect(
      notice.stderr
        == "policy-ledger: error: no notice 'N-2020-07-10-0801' in this ledger; did you mean 'N-2020-07-10-0800'? (list notices with 'policy-ledger notices')\n")
    let shown = try run(["show", "R-2020-07-10-140"])
    #expect(shown.stderr.hasSuffix("; did you mean 'R-2020-07-10-1400'?\n"))
    let employee = try run(["timeline", "--employee", "E1O01"])
    #expect(employee.status == 2)
    #expect(
      employee.stderr
        == "policy-ledger: error: no employee 'E1O01' in this ledger: not on the roster, and nothing was sent to them; did you mean 'E1001'?\n")
    // A refused recording names the nearest notice too, and records nothing.
    let head = try run(["head"]).stdout
    let ack = try run(["ack", "--notice", "N-2020-07-10-080", "--employee", "E1001", "--at", "2020-07-11"])
    #expect(ack.status == 2)
    #expect(ack.stderr.contains("did you mean 'N-2020-07-10-0800'?"))
    #expect(try run(["head"]).stdout == head)
  }
}
