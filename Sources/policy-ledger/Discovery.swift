import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct Policies: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "policies",
      abstract: "List every policy: its latest version, the version in force and its title.",
      discussion: """
        One row a policy key, in key order: latest_version, in_force_version at --at (default \
        now; empty when none is in force) and the title of the version in force, else of the \
        latest.

          policy-ledger policies --at 2020-07-10T12:00:00-07:00

        Columns: \(PolicyListRow.columns.joined(separator: ", ")).
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The instant the version in force is judged at (default: now).") var at: String?

    var values: Values { Values(ledger: ledger.settings, output: output.settings, at: at) }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var at: String?

      func run() throws {
        let rows = try ledger.openForQuery().policies(at: try ledger.time(at, "--at") ?? .now())
        try output.write(rows, timeZone: try ledger.timeZone())
      }
    }
  }
}

/// The fast path's table for `Policies` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Policies.Values {
  static let quickSyntax = QuickSyntax(options: ["--at"]).with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments) else { return nil }
    self.init(ledger: ledger, output: output, at: arguments.value("--at"))
  }
}

extension PolicyLedgerCommand {
  struct Notices: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "notices",
      abstract: "List the notices sent, with what they announce, their recipient count and status.",
      discussion: """
        Rows in order of sent_at, then journal order; status is sent, amended or retracted, as a \
        policy's timeline shows it. --from and --to include both ends, and a bare date as --to \
        includes that whole day; a --to before --from is refused.

          policy-ledger notices --policy mobile-devices

        Columns: \(NoticeListRow.columns.joined(separator: ", ")).
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only the notices announcing a version of this policy.", completion: LedgerCompletion.of(.policy)) var policy: String?
    @Option(help: "Only notices sent at or after this instant.") var from: String?
    @Option(help: "Only notices sent at or before this instant (a bare date: to the end of that day).") var to: String?

    var values: Values {
      Values(ledger: ledger.settings, output: output.settings, policy: policy, from: from, to: to)
    }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var policy: String?
      var from: String?
      var to: String?

      func run() throws {
        let range = try ledger.range(from: from, to: to)
        let rows = try ledger.openForQuery().notices(policy: policy, from: range.from, to: range.to)
        try output.write(rows, timeZone: try ledger.timeZone())
      }
    }
  }
}

/// The fast path's table for `Notices` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Notices.Values {
  static let quickSyntax = QuickSyntax(options: ["--policy", "--from", "--to"])
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments) else { return nil }
    self.init(
      ledger: ledger, output: output, policy: arguments.value("--policy"), from: arguments.value("--from"),
      to: arguments.value("--to"))
  }
}
