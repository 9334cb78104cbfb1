import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct InForce: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "in-force",
      abstract: "Show which policy version was in force at an instant.",
      discussion: """
        Without --as-known-at, the answer uses everything the ledger knows now. With it, only \
        what had happened by then; with --as-told-to, only what that employee had been told.

          policy-ledger in-force mobile-devices --at 2020-07-10T12:00:00-07:00 \\
              --as-known-at 2020-07-10T12:00:00-07:00

        Columns: \(InForceRow.columns.joined(separator: ", ")); with --with-body, also body.
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Argument(help: "The policy key; every policy when omitted.", completion: LedgerCompletion.of(.policy)) var policy: String?
    @Option(help: "The instant asked about (ISO 8601).") var at: String
    @Option(help: "Answer as this employee had been told it.", completion: LedgerCompletion.of(.employee)) var asToldTo: String?
    @Flag(help: "Add the version's text as a last column, body (a table shows its first lines).") var withBody = false

    var values: Values {
      Values(
        ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, policy: policy, at: at,
        asToldTo: asToldTo, withBody: withBody)
    }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var knowledge: ViewSettings
      var policy: String?
      var at: String
      var asToldTo: String?
      var withBody = false

      func run() throws {
        let view = try knowledge.view(ledger, toldTo: asToldTo)
        let ledgerFile = try ledger.openForQuery()
        let rows = try ledgerFile.inForce(policy, at: try ledger.time(at, "--at"), view: view)
        let timeZone = try ledger.timeZone()
        guard withBody else { return try output.write(rows, timeZone: timeZone) }
        try stream(output) { write in
          for row in rows {
            let record = try ledgerFile.show("\(row.policy)@\(row.version)", timeZone: timeZone)
            let body = record.columns.firstIndex(of: "body").map { record.values[$0] } ?? .null
            try write(row.cells(timeZone: timeZone) + [output.format == .table ? Self.firstLines(of: body) : body])
          }
        } columns: { InForceRow.columns + ["body"] }
      }

      /// How many lines of a body a table shows.
      static let tableLines = 3

      /// The first ``tableLines`` lines of `body`, with `…` when there are more (the table
      /// writer shows the line breaks as `⏎` and escapes the rest).
      static func firstLines(of body: Cell) -> Cell {
        guard case .text(let text) = body else { return body }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let more = lines.count > tableLines && !(lines.count == tableLines + 1 && lines[tableLines].isEmpty)
        return .text(lines.prefix(tableLines).joined(separator: "\n") + (more ? "…" : ""))
      }
    }
  }
}

/// The fast path's table for `InForce` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.InForce.Values {
  static let quickSyntax = QuickSyntax(options: ["--at", "--as-told-to"], flags: ["--with-body"], positional: true)
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax).with(ViewSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    let knowledge = ViewSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments), let at = arguments.value("--at")
    else { return nil }
    self.init(
      ledger: ledger, output: output, knowledge: knowledge, policy: arguments.positional(), at: at,
      asToldTo: arguments.value("--as-told-to"), withBody: arguments.flag("--with-body"))
  }
}

extension PolicyLedgerCommand {
  struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "history",
      abstract: "List every version of a policy with its status and corrections.",
      discussion: """
        status is the first that applies at --at (default: --as-known-at, else now) of void, \
        in_force, scheduled, superseded, expired.

          policy-ledger history mobile-devices

        Columns: \(HistoryRow.columns.joined(separator: ", ")).
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Argument(help: "The policy key.", completion: LedgerCompletion.of(.policy)) var policy: String
    @Option(help: "The instant statuses are judged at.") var at: String?

    var values: Values {
      Values(ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, policy: policy, at: at)
    }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var knowledge: ViewSettings
      var policy: String
      var at: String?

      func run() throws {
        let rows = try ledger.openForQuery().history(
          policy, at: try ledger.time(at, "--at"), view: try knowledge.view(ledger))
        try output.write(rows, timeZone: try ledger.timeZone())
      }
    }
  }
}

/// The fast path's table for `History` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.History.Values {
  static let quickSyntax = QuickSyntax(options: ["--at"], positional: true)
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax).with(ViewSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    let knowledge = ViewSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments), let policy = arguments.positional()
    else { return nil }
    self.init(ledger: ledger, output: output, knowledge: knowledge, policy: policy, at: arguments.value("--at"))
  }
}

extension PolicyLedgerCommand {
  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Print one entry in full: a version (KEY@N), a notice or a correction.",
      discussion: "  policy-ledger show mobile-devices@2")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "KEY@N, a notice id or a correction id.", completion: LedgerCompletion.of(.version, .notice, .correction)) var entry: String

    var values: Values { Values(ledger: ledger.settings, output: output.settings, entry: entry) }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var entry: String

      func run() throws {
        let record = try ledger.openForQuery().show(entry, timeZone: try ledger.timeZone())
        let sink = ByteSink.standardOutput
        let writer: any RowWriter = output.format == .table ? RecordWriter(sink: sink) : output.writer(to: sink)
        try writer.begin(columns: record.columns)
        try writer.write(record.values)
        try writer.finish()
        try sink.flush()
      }
    }
  }
}

/// The fast path's table for `Show` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Show.Values {
  static let quickSyntax = QuickSyntax(options: [], positional: true)
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments),
      let entry = arguments.positional()
    else { return nil }
    self.init(ledger: ledger, output: output, entry: entry)
  }
}

extension PolicyLedgerCommand {
  struct Timeline: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "timeline",
      abstract: "List the notices, corrections and acknowledgements of an employee or a policy.",
      discussion: """
        Rows in order of time, then journal order (latest first with --reverse); --from and --to \
        include both ends, and a bare date as --to includes that whole day (a --to before --from \
        is refused). --limit N keeps the first N rows shown.

          policy-ledger timeline --employee E1001

        Columns: \(TimelineRow.columns.joined(separator: ", ")).
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Option(help: "The employee whose notices to list.", completion: LedgerCompletion.of(.employee)) var employee: String?
    @Option(help: "The policy whose notices and corrections to list.", completion: LedgerCompletion.of(.policy)) var policy: String?
    @Option(help: "Only rows at or after this instant.") var from: String?
    @Option(help: "Only rows at or before this instant (a bare date: to the end of that day).") var to: String?
    @Option(help: "Show at most this many rows (after --reverse: the latest).") var limit: Int?
    @Flag(help: "Latest first.") var reverse = false

    var values: Values {
      Values(
        ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, employee: employee, policy: policy,
        from: from, to: to, limit: limit, reverse: reverse)
    }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var knowledge: ViewSettings
      var employee: String?
      var policy: String?
      var from: String?
      var to: String?
      var limit: Int? = nil
      var reverse = false

      func validate() throws {
        if (employee == nil) == (policy == nil) { throw ValidationError("Give exactly one of --employee and --policy.") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, not \(limit).") }
      }

      func run() throws {
        let view = try knowledge.view(ledger)
        let range = try ledger.range(from: from, to: to)
        let ledgerFile = try ledger.openForQuery()
        let rows =
          if let employee {
            try ledgerFile.timeline(employee: employee, from: range.from, to: range.to, view: view)
          } else {
            try ledgerFile.timeline(policy: policy!, from: range.from, to: range.to, view: view)
          }
        // As `git log --reverse -n N` would read if git's default order were oldest first.
        let ordered = reverse ? Array(rows.reversed()) : rows
        try output.write(Array(ordered.prefix(limit ?? ordered.count)), timeZone: try ledger.timeZone())
      }
    }
  }
}

/// The fast path's table for `Timeline` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Timeline.Values {
  static let quickSyntax = QuickSyntax(options: ["--employee", "--policy", "--from", "--to", "--limit"], flags: ["--reverse"])
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax).with(ViewSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    let knowledge = ViewSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments)
    else { return nil }
    self.init(
      ledger: ledger, output: output, knowledge: knowledge, employee: arguments.value("--employee"),
      policy: arguments.value("--policy"), from: arguments.value("--from"), to: arguments.value("--to"),
      limit: nil, reverse: arguments.flag("--reverse"))
    if let text = arguments.value("--limit") {
      // The conversion ArgumentParser itself uses for an Int option.
      guard let limit = Int(argument: text) else { return nil }
      self.limit = limit
    }
  }
}

extension PolicyLedgerCommand {
  struct Recipients: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "recipients",
      abstract: "List a notice's recipients with their acknowledgement status.",
      discussion: """
        With --as-known-at K and --as-recorded-at R, only the deliveries sent by K and \
        recorded by R, and only the acknowledgements made by K and recorded by R: who had been \
        sent it, and who had acknowledged it, as known then.

          policy-ledger recipients N-2020-07-10-0800 --format csv

        Columns: \(RecipientRow.columns.joined(separator: ", ")).
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Argument(help: "The notice (or correction) id.", completion: LedgerCompletion.of(.notice, .correction)) var notice: String

    var values: Values { Values(ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, notice: notice) }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var knowledge: ViewSettings
      var notice: String

      func run() throws {
        let timeZone = try ledger.timeZone()
        let view = try knowledge.view(ledger)
        try stream(output) { write in
          try ledger.openForQuery().recipients(of: notice, view: view) { try write($0.cells(timeZone: timeZone)) }
        } columns: { RecipientRow.columns }
      }
    }
  }
}

/// The fast path's table for `Recipients` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Recipients.Values {
  static let quickSyntax = QuickSyntax(options: [], positional: true)
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax).with(ViewSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    let knowledge = ViewSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments),
      let notice = arguments.positional()
    else { return nil }
    self.init(ledger: ledger, output: output, knowledge: knowledge, notice: notice)
  }
}

extension PolicyLedgerCommand {
  struct Outstanding: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "outstanding",
      abstract: "List who received a notice but not a later correction of it.",
      discussion: """
        One row for each correction, each notice it affects, and each recipient of that notice \
        who did not receive the correction: the people still holding a withdrawn or changed \
        instruction.

          policy-ledger outstanding --notice N-2020-07-10-0800 --format csv

        Columns: \(OutstandingRow.columns.joined(separator: ", ")).
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Option(help: "Only this notice.", completion: LedgerCompletion.of(.notice)) var notice: String?

    var values: Values {
      Values(ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, notice: notice)
    }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var knowledge: ViewSettings
      var notice: String?

      func run() throws {
        let view = try knowledge.view(ledger)
        try stream(output) { write in
          try ledger.openForQuery().outstanding(notice: notice, view: view) { try write($0.cells(timeZone: nil)) }
        } columns: { OutstandingRow.columns }
      }
    }
  }
}

/// The fast path's table for `Outstanding` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Outstanding.Values {
  static let quickSyntax = QuickSyntax(options: ["--notice"])
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax).with(ViewSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    let knowledge = ViewSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments)
    else { return nil }
    self.init(ledger: ledger, output: output, knowledge: knowledge, notice: arguments.value("--notice"))
  }
}


/// Streams rows to stdout in the chosen format as the library produces them. The header
/// (a CSV's first line, JSON's `[`) waits for the first row, or for the end: a query
/// refused before its first row (an unknown id, no workforce) leaves stdout empty, so a
/// pipe never reads a header as an empty answer.
func stream(
  _ output: OutputSettings, _ produce: (_ write: ([Cell]) throws -> Void) throws -> Void, columns: () -> [String]
) throws {
  let sink = ByteSink.standardOutput
  let writer = output.writer(to: sink)
  let names = columns()
  var begun = false
  try produce { cells in
    if !begun {
      try writer.begin(columns: names)
      begun = true
    }
    try writer.write(cells)
  }
  if !begun { try writer.begin(columns: names) }
  try writer.finish()
  try sink.flush()
}
