import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct InForce: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "in-force",
      abstract: "Show which policy version was in force at an instant.",
      discussion: """
        Without --as-known-at, the answer uses everything the ledger knows now. With it, only what had happened by then; with --as-told-to, only what that employee had been told.

          policy-ledger in-force mobile-devices --at 2020-07-10T12:00:00-07:00 \\
              --as-known-at 2020-07-10T12:00:00-07:00
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Argument(help: "The policy key; every policy when omitted.") var policy: String?
    @Option(help: "The instant asked about (ISO 8601).") var at: String
    @Option(help: "Answer as this employee had been told it.") var asToldTo: String?

    var values: Values {
      Values(
        ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, policy: policy, at: at,
        asToldTo: asToldTo)
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

      func run() throws {
        let view = try knowledge.view(ledger, toldTo: asToldTo)
        let rows = try ledger.openForQuery().inForce(policy, at: try ledger.time(at, "--at"), view: view)
        try output.write(rows, timeZone: try ledger.timeZone())
      }
    }
  }

  struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "history",
      abstract: "List every version of a policy with its status and corrections.",
      discussion: """
        status is the first that applies at --at (default: --as-known-at, else now) of void, in_force, scheduled, superseded, expired.

          policy-ledger history mobile-devices
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Argument(help: "The policy key.") var policy: String
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

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Print one entry in full: a version (KEY@N), a notice or a correction.",
      discussion: "  policy-ledger show mobile-devices@2")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "KEY@N, a notice id or a correction id.") var entry: String

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

  struct Timeline: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "timeline",
      abstract: "List the notices, corrections and acknowledgements of an employee or a policy.",
      discussion: """
        Rows in order of time, then journal order; --from and --to include both ends.

          policy-ledger timeline --employee E1001
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Option(help: "The employee whose notices to list.") var employee: String?
    @Option(help: "The policy whose notices and corrections to list.") var policy: String?
    @Option(help: "Only rows at or after this instant.") var from: String?
    @Option(help: "Only rows at or before this instant.") var to: String?

    var values: Values {
      Values(
        ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, employee: employee, policy: policy,
        from: from, to: to)
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

      func validate() throws {
        if (employee == nil) == (policy == nil) { throw ValidationError("Give exactly one of --employee and --policy.") }
      }

      func run() throws {
        let ledgerFile = try ledger.openForQuery()
        let view = try knowledge.view(ledger)
        let from = try ledger.time(from, "--from"), to = try ledger.time(to, "--to")
        let rows =
          if let employee {
            try ledgerFile.timeline(employee: employee, from: from, to: to, view: view)
          } else {
            try ledgerFile.timeline(policy: policy!, from: from, to: to, view: view)
          }
        try output.write(rows, timeZone: try ledger.timeZone())
      }
    }
  }

  struct Recipients: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "recipients",
      abstract: "List a notice's recipients with their acknowledgement status.",
      discussion: "  policy-ledger recipients N-2020-07-10 --format csv")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The notice (or correction) id.") var notice: String

    var values: Values { Values(ledger: ledger.settings, output: output.settings, notice: notice) }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var notice: String

      func run() throws {
        let timeZone = try ledger.timeZone()
        try stream(output) { write in
          try ledger.openForQuery().recipients(of: notice) { try write($0.cells(timeZone: timeZone)) }
        } columns: { RecipientRow.columns }
      }
    }
  }

  struct Outstanding: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "outstanding",
      abstract: "List who received a notice but not a later correction of it.",
      discussion: """
        One row for each correction, each notice it affects, and each recipient of that notice who did not receive the correction: the people still holding a withdrawn or changed instruction.

          policy-ledger outstanding --notice N-2020-07-10 --format csv
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Option(help: "Only this notice.") var notice: String?

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

/// Streams rows to stdout in the chosen format as the library produces them.
func stream(
  _ output: OutputSettings, _ produce: (_ write: ([Cell]) throws -> Void) throws -> Void, columns: () -> [String]
) throws {
  let sink = ByteSink.standardOutput
  let writer = output.writer(to: sink)
  try writer.begin(columns: columns())
  try produce { try writer.write($0) }
  try writer.finish()
  try sink.flush()
}
