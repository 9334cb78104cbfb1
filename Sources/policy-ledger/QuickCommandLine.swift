import ArgumentParser
import Foundation
import PolicyLedger

/// A fast path for the read-only query commands, taken before ArgumentParser.
///
/// ArgumentParser builds its view of a command by reflection and casts, and with the
/// Swift runtime statically linked each uncached cast scans the conformance records of
/// every library in the binary (Foundation's included): two thirds of the instructions of
/// one `in-force` query went there (docs/performance.md). This parser reads the few
/// shapes those commands take from a table — `SUBCOMMAND`, that command's known
/// `--option value` / `--option=value` options and flags, and at most its positional
/// argument — builds the same command value ArgumentParser would, and calls the command's
/// own `validate()` and `run()`.
///
/// ArgumentParser stays the one authority: whenever the arguments are anything this
/// parser does not fully understand (an unknown, repeated or valueless option, a missing
/// required one, a value or positional starting with `-`, `--`, `help`, `--help`,
/// `--version`, completion requests, a bad `--format`, an extra positional, `validate()`
/// throwing, …) it declines, and the whole argument list goes to ArgumentParser
/// unchanged, so every message, help text and edge case is still ArgumentParser's.
/// CLITests prove the tables agree with ArgumentParser's declarations and that both
/// paths answer a corpus of argument lists identically.
enum QuickCommandLine {
  /// The commands the fast path serves: each keeps its table next to its declaration.
  static let commands: [any QuickParsable.Type] = [
    PolicyLedgerCommand.InForce.self, PolicyLedgerCommand.History.self, PolicyLedgerCommand.Show.self,
    PolicyLedgerCommand.Timeline.self, PolicyLedgerCommand.Recipients.self, PolicyLedgerCommand.Outstanding.self,
    PolicyLedgerCommand.Head.self,
  ]

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

  /// The validated command for `arguments` (without the program name), or nil when the
  /// fast path does not take them.
  static func command(_ arguments: [String]) -> (any ParsableCommand)? {
    guard let name = arguments.first else { return nil }
    for type in commands where type.configuration.commandName == name {
      return type.quickCommand(arguments.dropFirst())
    }
    return nil
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
  private var values: [(name: String, value: String, taken: Bool)] = []
  private var flags: [(name: String, taken: Bool)] = []
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
        flags.append((String(name), false))
      } else if syntax.options.contains(where: { $0 == name }) {
        guard !values.contains(where: { $0.name == name }) else { return nil }
        guard let value = attached ?? rest.popFirst() else { return nil }
        guard let start = value.utf8.first, start != UInt8(ascii: "-") else { return nil }
        values.append((String(name), value, false))
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

/// A command the fast path can build: its table and how it fills every stored property
/// from the arguments (nil when a required one is missing or a value is not valid).
protocol QuickParsable: ParsableCommand {
  static var quickSyntax: QuickSyntax { get }
  init?(quick arguments: inout QuickArguments)
}

extension QuickParsable {
  /// The command, filled and validated as ArgumentParser would (`validate()` may change
  /// it, as there), or nil to let ArgumentParser handle the arguments.
  static func quickCommand(_ arguments: ArraySlice<String>) -> Self? {
    guard var parsed = QuickArguments(arguments, syntax: quickSyntax),
      var command = Self(quick: &parsed), parsed.allTaken
    else { return nil }
    do {
      try command.validate()
    } catch {
      return nil
    }
    return command
  }
}

/// Option groups fill themselves the same way; ArgumentParser validates each group as it
/// decodes it, so these do too.
protocol QuickParsableGroup: ParsableArguments {
  static var quickSyntax: QuickSyntax { get }
  init?(quick arguments: inout QuickArguments)
}

extension QuickParsableGroup {
  static func quick(_ arguments: inout QuickArguments) -> Self? {
    guard var group = Self(quick: &arguments) else { return nil }
    do {
      try group.validate()
    } catch {
      return nil
    }
    return group
  }
}

extension QuickSyntax {
  /// This syntax with a group's names added.
  func with(_ group: any QuickParsableGroup.Type) -> QuickSyntax {
    let other = group.quickSyntax
    return QuickSyntax(options: options + other.options, flags: flags + other.flags, positional: positional || other.positional)
  }
}

extension LedgerOptions: QuickParsableGroup {
  static let quickSyntax = QuickSyntax(options: ["--db", "--tz"])

  init?(quick arguments: inout QuickArguments) {
    self.init()
    db = arguments.value("--db")
    tz = arguments.value("--tz")
  }
}

extension OutputOptions: QuickParsableGroup {
  static let quickSyntax = QuickSyntax(options: ["--format"], flags: ["--excel-safe"])

  init?(quick arguments: inout QuickArguments) {
    self.init()
    if let text = arguments.value("--format") {
      // The conversion ArgumentParser itself uses for `--format`.
      guard let format = OutputFormat(argument: text) else { return nil }
      self.format = format
    } else {
      format = Self.defaultFormat
    }
    excelSafe = arguments.flag("--excel-safe")
  }
}

extension ViewOptions: QuickParsableGroup {
  static let quickSyntax = QuickSyntax(options: ["--as-known-at", "--as-recorded-at"])

  init?(quick arguments: inout QuickArguments) {
    self.init()
    asKnownAt = arguments.value("--as-known-at")
    asRecordedAt = arguments.value("--as-recorded-at")
  }
}

extension PolicyLedgerCommand.InForce: QuickParsable {
  static let quickSyntax = QuickSyntax(options: ["--at", "--as-told-to"], positional: true)
    .with(LedgerOptions.self).with(OutputOptions.self).with(ViewOptions.self)

  init?(quick arguments: inout QuickArguments) {
    guard let ledger = LedgerOptions.quick(&arguments), let output = OutputOptions.quick(&arguments),
      let knowledge = ViewOptions.quick(&arguments), let at = arguments.value("--at")
    else { return nil }
    self.init()
    self.ledger = ledger
    self.output = output
    self.knowledge = knowledge
    policy = arguments.positional()
    self.at = at
    asToldTo = arguments.value("--as-told-to")
  }
}

extension PolicyLedgerCommand.History: QuickParsable {
  static let quickSyntax = QuickSyntax(options: ["--at"], positional: true)
    .with(LedgerOptions.self).with(OutputOptions.self).with(ViewOptions.self)

  init?(quick arguments: inout QuickArguments) {
    guard let ledger = LedgerOptions.quick(&arguments), let output = OutputOptions.quick(&arguments),
      let knowledge = ViewOptions.quick(&arguments), let policy = arguments.positional()
    else { return nil }
    self.init()
    self.ledger = ledger
    self.output = output
    self.knowledge = knowledge
    self.policy = policy
    at = arguments.value("--at")
  }
}

extension PolicyLedgerCommand.Show: QuickParsable {
  static let quickSyntax = QuickSyntax(options: [], positional: true).with(LedgerOptions.self).with(OutputOptions.self)

  init?(quick arguments: inout QuickArguments) {
    guard let ledger = LedgerOptions.quick(&arguments), let output = OutputOptions.quick(&arguments),
      let entry = arguments.positional()
    else { return nil }
    self.init()
    self.ledger = ledger
    self.output = output
    self.entry = entry
  }
}

extension PolicyLedgerCommand.Timeline: QuickParsable {
  static let quickSyntax = QuickSyntax(options: ["--employee", "--policy", "--from", "--to"])
    .with(LedgerOptions.self).with(OutputOptions.self).with(ViewOptions.self)

  init?(quick arguments: inout QuickArguments) {
    guard let ledger = LedgerOptions.quick(&arguments), let output = OutputOptions.quick(&arguments),
      let knowledge = ViewOptions.quick(&arguments)
    else { return nil }
    self.init()
    self.ledger = ledger
    self.output = output
    self.knowledge = knowledge
    employee = arguments.value("--employee")
    policy = arguments.value("--policy")
    from = arguments.value("--from")
    to = arguments.value("--to")
  }
}

extension PolicyLedgerCommand.Recipients: QuickParsable {
  static let quickSyntax = QuickSyntax(options: [], positional: true).with(LedgerOptions.self).with(OutputOptions.self)

  init?(quick arguments: inout QuickArguments) {
    guard let ledger = LedgerOptions.quick(&arguments), let output = OutputOptions.quick(&arguments),
      let notice = arguments.positional()
    else { return nil }
    self.init()
    self.ledger = ledger
    self.output = output
    self.notice = notice
  }
}

extension PolicyLedgerCommand.Outstanding: QuickParsable {
  static let quickSyntax = QuickSyntax(options: ["--notice"])
    .with(LedgerOptions.self).with(OutputOptions.self).with(ViewOptions.self)

  init?(quick arguments: inout QuickArguments) {
    guard let ledger = LedgerOptions.quick(&arguments), let output = OutputOptions.quick(&arguments),
      let knowledge = ViewOptions.quick(&arguments)
    else { return nil }
    self.init()
    self.ledger = ledger
    self.output = output
    self.knowledge = knowledge
    notice = arguments.value("--notice")
  }
}

extension PolicyLedgerCommand.Head: QuickParsable {
  static let quickSyntax = QuickSyntax(options: []).with(LedgerOptions.self)

  init?(quick arguments: inout QuickArguments) {
    guard let ledger = LedgerOptions.quick(&arguments) else { return nil }
    self.init()
    self.ledger = ledger
  }
}
