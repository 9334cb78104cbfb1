import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct Employee: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "employee",
      abstract: "Record the roster: who joined and left, in which groups.",
      discussion: """
        The roster holds employee ids only, never names or other personal details: an \
        append-only ledger cannot forget, so those belong in the HR system, keyed by the \
        same id (docs/semantics.md).
        """,
      subcommands: [Join.self, Leave.self])

    struct Join: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Record that an employee joined, or moved to other groups; prints the employee id.",
        discussion: """
          Every employee is also in the group 'all'. A join while employed is a transfer: \
          from --at on, the employee is in the groups given. An --at in the past corrects \
          the past, as any backfill does.

            policy-ledger employee join E1001 --at 2020-01-06 --groups staff,engineering
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Argument(help: "The employee id.", completion: LedgerCompletion.of(.employee)) var employee: String
      @Option(help: "When they joined (or moved).") var at: String
      @Option(name: .customLong("groups"), help: "Their groups, separated by commas; may be repeated (besides 'all').")
      var groupList: [String] = []
      var groups: String? { joinedList(groupList) }

      func run() throws {
        let entry = RosterEntry(
          employee: employee, event: .join, at: try ledger.time(at, "--at"),
          groups: try groups.map { try Groups.parse($0, field: "--groups") } ?? [])
        try record(ledger) { try $0.recordRosterEntry(entry, actor: who.actor) }
        try printRecorded(employee)
      }
    }

    struct Leave: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "leave",
        abstract: "Record that an employee left; prints the employee id.",
        discussion: """
          Refused unless the employee is employed at --at.

            policy-ledger employee leave E1001 --at 2021-03-31
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Argument(help: "The employee id.", completion: LedgerCompletion.of(.employee)) var employee: String
      @Option(help: "When they left.") var at: String

      func run() throws {
        let entry = RosterEntry(employee: employee, event: .leave, at: try ledger.time(at, "--at"))
        try requireExistingLedger(ledger)
        try record(ledger) { try $0.recordRosterEntry(entry, actor: who.actor) }
        try printRecorded(employee)
      }
    }
  }
}

extension PolicyLedgerCommand {
  struct Employees: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "employees",
      abstract: "List the employees employed at an instant, with their groups.",
      discussion: """
        Who was employed at --at (default now), as known at --as-known-at and recorded by \
        --as-recorded-at: groups as recorded (without 'all'); since is when the roster entry \
        that set that state takes effect. Ordered by employee.

        Columns: \(EmployeeRow.columns.joined(separator: ", ")).

          policy-ledger employees --at 2020-07-10 --group contractors
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Option(help: "The instant asked about (default: now).") var at: String?
    @Option(help: "Only the members of this group.") var group: String?

    var values: Values {
      Values(ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, at: at, group: group)
    }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var knowledge: ViewSettings
      var at: String?
      var group: String?

      func run() throws {
        let view = try knowledge.view(ledger)
        let t = try ledger.time(at, "--at") ?? .now()
        let ledgerFile = try ledger.openForQuery()
        let timeZone = try ledger.timeZone()
        try stream(output) { write in
          try ledgerFile.employees(at: t, group: group, view: view) { try write($0.cells(timeZone: timeZone)) }
        } columns: { EmployeeRow.columns }
      }
    }
  }
}

/// The fast path's table for `Employees` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Employees.Values {
  static let quickSyntax = QuickSyntax(options: ["--at", "--group"])
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax).with(ViewSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    let knowledge = ViewSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments) else { return nil }
    self.init(
      ledger: ledger, output: output, knowledge: knowledge, at: arguments.value("--at"), group: arguments.value("--group"))
  }
}


extension PolicyLedgerCommand {
  struct Coverage: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "coverage",
      abstract: "Show who the version in force was meant for, who was told, who acknowledged, and what each believes.",
      discussion: """
        One row per employee employed at --at in a group that the version in force \
        applies to: status (acknowledged, told, not_told), told_at and notice (the \
        earliest delivery of a notice announcing it), acknowledged_at, and \
        believes_version (what was in force at --at as told to that employee). \
        --summary gives one row per group instead. Ordered by employee. For a whole \
        workforce use --format csv or jsonl, which stream the rows (a table is \
        measured before it is printed, so it holds them all).

        Columns: \(CoverageRow.columns.joined(separator: ", ")); with --summary, \
        \(CoverageSummaryRow.columns.joined(separator: ", ")).

          policy-ledger coverage mobile-devices --at 2020-07-10T12:00:00-07:00
          policy-ledger coverage mobile-devices --at 2020-07-10 --summary
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var knowledge: ViewOptions
    @Argument(help: "The policy key.", completion: LedgerCompletion.of(.policy)) var policy: String
    @Option(help: "The instant asked about (ISO 8601).") var at: String
    @Option(help: "Only the members of this group.") var group: String?
    @Option(help: "Only rows with this status.") var status: Bitemporal.CoverageStatus?
    @Flag(help: "One row per group: employed, acknowledged, told, not_told.") var summary = false

    var values: Values {
      Values(
        ledger: ledger.settings, output: output.settings, knowledge: knowledge.settings, policy: policy, at: at,
        group: group, status: status, summary: summary)
    }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var output: OutputSettings
      var knowledge: ViewSettings
      var policy: String
      var at: String
      var group: String?
      var status: Bitemporal.CoverageStatus?
      var summary = false

      func run() throws {
        let view = try knowledge.view(ledger)
        let t = try ledger.time(at, "--at")
        let ledgerFile = try ledger.openForQuery()
        let timeZone = try ledger.timeZone()
        if summary {
          let rows = try ledgerFile.coverageSummary(policy, at: t, view: view, group: group, status: status)
          return try output.write(rows, timeZone: timeZone)
        }
        try stream(output) { write in
          try ledgerFile.coverage(policy, at: t, view: view, group: group, status: status) { row, _ in
            try write(row.cells(timeZone: timeZone))
          }
        } columns: { CoverageRow.columns }
      }
    }
  }
}

extension Bitemporal.CoverageStatus: @retroactive ExpressibleByArgument {}

/// The fast path's table for `Coverage` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Coverage.Values {
  static let quickSyntax = QuickSyntax(options: ["--at", "--group", "--status"], flags: ["--summary"], positional: true)
    .with(LedgerSettings.quickSyntax).with(OutputSettings.quickSyntax).with(ViewSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    let ledger = LedgerSettings(quick: &arguments)
    let knowledge = ViewSettings(quick: &arguments)
    guard let output = OutputSettings(quick: &arguments), let policy = arguments.positional(), let at = arguments.value("--at")
    else { return nil }
    var status: Bitemporal.CoverageStatus?
    if let text = arguments.value("--status") {
      // The conversion ArgumentParser itself uses; a value it refuses goes to it for the message.
      guard let given = Bitemporal.CoverageStatus(argument: text) else { return nil }
      status = given
    }
    self.init(
      ledger: ledger, output: output, knowledge: knowledge, policy: policy, at: at, group: arguments.value("--group"),
      status: status, summary: arguments.flag("--summary"))
  }
}
