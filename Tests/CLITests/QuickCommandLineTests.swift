import Foundation
import Testing

@testable import policy_ledger

/// The fast path of the query commands (QuickCommandLine.swift) against ArgumentParser,
/// which stays the authority: both must answer every argument list identically, the fast
/// path must take the usual shapes (the benchmark's among them) and leave everything else
/// alone, and its tables must name exactly the options ArgumentParser declares.
struct QuickCommandLineTests {
  /// Whether the fast path must take an argument list or leave it to ArgumentParser.
  enum Path { case fast, argumentParser }

  /// Argument lists over the demo ledger; `DB` stands for its path, `MISSING` for a file
  /// that does not exist.
  static let corpus: [(Path, [String])] = [
    // in-force: the benchmark's shape, then orders, `=` forms and every option.
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--format", "csv", "--db", "DB"]),
    (.fast, ["in-force", "--db=DB", "--format=csv", "--at=2020-07-10T23:00:00Z", "mobile-devices"]),
    (.fast, ["in-force", "--at", "2020-07-10T23:00:00Z", "--db", "DB"]),
    (
      .fast,
      [
        "in-force", "--as-told-to", "E1004", "mobile-devices", "--tz", "America/Los_Angeles", "--at",
        "2020-07-10T15:00:00", "--as-known-at=2020-07-10T15:00:00", "--format", "json", "--db", "DB",
      ]
    ),
    (
      .fast,
      [
        "in-force", "--excel-safe", "--as-recorded-at", "2099-01-01T00:00:00Z", "--at", "2020-07-10T16:00:00-07:00",
        "--format", "jsonl", "--db", "DB",
      ]
    ),
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--format", "table", "--db", "DB"]),
    // Errors of the command itself, on the fast path: the messages are run()'s.
    (.fast, ["in-force", "mobile-devices", "--at", "yesterday", "--db", "DB"]),
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--tz", "Mars/Olympus", "--db", "DB"]),
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--as-known-at", "2020-13-01", "--db", "DB"]),
    (.fast, ["in-force", "nope", "--at", "2020-07-10T12:00:00Z", "--db", "DB"]),
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--db", "MISSING"]),
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--db=a=b"]),
    // A positional that is another command's name is only a key.
    (.fast, ["in-force", "verify", "--at", "2020-07-10T12:00:00Z", "--db", "DB"]),
    // Everything else is ArgumentParser's.
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--color", "red", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--at", "2020-07-10T12:00:00Z", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at=2020-07-10T12:00:00Z", "--db", "DB", "--db=DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--excel-safe", "--at", "2020-07-10T12:00:00Z", "--excel-safe", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--db", "DB", "--at"]),
    (.argumentParser, ["in-force", "mobile-devices", "--db", "DB", "--at="]),
    (.argumentParser, ["in-force", "mobile-devices", "--db", "DB"]),
    (.argumentParser, ["in-force"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--format", "xml", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--format=CSV", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--format", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "-2020-07-10", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "other", "--at", "2020-07-10T12:00:00Z", "--db", "DB"]),
    (.argumentParser, ["in-force", "--at", "2020-07-10T12:00:00Z", "--db", "DB", "--", "mobile-devices"]),
    (.argumentParser, ["in-force", "-", "--at", "2020-07-10T12:00:00Z", "--db", "DB"]),
    (.argumentParser, ["in-force", "help", "--at", "2020-07-10T12:00:00Z", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--excel-safe=true", "--db", "DB"]),
    (.argumentParser, ["in-force", "--help"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "-h", "--db", "DB"]),
    (.argumentParser, ["help", "in-force"]),
    (.argumentParser, ["in-force", "--version"]),
    (.argumentParser, ["in-force", "--experimental-dump-help"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "-db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "---db", "DB"]),
    (.fast, ["--db", "DB", "in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z"]),
    (.fast, ["--db=DB", "history", "mobile-devices", "--db", "DB", "--format", "tsv"]),
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T05:00:00", "--tz", "-07:00", "--db", "DB"]),
    (.fast, ["in-force", "mobile-devices", "--at", "2020-07-10T05:00:00", "--tz=-0700", "--with-body", "--db", "DB"]),
    (.fast, ["history", "mobile-devices", "--format", "csv", "--no-headers", "--db", "DB"]),
    (.fast, ["timeline", "--employee", "E1001", "--limit", "1", "--reverse", "--db", "DB"]),
    (.fast, ["timeline", "--policy", "mobile-devices", "--from", "2020-07-10", "--to", "2020-07-10", "--db", "DB"]),
    (.argumentParser, ["timeline", "--employee", "E1001", "--limit", "many", "--db", "DB"]),
    (.fast, ["policies", "--db", "DB"]),
    (.fast, ["policies", "--at", "2020-07-10T12:00:00Z", "--format", "csv", "--db", "DB"]),
    (.fast, ["notices", "--policy", "mobile-devices", "--from", "2020-07-10", "--to", "2020-07-10", "--db", "DB"]),
    (.fast, ["notices", "--format", "json", "--db", "DB"]),
    (.fast, ["notices", "--policy", "mobile-device", "--db", "DB"]),
    (.argumentParser, ["timeline", "--employee", "E1001", "--limit", "-1", "--db", "DB"]),
    (.argumentParser, ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--db", "DB", "--generate-completion-script", "bash"]),
    // The other query commands and head.
    (.fast, ["history", "mobile-devices", "--db", "DB", "--format", "csv"]),
    (.fast, ["history", "--at=2020-07-10T16:00:00-07:00", "--as-known-at", "2020-07-10T12:00:00-07:00", "mobile-devices", "--db=DB"]),
    (.fast, ["history", "mobile-devices", "--at", "never", "--db", "DB"]),
    (.argumentParser, ["history", "--db", "DB"]),
    (.argumentParser, ["history", "mobile-devices", "--as-told-to", "E1004", "--db", "DB"]),
    (.fast, ["show", "mobile-devices@2", "--db", "DB"]),
    (.fast, ["show", "--format", "json", "N-2020-07-10-0800", "--db", "DB"]),
    (.fast, ["show", "R-2020-07-10-1400", "--format", "csv", "--excel-safe", "--tz", "America/Los_Angeles", "--db", "DB"]),
    (.fast, ["show", "mobile-devices@9", "--db", "DB"]),
    (.argumentParser, ["show", "--db", "DB"]),
    (.argumentParser, ["show", "mobile-devices@2", "--at", "2020-07-10T12:00:00Z", "--db", "DB"]),
    (.fast, ["timeline", "--employee", "E1004", "--format", "csv", "--tz", "America/Los_Angeles", "--db", "DB"]),
    (
      .fast,
      [
        "timeline", "--policy=mobile-devices", "--from", "2020-07-10T14:00:00-07:00", "--to", "2020-07-10T14:00:00-07:00",
        "--db", "DB", "--as-recorded-at", "2099-01-01T00:00:00Z",
      ]
    ),
    (.fast, ["timeline", "--employee", "E1001", "--from", "soon", "--db", "DB"]),
    (.argumentParser, ["timeline", "--db", "DB"]),
    (.argumentParser, ["timeline", "--employee", "E1004", "--policy", "mobile-devices", "--db", "DB"]),
    (.argumentParser, ["timeline", "E1004", "--db", "DB"]),
    (.fast, ["recipients", "N-2020-07-10-0800", "--format", "csv", "--db", "DB"]),
    (.fast, ["recipients", "--db=DB", "N404"]),
    (.argumentParser, ["recipients", "--db", "DB"]),
    (.fast, ["outstanding", "--format", "csv", "--db", "DB"]),
    (.fast, ["outstanding", "--as-known-at", "2020-07-10T13:00:00-07:00", "--notice", "N-2020-07-10-0800", "--db", "DB"]),
    (.fast, ["outstanding", "--notice", "N404", "--db", "DB"]),
    (.argumentParser, ["outstanding", "N-2020-07-10-0800", "--db", "DB"]),
    (.fast, ["head", "--db", "DB"]),
    (.fast, ["head", "--db", "MISSING"]),
    (.fast, ["head", "--db", "DB", "--format", "csv"]),
    (.fast, ["head", "--format=json", "--db", "DB"]),
    (.argumentParser, ["head", "--db", "DB", "--format", "xml"]),
    (.fast, ["coverage", "mobile-devices", "--at", "2020-07-10T12:00:00-07:00", "--status", "not_told", "--format", "csv", "--db", "DB"]),
    (.fast, ["coverage", "--status=acknowledged", "--summary", "mobile-devices", "--at", "2020-07-10T23:00:00Z", "--db", "DB"]),
    (.fast, ["employees", "--group", "contractors", "--at", "2020-07-10T12:00:00Z", "--format", "csv", "--db", "DB"]),
    (.argumentParser, ["coverage", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--status", "read", "--db", "DB"]),
    (.argumentParser, ["coverage", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--status", "Told", "--db", "DB"]),
    // Commands the fast path does not serve.
    (.argumentParser, ["verify", "--db", "DB"]),
    (.argumentParser, ["export", "policies", "--db", "DB"]),
    (.argumentParser, []),
    (.argumentParser, ["--version"]),
    (.argumentParser, ["nonsense", "--db", "DB"]),
  ]

  @Test(.tags(.slow)) func bothPathsAnswerEveryArgumentListIdentically() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("demo.db")
    let demo = try CLI.run(["demo", "--db", db])
    try #require(demo.status == 0, "\(demo.stderr)")
    let cases = Self.corpus.map { path, arguments in
      (
        path,
        arguments.map {
          $0.replacingOccurrences(of: "DB", with: db).replacingOccurrences(of: "MISSING", with: dir.file("missing.db"))
        }
      )
    }
    // Each list runs three times: as usual, through ArgumentParser only, and through the
    // fast path only (which says so and exits 1 when it does not take the arguments).
    nonisolated(unsafe) var results = [[CLIResult]](repeating: [], count: cases.count)
    let lock = NSLock()
    let directory = dir.path
    DispatchQueue.concurrentPerform(iterations: cases.count) { index in
      let arguments = cases[index].1
      var runs: [CLIResult] = []
      for mode in [nil, "1", "0"] {
        let environment = mode.map { ["POLICY_LEDGER_ARGUMENT_PARSER": $0] } ?? [:]
        let result =
          (try? CLI.run(arguments, environment: environment, currentDirectory: directory))
          ?? CLIResult(stdout: "", stderr: "could not start", status: -1)
        runs.append(result)
      }
      lock.withLock { results[index] = runs }
    }
    var fastSuccesses = 0
    for ((path, arguments), runs) in zip(cases, results) {
      let usual = runs[0], argumentParser = runs[1], fastOnly = runs[2]
      #expect(usual.stdout == argumentParser.stdout, "stdout of \(arguments)")
      #expect(usual.stderr == argumentParser.stderr, "stderr of \(arguments)")
      #expect(usual.status == argumentParser.status, "status of \(arguments)")
      switch path {
      case .fast:
        #expect(fastOnly.stdout == usual.stdout && fastOnly.stderr == usual.stderr && fastOnly.status == usual.status, "fast path of \(arguments)")
        if usual.status == 0 { fastSuccesses += 1 }
      case .argumentParser:
        #expect(fastOnly.stdout.isEmpty, "fast path of \(arguments)")
        #expect(fastOnly.stderr == "policy-ledger: error: POLICY_LEDGER_ARGUMENT_PARSER=0: the fast path does not take these arguments\n", "fast path of \(arguments)")
        #expect(fastOnly.status == 2, "fast path of \(arguments)")
      }
    }
    // The corpus exercises answers, not only refusals.
    #expect(fastSuccesses >= 15)
  }

  @Test func theBenchmarksQueryTakesTheFastPath() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("demo.db")
    try #require(try CLI.run(["demo", "--db", db]).status == 0)
    let arguments = ["in-force", "mobile-devices", "--at", "2020-07-10T23:00:00Z", "--format", "csv", "--db", db]
    let fast = try CLI.run(arguments, environment: ["POLICY_LEDGER_ARGUMENT_PARSER": "0"])
    #expect(fast.status == 0, "\(fast.stderr)")
    #expect(fast.lines.count == 2)
    #expect(fast.lines.first == "policy,version,title,effective_from,effective_until,announced_at,body_sha256")
    // In-process: the same function main() calls builds the values, every one set.
    let values = try #require(QuickCommandLine.values(arguments) as? PolicyLedgerCommand.InForce.Values)
    #expect(values.policy == "mobile-devices")
    #expect(values.at == "2020-07-10T23:00:00Z")
    #expect(values.output.format == .csv)
    #expect(values.output.excelSafe == false)
    #expect(values.ledger.db == db)
    #expect(values.ledger.tz == nil)
    #expect(values.knowledge.asKnownAt == nil && values.knowledge.asRecordedAt == nil)
    #expect(values.asToldTo == nil)
  }

  /// The values ArgumentParser's command hands to run(), as text.
  static func argumentParserValues(_ arguments: [String]) throws -> String {
    switch try PolicyLedgerCommand.parseAsRoot(arguments) {
    case let command as PolicyLedgerCommand.InForce: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.History: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Show: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Timeline: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Recipients: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Outstanding: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Head: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Policies: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Notices: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Employees: String(reflecting: command.values)
    case let command as PolicyLedgerCommand.Coverage: String(reflecting: command.values)
    case let command: "not a query command: \(command)"
    }
  }

  /// Field by field, the fast path builds what ArgumentParser builds, for every list it
  /// takes; and it takes none of the others.
  @Test func bothPathsBuildTheSameValues() throws {
    for (path, given) in Self.corpus {
      // What main() hands both parsers: the command line after LeadingArguments.
      let arguments = try LeadingArguments.normalised(given)
      let fast = QuickCommandLine.values(arguments)
      switch path {
      case .fast:
        let values = try #require(fast, "\(arguments)")
        let argumentParser = try Self.argumentParserValues(arguments)
        #expect(String(reflecting: values) == argumentParser, "\(arguments)")
      case .argumentParser:
        #expect(fast == nil, "\(arguments)")
      }
    }
  }

  /// Every query command (the root's "Query" group) and `head` has a fast table: a query
  /// command added without one fails here instead of silently losing the measured start-up.
  @Test func everyQueryCommandHasAFastTable() throws {
    let group = try #require(PolicyLedgerCommand.configuration.groupedSubcommands.first { $0.name == "Query" })
    let queries = group.subcommands.compactMap { $0.configuration.commandName } + ["head"]
    #expect(queries.count == group.subcommands.count + 1)
    let served = Set(QuickCommandLine.commands.map(\.name))
    for query in queries { #expect(served.contains(query), "the query command '\(query)' has no fast table") }
  }

  /// The fast path names each command without building its configuration; the name must be
  /// ArgumentParser's, and the fast path must know no command by another name.
  @Test func eachFastCommandIsNamedAsArgumentParserNamesIt() throws {
    #expect(QuickCommandLine.commands.count == QuickCommandLine.names.count)
    for command in QuickCommandLine.commands {
      #expect(command.command.configuration.commandName == command.name)
      #expect(QuickCommandLine.command(named: command.name)?.name == command.name)
    }
    #expect(Set(QuickCommandLine.names).count == QuickCommandLine.names.count)
    #expect(QuickCommandLine.command(named: "verify") == nil)
    #expect(QuickCommandLine.command(named: "In-Force") == nil)
  }

  /// Each fast table names exactly the options, flags and positional argument that
  /// ArgumentParser declares for the command (as its --experimental-dump-help shows them).
  @Test(arguments: QuickCommandLine.commands.map(\.name))
  func theFastTableAgreesWithArgumentParser(_ name: String) throws {
    let fast = try #require(QuickCommandLine.commands.first { $0.name == name })
    let dump = try CLI.run([name, "--experimental-dump-help"])
    try #require(dump.status == 0, "\(dump.stderr)")
    let info = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
    let command = try #require(info["command"] as? [String: Any])
    #expect(command["commandName"] as? String == name)
    let arguments = try #require(command["arguments"] as? [[String: Any]])
    var options: [String] = [], flags: [String] = [], positionals = 0
    for argument in arguments {
      let names = (argument["names"] as? [[String: Any]] ?? []).map { name in
        (name["kind"] as? String == "short" ? "-" : "--") + (name["name"] as? String ?? "")
      }
      switch argument["kind"] as? String {
      case "option": options += names
      case "flag": flags += names.filter { !["-h", "--help", "--version"].contains($0) }
      case "positional": positionals += 1
      default: Issue.record("unknown kind in \(argument)")
      }
    }
    #expect(fast.syntax.options.sorted() == options.sorted())
    #expect(fast.syntax.flags.sorted() == flags.sorted())
    #expect(fast.syntax.positional == (positionals == 1))
    #expect(positionals <= 1)
  }
}
