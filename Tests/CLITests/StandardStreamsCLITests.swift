import Foundation
import Testing

/// Standard streams as scripts and cron jobs leave them: closed, full, or a pipe nobody
/// reads. Nothing may end the process with a trap; an import that committed says 0 even
/// when its summary cannot be written; a refusal is still exit status 2 with nothing written.
@Suite struct StandardStreamsCLITests {
  /// `sh -c 'exec policy-ledger … REDIRECTION'`.
  static func launcher(_ redirection: String) -> [String] { ["/bin/sh", "-c", "exec \"$0\" \"$@\" \(redirection)"] }

  static let versions = "policy,title,body,effective_from\nq,T,B,2021-01-01\n"

  /// Runs the binary with standard error a pipe whose reading end was closed before it
  /// started, and waits for it.
  static func runWithStandardErrorUnread(_ arguments: [String]) throws -> Process {
    let err = Pipe()
    try err.fileHandleForReading.close()
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try err.fileHandleForWriting.close()
    process.waitUntilExit()
    return process
  }

  @Test(arguments: ["2>&-", "2>/dev/full"])
  func anImportWhoseSummaryCannotBeWrittenHasStillSucceeded(_ redirection: String) throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let file = try dir.write("v.csv", Self.versions)
    let first = try CLI.run(["import", "versions", file, "--db", db], launcher: Self.launcher(redirection))
    #expect(first.status == 0, "the rows are in: a script must not import them again")
    #expect(first.stdout.isEmpty)
    #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("1:"))
    #expect(try CLI.run(["verify", "--db", db]).status == 0)
  }

  @Test func anImportWhoseSummaryMeetsAPipeNobodyReadsHasStillSucceeded() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let file = try dir.write("v.csv", Self.versions)
    let process = try Self.runWithStandardErrorUnread(["import", "versions", file, "--db", db])
    #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("1:"))
  }

  /// Standard error a pipe whose reader has gone: a refusal is exit status 2, not death by
  /// SIGPIPE (141).
  @Test func aRefusalIntoAPipeNobodyReadsIsStillExitStatus2() throws {
    let demo = try DemoLedger()
    for (arguments, status) in [
      (["in-force", "nosuch", "--at", "now"], Int32(2)), (["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "x"], 2),
      // The argument parser's own messages too: a missing option, a value outside a list.
      (["policy", "add"], 64), (["history", "p", "--format", "xml"], 64),
    ] {
      let process = try Self.runWithStandardErrorUnread(arguments + ["--db", demo.db])
      #expect(process.terminationReason == .exit && process.terminationStatus == status, "\(arguments)")
    }
  }

  @Test(arguments: ["2>&-", "2>/dev/full", "<&- >&- 2>&-"])
  func aRefusalWithNowhereToSayItIsStillExitStatus2(_ redirection: String) throws {
    let demo = try DemoLedger()
    let before = LedgerFiles.sha256(demo.db)
    let query = try CLI.run(["in-force", "nosuch", "--at", "now", "--db", demo.db], launcher: Self.launcher(redirection))
    #expect(query.status == 2)
    let recording = try CLI.run(
      ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "not-a-time", "--db", demo.db],
      launcher: Self.launcher(redirection))
    #expect(recording.status == 2)
    #expect(LedgerFiles.sha256(demo.db) == before)
  }

  @Test func aRecordingThatCannotPrintItsIdAnywhereIsExitStatus2AndRecorded() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let result = try CLI.run(
      ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--db", db],
      launcher: Self.launcher(">&- 2>&-"))
    #expect(result.status == 2, "as when standard output alone fails: the entry exists, and 2 says the output was lost")
    #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("1:"))
  }

  /// `--body-file -` with standard input closed, or a folder: a read that fails is named
  /// with its own reason, and the first command creates no ledger.
  @Test(arguments: [
    ("<&-", "-", "cannot read it (Bad file descriptor)"),
    // By name, standard input closed is read as closed, not as the empty stand-in.
    ("<&-", "/dev/stdin", "cannot read it (Bad file descriptor)"),
    ("< /", "-", "cannot read it (Is a directory)"),
    ("", "/", "cannot read it (Is a directory)"),
    ("", "/nonexistent/body.txt", "cannot open it (No such file or directory)"),
  ])
  func aBodyFileThatCannotBeReadSaysWhy(_ redirection: String, _ file: String, _ reason: String) throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    for (command, option) in [
      (["policy", "add", "p", "--title", "T", "--effective-from", "2020-01-01"], "--body-file"),
      (["notice", "send", "--subject", "S", "--sent-at", "2020-01-01", "--sender", "hr", "--to", "E1"], "--body-file"),
    ] {
      let result = try CLI.run(command + [option, file, "--db", db], launcher: Self.launcher(redirection))
      #expect(result.status == 2, "\(command)")
      #expect(result.stderr == "policy-ledger: error: invalid \(option) '\(file)': \(reason)\n", "\(command)")
      #expect(!LedgerFiles.exists(db), "\(command)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    // A correction's statement, on a ledger that holds what it corrects.
    let demo = try DemoLedger()
    let before = LedgerFiles.sha256(demo.db)
    let result = try CLI.run(
      ["correct", "retract", "--notice", "N-2020-07-10-0800", "--issued-at", "2020-07-11", "--reason", "r", "--statement-file", file,
       "--db", demo.db],
      launcher: Self.launcher(redirection))
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: invalid --statement-file '\(file)': \(reason)\n")
    #expect(LedgerFiles.sha256(demo.db) == before)
  }

  /// Two options reading standard input in one command: a usage error naming both, as for
  /// an import's file and `--recipients`; the second read would have found it empty.
  @Test func standardInputGivenToTwoOptionsIsAUsageError() throws {
    let demo = try DemoLedger()
    let before = LedgerFiles.sha256(demo.db)
    for (command, first) in [
      (["notice", "send", "--subject", "S", "--body-file", "-", "--sent-at", "2020-09-01", "--sender", "hr"], "--body-file"),
      (["correct", "retract", "--notice", "N-2020-07-10-0800", "--issued-at", "2020-07-11", "--reason", "r", "--statement-file", "-"],
       "--statement-file"),
      (["correct", "amend", "--version", "mobile-devices@1", "--issued-at", "2020-07-11", "--reason", "r", "--statement-file", "-",
        "--effective-until", "2020-08-01"], "--statement-file"),
    ] {
      let result = try CLI.run(command + ["--recipients-file", "-", "--db", demo.db], stdin: "E9\n")
      #expect(result.status == 64, "\(command)")
      #expect(
        result.stderr.hasPrefix("Error: \(first) and --recipients-file cannot both be '-': standard input can be read only once.\n"),
        "\(command): \(result.stderr)")
    }
    #expect(LedgerFiles.sha256(demo.db) == before)
  }

  /// The help is an answer: when standard output cannot take it, the command says so and
  /// fails, as a query does, where it had exited 0 with nothing printed.
  @Test(arguments: [(">&-", "Bad file descriptor"), (">/dev/full", "No space left on device")])
  func theHelpThatCannotBePrintedIsAnError(_ redirection: String, _ reason: String) throws {
    for arguments in [["--help"], ["in-force", "--help"], ["help", "notice", "send"], ["--experimental-dump-help"]] {
      let result = try CLI.run(arguments, launcher: Self.launcher(redirection))
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderr == "policy-ledger: error: cannot write to standard output: \(reason)\n", "\(arguments)")
    }
    // Printed, the same help as ever, exit 0.
    let help = try CLI.run(["in-force", "--help"])
    #expect(help.status == 0 && help.stderr.isEmpty)
    #expect(help.stdout.hasPrefix("OVERVIEW: ") && help.stdout.hasSuffix("\n") && !help.stdout.hasSuffix("\n\n\n"))
  }

  /// `report --output FILE` prints FILE's name; when standard output cannot take it, the
  /// command fails, saying that the report was written all the same.
  @Test(arguments: [(">&-", "Bad file descriptor"), (">/dev/full", "No space left on device")])
  func aReportWhoseNameCannotBePrintedSaysItWasWritten(_ redirection: String, _ reason: String) throws {
    let demo = try DemoLedger()
    let out = demo.dir.file("r.html")
    let result = try CLI.run(["report", "--output", out, "--db", demo.db], launcher: Self.launcher(redirection))
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: wrote the report to \(out), but cannot write to standard output: \(reason)\n")
    #expect(try String(contentsOfFile: out, encoding: .utf8).hasSuffix("</html>\n"))
  }
}
