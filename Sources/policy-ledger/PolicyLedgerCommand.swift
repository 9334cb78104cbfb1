import ArgumentParser
import Foundation
import PolicyLedger

/// The `policy-ledger` executable: a thin layer that parses, calls the library, and writes.
@main
struct PolicyLedgerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policy-ledger",
    abstract: "An append-only, tamper-evident ledger of workplace policies, the notices sent about them, and their corrections.",
    discussion: """
      Every recording command appends one hash-chained entry to the ledger (an SQLite file: \
      --db, before the command or after it, else $POLICY_LEDGER_DB, else ./policy-ledger.db). \
      Queries reconstruct what policy was in force at any instant, as it was known at any \
      instant, and as each employee had been told it. Times without an offset are read, and \
      times are printed, in --tz, else $POLICY_LEDGER_TZ, else UTC.

      Exit status: 0 success; 1 the thing checked is not as claimed (verify, check-proof, \
      check-export found a mismatch, or diff --exit-code found differences); 2 an error (refused, bad input, not found, no ledger), and \
      nothing was written; 64 a malformed command line; 130 or 143 interrupted by SIGINT or \
      SIGTERM, and nothing was recorded.

      Try it: policy-ledger demo. The version: policy-ledger --version.
      """,
    subcommands: [Demo.self],
    groupedSubcommands: [
      CommandGroup(name: "Record", subcommands: [Policy.self, Notice.self, Correct.self, Ack.self, Employee.self]),
      CommandGroup(
        name: "Query",
        subcommands: [
          InForce.self, History.self, Show.self, Timeline.self, Recipients.self, Outstanding.self, Policies.self,
          Notices.self, Employees.self, Coverage.self,
        ]),
      CommandGroup(name: "Report", subcommands: [Report.self, Diff.self]),
      CommandGroup(name: "Export and import", subcommands: [Export.self, Import.self]),
      CommandGroup(
        name: "Integrity",
        subcommands: [
          Verify.self, Head.self, Migrate.self, Keygen.self, CheckpointCommand.self, Prove.self, CheckProof.self,
          CheckExport.self,
        ]),
    ])

  /// The version `policy-ledger --version` prints. ArgumentParser's own `--version` is not
  /// used: every subcommand's help would list it, twice in `correct retract --help` beside
  /// that command's `--version KEY@N`; and a flag of the top-level command would take a
  /// subcommand's `--version` (a command's options are parsed from the whole command line).
  static let version = "1.0.0"

  /// Runs the command. Exit status, as `diff` and `grep` use it: 0 success; 1 a check found
  /// a mismatch (``Mismatch``); 2 an error — a ledger, time, input or output failure, one
  /// line on stderr, nothing written; 64 a malformed command line (ArgumentParser's usage
  /// errors). The query commands' usual arguments take the fast path (QuickCommandLine.swift);
  /// anything else, and anything it does not fully understand, goes to ArgumentParser.
  static func main() {
    StandardStreams.occupyClosed()
    // A file-size limit (`ulimit -f`) met by a write is an error the command reports
    // (`File too large`), removing its temporary output, not SIGXFSZ ending the process
    // with status 153 and the temporary file left behind.
    signal(SIGXFSZ, SIG_IGN)
    // Before anything can print, even a usage error: standard output or error opened on the
    // ledger (`1<>l.db 2>&1`) would take the bytes over the ledger's.
    do {
      let db = LeadingArguments.values(of: "--db", in: Array(CommandLine.arguments.dropFirst())).first
      try OutputFile.checkStandardStreams(ledger: LedgerSettings(db: db, tz: nil).path)
    } catch {
      fail(own: "\(error)")
    }
    TemporaryOutputs.removesOnSignals = true
    TemporaryOutputs.clearsLineOnSignals = true
    if let problem = invalidArgument() { fail(problem) }
    let arguments: [String]
    do {
      arguments = try LeadingArguments.normalised(Array(CommandLine.arguments.dropFirst()))
    } catch {
      fail(error.description, status: ExitStatus.usage)
    }
    do {
      // Refusals quote times in the zone the command reads and prints them in.
      if let zone = messageZone(arguments) {
        try Instant.$messageZone.withValue(zone) { try run(arguments) }
      } else {
        try run(arguments)
      }
      if let changed = LedgerSettings.changedWhileRead() { fail(own: changed.description) }
    } catch _ where LedgerSettings.changedWhileRead() != nil {
      // (readWithoutLocks is the ledger that changed, and stays set.)
      fail(own: LedgerSettings.readWithoutLocks!.changedWhileReadError.description)
    } catch let mismatch as Mismatch {
      fail(own: mismatch.description, status: ExitStatus.mismatch)
    } catch let error as LedgerError {
      fail(own: error.description)
    } catch let error as SQLiteError {
      fail(own: error.description)
    } catch let error as CSVError {
      fail(own: error.description)
    } catch let error as OutputError {
      fail(own: error.description)
    } catch {
      // ArgumentParser's own errors (usage: 64, help and version: 0) keep their status;
      // anything else is an error like the ones above. A usage error with a misspelt
      // command or option close to a known one says what was meant instead.
      if exitCode(for: error) == .failure, !(error is ExitCode) { fail(message(for: error)) }
      if exitCode(for: error).rawValue == ExitStatus.usage, let hint = MisspeltNames.hint(arguments) {
        fail(hint, status: ExitStatus.usage)
      }
      // The help (and `--experimental-dump-help`) is an answer: a standard output that
      // cannot take it (full, closed, a failing disk) is an error, exit 2, as for any other
      // answer; a reader gone (`| head`) ends the process by SIGPIPE, as for a query.
      if exitCode(for: error) == .success, !(error is ExitCode) {
        let text = fullMessage(for: error)
        if !text.isEmpty {
          do { try printLine(text) } catch { fail("\(error)") }
        }
        Foundation.exit(0)
      }
      // The parser's own usage error meets a pipe nobody reads as an error, not as SIGPIPE
      // ending the process with 141 in place of 64.
      signal(SIGPIPE, SIG_IGN)
      // A usage error quotes the word it could not read as given: shown with its control
      // characters escaped, as every other message is (the help, to standard output, holds
      // none of the command line's words).
      if exitCode(for: error).rawValue == ExitStatus.usage {
        StandardStreams.writeError(escapingControls(fullMessage(for: error)) + "\n")
        Foundation.exit(ExitStatus.usage)
      }
      exit(withError: error)
    }
  }

  /// Runs the command that `arguments` (after ``LeadingArguments``) name.
  static func run(_ arguments: [String]) throws {
    if let values = quickValues(arguments) {
      try values.run()
    } else if BashCompletion.isRequested(arguments) {
      ByteSink.standardOutput.write(BashCompletion.script(for: PolicyLedgerCommand.self))
      try ByteSink.standardOutput.flush()
    } else if arguments == ["--version"] {
      try printLine(version)
    } else if let (group, path) = MisspeltNames.groupWithoutSubcommand(arguments) {
      // A command line that names no command (`policy-ledger $CMD` with CMD empty) is a
      // usage error, not a success: the help goes to standard error, which carries
      // messages, and standard output stays empty.
      StandardStreams.writeError(helpMessage(for: group) + "\n")
      fail("give a command after '\(path)' (listed above)", status: ExitStatus.usage)
    } else if arguments.first == "help", arguments.count > 1,
      let hint = MisspeltNames.hint(Array(arguments.dropFirst().prefix { !$0.hasPrefix("-") }))
    {
      // ArgumentParser's `help` prints the root help, exit status 0, for a command it does
      // not know: a script asking `help histroy` would take that for an answer.
      fail(hint, status: ExitStatus.usage)
    } else {
      var command = try parseAsRoot(arguments)
      try command.run()
    }
  }

  /// The zone of `--tz` (or `$POLICY_LEDGER_TZ`) for the library's messages, or nil for UTC.
  /// A zone that does not parse is nil here: the command itself then refuses it, in its turn.
  static func messageZone(_ arguments: [String]) -> TimeZone? {
    let tz = LeadingArguments.values(of: "--tz", in: arguments).first
    // parseTimeZone, not timeZone(): a refusal's list of the nearest zone names is read once, by the command.
    guard let (text, _) = LedgerSettings(db: nil, tz: tz).zoneText else { return nil }
    return try? parseTimeZone(text)
  }

  /// The values the fast path built from `arguments` (the command line after
  /// ``LeadingArguments``), or nil for ArgumentParser to parse them;
  /// `POLICY_LEDGER_ARGUMENT_PARSER` can choose one path only (a diagnostic, see
  /// docs/performance.md).
  static func quickValues(_ arguments: [String]) -> (any QuickValues)? {
    switch QuickCommandLine.mode {
    case .argumentParserOnly: return nil
    case .automatic: return QuickCommandLine.values(arguments)
    case .fastOnly:
      guard let values = QuickCommandLine.values(arguments) else {
        fail("POLICY_LEDGER_ARGUMENT_PARSER=0: the fast path does not take these arguments")
      }
      return values
    }
  }

  /// Swift decodes the command line with replacement characters, so an argument that is not
  /// UTF-8 would be stored changed; refuse it instead, naming it with its bad bytes escaped.
  static func invalidArgument() -> String? {
    for index in 1..<Int(CommandLine.argc) {
      guard let pointer = CommandLine.unsafeArgv[index] else { continue }
      let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
      // ASCII is UTF-8: the usual command line is judged without the generic validation
      // (whose first use costs a query's start-up about 20,000 instructions).
      if !bytes.contains(where: { $0 >= 0x80 }) || String(validating: bytes, as: UTF8.self) != nil { continue }
      var shown = ""
      var i = 0
      while i < bytes.count {
        // The shortest valid character here, else the byte as \xNN.
        if let n = (1...4).first(where: { i + $0 <= bytes.count && String(validating: bytes[i..<i + $0], as: UTF8.self) != nil }) {
          shown += Identifier.printable(String(decoding: bytes[i..<i + n], as: UTF8.self))
          i += n
        } else {
          shown += "\\x" + String(bytes[i], radix: 16, uppercase: true)
          i += 1
        }
      }
      return "invalid argument '\(shown)': not valid UTF-8 text"
    }
    return nil
  }

  /// Prints `message` as the one line of an error and exits with `status` (default 2: an error).
  static func fail(_ message: String, status: Int32 = ExitStatus.error) -> Never {
    fail(line: oneLine(message), status: status)
  }

  /// ``fail(_:status:)`` for the project's own messages, which are one line as made: a line
  /// feed in one comes from a value it quotes (a path given to `--db`), and is shown as
  /// `\n`, as an id's is, rather than as a space that names another file.
  static func fail(own message: String, status: Int32 = ExitStatus.error) -> Never {
    fail(line: shown(own: message), status: status)
  }

  /// One of the project's own messages as ``fail(own:status:)`` shows it after
  /// `policy-ledger: error: ` (`verify --format` puts it in its `problem` column).
  static func shown(own message: String) -> String { escapingControls(message, lineFeed: "\\n") }

  private static func fail(line: String, status: Int32) -> Never {
    try? ByteSink.standardOutput.flush()
    StandardStreams.writeError("policy-ledger: error: \(line)\n")
    Foundation.exit(status)
  }

  /// The longest message shown, in characters (Unicode scalars).
  static let longestMessage = 10_000

  /// A message as one line of plain text, whatever values it quotes: line feeds become
  /// spaces (the parser's messages span lines), other control and format characters are
  /// shown escaped (`\u{1B}`), so that no value from a file or the command line can move
  /// the cursor, erase the line or retitle the window; and a message is cut after
  /// ``longestMessage`` characters with `…`, so that a value of megabytes cannot make a
  /// line of megabytes. Each value is escaped and cut where the message is made; this is
  /// the last line of defence.
  static func oneLine(_ message: String) -> String {
    escapingControls(message, lineFeed: " ")
  }

  /// `message` with its control and format characters escaped (`\u{1B}`), and each line
  /// feed kept, or replaced by `lineFeed`; cut after ``longestMessage`` characters with `…`.
  static func escapingControls(_ message: String, lineFeed: String = "\n") -> String {
    var text = ""
    for (count, scalar) in message.unicodeScalars.enumerated() {
      if count == longestMessage {
        text += "…"
        break
      }
      if scalar == "\n" {
        text += lineFeed
        continue
      }
      switch scalar.properties.generalCategory {
      case .control, .format, .lineSeparator, .paragraphSeparator: text += Identifier.escaped(scalar)
      default: text.unicodeScalars.append(scalar)
      }
    }
    return text
  }
}

/// The exit statuses of contract section 5, as `diff` and `grep` use them.
enum ExitStatus {
  /// The thing checked is not as claimed: `verify`, `check-proof` or `check-export` found a
  /// mismatch, or `diff --exit-code` found differences.
  static let mismatch: Int32 = 1
  /// Refused, bad input, not found, no ledger: nothing was written.
  static let error: Int32 = 2
  /// A malformed command line (ArgumentParser's `ValidationError` and parse errors).
  static let usage: Int32 = 64
}

/// A check's verdict that the thing checked is not as claimed (exit status 1), as opposed to
/// an error that kept the check from running (exit status 2).
struct Mismatch: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Writes one line to stdout: the id a recording command prints.
func printLine(_ text: String) throws {
  ByteSink.standardOutput.write(text + "\n")
  try ByteSink.standardOutput.flush()
}
