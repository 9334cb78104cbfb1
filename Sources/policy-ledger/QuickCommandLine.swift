import ArgumentParser
import Foundation
import PolicyLedger

/// A fast path for the read-only query commands, taken before ArgumentParser.
///
/// ArgumentParser builds its view of a command by reflection and casts, and with the
/// Swift runtime statically linked each uncached cast scans the conformance records of
/// every library in the binary (Foundation's included): two thirds of the instructions of
/// one `in-force` query went there (docs/performance.md). Even filling a command's
/// property wrappers by hand costs four such scans. This parser reads the few shapes the
/// query commands take from a table — `SUBCOMMAND`, that command's known
/// `--option value` / `--option=value` options and flags, and at most its positional
/// argument — and builds the command's `Values`: the same plain data that the
/// ArgumentParser command hands to the same `validate()` and `run()`, so no command's
/// code is written twice.
///
/// ArgumentParser stays the one authority: whenever the arguments are anything this
/// parser does not fully understand (an unknown, repeated or valueless option, a missing
/// required one, a value or positional starting with `-` (but for `--tz=-07:00`, which
/// ArgumentParser reads alike), `--`, `help`, `--help`,
/// `--version`, completion requests, a bad `--format`, an extra positional, `validate()`
/// throwing, …) it declines, and the whole argument list goes to ArgumentParser
/// unchanged, so every message, help text and edge case is still ArgumentParser's.
/// Both read the command line as ``LeadingArguments`` left it (`--db` given before the
/// subcommand moved after it, `--tz -07:00` joined into `--tz=-07:00`).
/// CLITests prove the tables agree with ArgumentParser's declarations, that both paths
/// build the same values, and that they answer a corpus of argument lists identically.
enum QuickCommandLine {
  /// The commands the fast path serves, by name. Each command's table is its
  /// `Values.quickSyntax`, declared beside the command (Query.swift, Integrity.swift, …) with
  /// the `init?(quick:)` that reads it; QuickCommandLineTests holds each table to
  /// ArgumentParser's declaration of the command, each name to the command's own
  /// `configuration.commandName`, and fails when a query command has none.
  static let names = [
    "in-force", "history", "show", "timeline", "recipients", "outstanding", "policies", "notices", "head", "employees",
    "coverage",
  ]

  /// The command named `name`, built alone: a query starts by building only its own
  /// command, not every command's table and ArgumentParser configuration (each first use
  /// of a command's types instantiates their metadata; docs/performance.md).
  static func command(named name: String) -> QuickCommand? {
    typealias C = PolicyLedgerCommand
    switch name {
    case "in-force": return QuickCommand(name, C.InForce.self, C.InForce.Values.self)
    case "history": return QuickCommand(name, C.History.self, C.History.Values.self)
    case "show": return QuickCommand(name, C.Show.self, C.Show.Values.self)
    case "timeline": return QuickCommand(name, C.Timeline.self, C.Timeline.Values.self)
    case "recipients": return QuickCommand(name, C.Recipients.self, C.Recipients.Values.self)
    case "outstanding": return QuickCommand(name, C.Outstanding.self, C.Outstanding.Values.self)
    case "policies": return QuickCommand(name, C.Policies.self, C.Policies.Values.self)
    case "notices": return QuickCommand(name, C.Notices.self, C.Notices.Values.self)
    case "head": return QuickCommand(name, C.Head.self, C.Head.Values.self)
    case "employees": return QuickCommand(name, C.Employees.self, C.Employees.Values.self)
    case "coverage": return QuickCommand(name, C.Coverage.self, C.Coverage.Values.self)
    default: return nil
    }
  }

  /// Every command of the fast path (for the tests).
  static var commands: [QuickCommand] { names.compactMap(command(named:)) }

  /// How `POLICY_LEDGER_ARGUMENT_PARSER` chooses the parser (a diagnostic): unset or any
  /// other value, the fast path and else ArgumentParser; `1`, ArgumentParser only; `0`,
  /// the fast path only.
  enum Mode { case automatic, argumentParserOnly, fastOnly }

  static var mode: Mode {
    guard let value = getenv("POLICY_LEDGER_ARGUMENT_PARSER") else { return .automatic }
    switch String(cString: value) {
    case "1": return .argumentParserOnly
    case "0": return .fastOnly
    default: return .automatic
    }
  }

  /// The validated values for `arguments` (without the program name), or nil when the
  /// fast path does not take them.
  static func values(_ arguments: [String]) -> (any QuickValues)? {
    guard let name = arguments.first, let command = command(named: name) else { return nil }
    return command.parse(arguments.dropFirst())
  }
}

/// One command of the fast path: its name (ArgumentParser's, which the tests compare with
/// `command.configuration.commandName`: reading it here would build the configuration), its
/// table, and how its values are built and validated.
struct QuickCommand {
  let name: String
  let command: any ParsableCommand.Type
  let syntax: QuickSyntax
  let parse: @Sendable (ArraySlice<String>) -> (any QuickValues)?

  init<Command: ParsableCommand, Values: QuickValues>(_ name: String, _ command: Command.Type, _ values: Values.Type) {
    self.name = name
    self.command = command
    let syntax = Values.quickSyntax
    self.syntax = syntax
    parse = { arguments in
      guard var parsed = QuickArguments(arguments, syntax: syntax),
        let values = Values(quick: &parsed), parsed.allTaken
      else { return nil }
      do {
        try values.validate()
      } catch {
        return nil
      }
      return values
    }
  }
}

/// What a command accepts on the fast path: the long names of its options that take a
/// value, of its flags, and whether it has one positional argument. Only names the fast
/// path can read without ambiguity belong here; `QuickTableTests` checks every table
/// against ArgumentParser's own description of the command.
struct QuickSyntax {
  var options: [String]
  var flags: [String] = []
  var positional = false
}

/// The arguments of one command as the fast path read them; a command's `init?(quick:)`
/// takes what it knows and must take everything given.
struct QuickArguments {
  // Named structs rather than tuples: a tuple type's metadata is built at run time.
  private struct Value {
    var name: String
    var value: String
    var taken = false
  }
  private struct Flag {
    var name: String
    var taken = false
  }
  private var values: [Value] = []
  private var flags: [Flag] = []
  private var positionalValue: String?
  private var positionalTaken = false

  /// Reads `arguments` by `syntax`; nil for anything outside it.
  init?(_ arguments: ArraySlice<String>, syntax: QuickSyntax) {
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      // ArgumentParser treats anything starting with a dash as an option (or `--`, or a
      // completion request); so do we, by its first byte. An empty string or `help` is
      // left to ArgumentParser too.
      guard let first = argument.utf8.first, argument != "help" else { return nil }
      if first != UInt8(ascii: "-") {
        guard syntax.positional, positionalValue == nil else { return nil }
        positionalValue = argument
        continue
      }
      let name: Substring, attached: String?
      if let equals = argument.utf8.firstIndex(of: UInt8(ascii: "=")) {
        name = argument[..<equals]
        attached = String(argument[argument.utf8.index(after: equals)...])
      } else {
        name = argument[...]
        attached = nil
      }
      if syntax.flags.contains(where: { $0 == name }) {
        guard attached == nil, !flags.contains(where: { $0.name == name }) else { return nil }
        flags.append(Flag(name: String(name)))
      } else if syntax.options.contains(where: { $0 == name }) {
        guard !values.contains(where: { $0.name == name }) else { return nil }
        guard let value = attached ?? rest.popFirst() else { return nil }
        // A value may start with a dash only when attached to --tz (`--tz=-07:00`, which
        // LeadingArguments makes of `--tz -07:00`): ArgumentParser reads it the same way.
        guard let start = value.utf8.first, start != UInt8(ascii: "-") || (attached != nil && name == "--tz")
        else { return nil }
        values.append(Value(name: String(name), value: value))
      } else {
        return nil
      }
    }
  }

  /// The value of option `name`, if given.
  mutating func value(_ name: String) -> String? {
    guard let index = values.firstIndex(where: { $0.name == name }) else { return nil }
    values[index].taken = true
    return values[index].value
  }

  /// The value of `--format`: `.some(nil)` when it is not given, nil when it names no
  /// format (the fast path then declines, and ArgumentParser's message lists the formats).
  mutating func format() -> OutputFormat?? {
    guard let text = value("--format") else { return .some(nil) }
    // The conversion ArgumentParser itself uses for `--format`.
    return OutputFormat(argument: text).map { .some($0) }
  }

  /// Whether flag `name` was given.
  mutating func flag(_ name: String) -> Bool {
    guard let index = flags.firstIndex(where: { $0.name == name }) else { return false }
    flags[index].taken = true
    return true
  }

  /// The positional argument, if given.
  mutating func positional() -> String? {
    positionalTaken = true
    return positionalValue
  }

  /// Whether the command took every argument given: a table naming something its
  /// `init?(quick:)` does not read sends the arguments to ArgumentParser.
  var allTaken: Bool {
    values.allSatisfy(\.taken) && flags.allSatisfy(\.taken) && (positionalValue == nil || positionalTaken)
  }
}

/// A command's arguments as plain data: its fast-path table, how the fast path fills
/// every value (nil when a required one is missing or a value is not valid), and the
/// `validate()` and `run()` that the ArgumentParser command calls too.
///
/// Each query command therefore has the same few lines twice over (`duplicates` lists them):
/// its property wrappers for ArgumentParser, and a `Values` struct of the same fields that
/// the fast path fills without building the command. That is the price of a start-up
/// without ArgumentParser's reflection (docs/performance.md); the two are kept in step by
/// `QuickCommandLineTests`, which fails when a query command has no table or the two
/// parsers read an argument list differently.
protocol QuickValues: SendableMetatype {
  static var quickSyntax: QuickSyntax { get }
  init?(quick arguments: inout QuickArguments)
  func validate() throws
  func run() throws
}

extension QuickValues {
  func validate() throws {}
}

extension QuickSyntax {
  /// This syntax with an option group's names added.
  func with(_ other: QuickSyntax) -> QuickSyntax {
    QuickSyntax(options: options + other.options, flags: flags + other.flags, positional: positional || other.positional)
  }
}

extension LedgerSettings {
  static let quickSyntax = QuickSyntax(options: ["--db", "--tz"])

  init(quick arguments: inout QuickArguments) {
    self.init(db: arguments.value("--db"), tz: arguments.value("--tz"))
  }
}

extension OutputSettings {
  static let quickSyntax = QuickSyntax(options: ["--format"], flags: ["--excel-safe", "--no-headers"])

  init?(quick arguments: inout QuickArguments) {
    guard let format = arguments.format() else { return nil }
    self.init(
      format: format ?? OutputOptions.defaultFormat, excelSafe: arguments.flag("--excel-safe"),
      noHeaders: arguments.flag("--no-headers"))
  }
}

extension ViewSettings {
  static let quickSyntax = QuickSyntax(options: ["--as-known-at", "--as-recorded-at"])

  init(quick arguments: inout QuickArguments) {
    self.init(asKnownAt: arguments.value("--as-known-at"), asRecordedAt: arguments.value("--as-recorded-at"))
  }
}
