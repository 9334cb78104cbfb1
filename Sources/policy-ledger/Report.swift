import ArgumentParser
import Foundation
import PolicyLedger

extension TimeAxis: @retroactive ExpressibleByArgument {}

extension PolicyLedgerCommand {
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "report",
      abstract: "Write an audit report of policies as one self-contained HTML file.",
      discussion: """
        For each policy: a timeline picture (versions over valid time with their notices and \
        corrections, then what was in force as known now and as known at the time), the history, \
        the notices and corrections, who still holds a corrected notice, and each version's text \
        with a diff from the one before. No scripts; nothing is loaded from elsewhere.

        The report names the ledger head it was made from and the command that makes it again. \
        Without --as-recorded-at it stands on the time the last entry was recorded, and that \
        command pins --as-recorded-at to it, so it writes the same bytes later, even after more \
        entries are recorded.

          policy-ledger report mobile-devices --tz America/Los_Angeles \\
              --output report.html
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var knowledge: ReportViewOptions
    @Argument(help: "The policy keys; every policy when omitted.", completion: LedgerCompletion.of(.policy)) var policies: [String] = []
    @Option(help: "Start of the window drawn and of the notices listed (default: the first event).") var from: String?
    @Option(help: "End of the window drawn and of the notices listed (default: the last event).") var to: String?
    @Option(help: "The instant statuses are judged at (default: --as-known-at, else the time the last entry was recorded).")
    var at: String?
    @Option(help: "How many outstanding recipients to list per correction; the rest are counted.") var outstandingLimit = 50
    @Option(help: "The HTML file to write ('-' for standard output).", completion: .file()) var output: String
    @Option(help: "The time axis: linear (to scale, long gaps cut and marked) or log (each gap by the logarithm of its length).")
    var axis: TimeAxis = .linear

    func validate() throws {
      if outstandingLimit < 0 { throw ValidationError("--outstanding-limit must be 0 or more.") }
    }

    func run() throws {
      let file = try OutputFile(output, field: "--output", ledger: ledger.path)
      let view = try knowledge.view(ledger)
      let window = try ledger.range(from: from, to: to)
      let request = ReportRequest(
        policies: policies, from: window.from, to: window.to, knownAt: view.knownAt,
        recordedAt: view.recordedAt, statusAt: try ledger.time(at, "--at"), outstandingLimit: outstandingLimit)
      let data = try ledger.openForQuery().reportData(request)
      let html = HTMLReport(
        data: data, timeZone: try ledger.timeZone(), command: reproduction(data), ledgerArguments: ledgerArguments,
        axis: axis
      ).render()
      try file.write(Array(html.utf8))
      // The path written, alone on its line (`open "$(policy-ledger report …)"`); nothing
      // when the report itself went to standard output. Standard output closed or full
      // fails the command, saying that the report is there all the same.
      if !file.isStandardOutput {
        do {
          try printLine(output)
        } catch {
          throw LedgerError("wrote the report to \(output), but \(failureAfterTheFact(error))")
        }
      }
    }

    /// `--db` and the zone the report was drawn in, for the commands it names (`verify`,
    /// `recipients`, `coverage`, `outstanding`): their times then print as the report's do.
    var ledgerArguments: [String] {
      ["--db", ledger.path] + (ledger.settings.zoneText.map { ["--tz", $0.text] } ?? [])
    }

    /// This command with every default made explicit, so that it makes the same report again.
    func reproduction(_ data: ReportData) -> [String] {
      // The zone the report was drawn in, also when it came from $POLICY_LEDGER_TZ.
      var arguments = ["policy-ledger", "report"] + ledgerArguments
      if let from = data.from { arguments += ["--from", from.iso8601()] }
      if let to = data.to { arguments += ["--to", to.iso8601()] }
      if let knownAt = data.knownAt { arguments += ["--as-known-at", knownAt.iso8601()] }
      arguments += ["--as-recorded-at", data.recordedAt.iso8601(), "--at", data.statusAt.iso8601()]
      if outstandingLimit != 50 { arguments += ["--outstanding-limit", String(outstandingLimit)] }
      if axis != .linear { arguments += ["--axis", axis.rawValue] }
      arguments += ["--output", output]
      if policies.contains(where: { $0.hasPrefix("-") }) { arguments.append("--") }
      return arguments + policies
    }
  }

  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "diff",
      abstract: "Show what changed between two versions: title, effective period, status and a line diff of the text.",
      discussion: """
        Periods and statuses are as known now. The text diff is in unified format (---, +++, @@ \
        hunks), coloured only when standard output is a terminal (not TERM=dumb) and NO_COLOR is unset. With \
        --exit-code the exit status is 1 when the versions differ in title, period, status or \
        text, and 0 when they do not, as 'diff' and 'git diff --exit-code' use it.

          policy-ledger diff mobile-devices@1 mobile-devices@2
        """)

    @OptionGroup var ledger: LedgerOptions
    @Argument(help: "The old version, as KEY@N.", completion: LedgerCompletion.of(.version)) var old: String
    @Argument(help: "The new version, as KEY@N.", completion: LedgerCompletion.of(.version)) var new: String
    @Option(help: "Lines of unchanged text around each change.") var context = 3
    @Flag(help: "Exit with status 1 when the versions differ, 0 when they do not.") var exitCode = false

    func validate() throws {
      if context < 0 { throw ValidationError("--context must be 0 or more.") }
    }

    func run() throws {
      let comparison = try ledger.openForQuery().compare(
        try VersionRef.parse(old, field: "old version"), try VersionRef.parse(new, field: "new version"), context: context)
      let colour = isEscapeTerminal(1) && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
      let sink = ByteSink.standardOutput
      // Stored text is shown with its control characters escaped: a body's ESC sequences
      // never reach the terminal.
      for line in comparison.summary(timeZone: try ledger.timeZone()) { sink.write(shown(line) + "\n") }
      for line in comparison.body { sink.write((colour ? painted(line) : shown(line.text)) + "\n") }
      try sink.flush()
      if exitCode, comparison.hasDifferences { throw ExitCode(ExitStatus.mismatch) }
    }

    func painted(_ line: LineDiff.UnifiedLine) -> String {
      let code =
        switch line.kind {
        case .oldFile, .newFile: "1"
        case .hunk: "36"
        case .deletion: "31"
        case .insertion: "32"
        case .noNewline: "2"
        case .context: ""
        }
      return code.isEmpty ? shown(line.text) : "\u{1B}[\(code)m\(shown(line.text))\u{1B}[0m"
    }

    /// A CR that ends a line is that line's CR LF line end: it is printed as is, so that
    /// `patch` rebuilds a CR LF text byte for byte; on a terminal nothing follows it to
    /// overwrite. Every other control character is escaped.
    func shown(_ text: String) -> String {
      guard text.utf8.last == 0x0D else { return TableWriter.displayEscaped(text, keepsTabs: true) }
      return TableWriter.displayEscaped(String(text.dropLast()), keepsTabs: true) + "\r"
    }
  }
}
