import ArgumentParser
import Foundation
import PolicyLedger

/// "Did you mean …" for a misspelt subcommand or option, said instead of ArgumentParser's
/// message when a command line it refused names one close to a known name (contract
/// section 5): `histroy` → `history`, `--employe` → `--employee`, `--void` → `--void-version`.
enum MisspeltNames {
  /// The one-line hint for `arguments` (after ``LeadingArguments``), or nil to keep
  /// ArgumentParser's own message.
  static func hint(_ arguments: [String]) -> String? {
    var command: any ParsableCommand.Type = PolicyLedgerCommand.self
    var path = ["policy-ledger"]
    var rest = arguments[...]
    // Down the subcommands named, to the first argument that is none of them.
    while let argument = rest.first, !argument.hasPrefix("-") {
      let names = subcommands(of: command)
      guard !names.isEmpty else { break }
      if let next = names.first(where: { $0.configuration.commandName == argument }) {
        command = next
        path.append(argument)
        rest = rest.dropFirst()
        continue
      }
      guard argument != "help" else { return nil }
      var commandNames: [String] = []
      for name in names {
        if let commandName = name.configuration.commandName, !commandNames.contains(commandName) {
          commandNames.append(commandName)
        }
      }
      let suggestions = NearestNames.suggestions(for: argument, among: commandNames)
      let shown = "unknown command '\(Identifier.printable(argument))' for '\(path.joined(separator: " "))'"
      guard !suggestions.isEmpty else { return shown + " (see '\(path.joined(separator: " ")) --help')" }
      return shown + "; did you mean \(NearestNames.phrase(suggestions))?"
    }
    let known = optionNames(of: command)
    for argument in rest {
      if argument == "--" { break }
      guard argument.hasPrefix("--") else { continue }
      let name = String(argument.prefix { $0 != "=" })
      guard !known.contains(name) else { continue }
      var suggestions = known.filter { $0.hasPrefix(name) && name.count > 3 }.sorted()
      if suggestions.isEmpty { suggestions = NearestNames.suggestions(for: name, among: known.sorted()) }
      guard !suggestions.isEmpty else { return nil }
      return "unknown option '\(Identifier.printable(name))' for '\(path.joined(separator: " "))'; did you mean \(NearestNames.phrase(Array(suggestions.prefix(3))))?"
    }
    return nil
  }

  /// The command group that `arguments` name and stop at, with no subcommand and nothing
  /// else (`policy-ledger`, `policy-ledger notice`, `--db` aside), and its path; nil when
  /// they go further.
  static func groupWithoutSubcommand(_ arguments: [String]) -> (any ParsableCommand.Type, String)? {
    var command: any ParsableCommand.Type = PolicyLedgerCommand.self
    var path = ["policy-ledger"]
    var rest = arguments[...]
    while let argument = rest.first, !argument.hasPrefix("-"),
      let next = subcommands(of: command).first(where: { $0.configuration.commandName == argument })
    {
      command = next
      path.append(argument)
      rest = rest.dropFirst()
    }
    if rest.first == "--db", rest.count == 2 { rest = [] }
    guard rest.isEmpty, !subcommands(of: command).isEmpty else { return nil }
    return (command, path.joined(separator: " "))
  }

  /// A command's subcommands, grouped or not (a name may come twice).
  static func subcommands(of command: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
    let configuration = command.configuration
    var all: [any ParsableCommand.Type] = configuration.subcommands
    for group in configuration.groupedSubcommands { all += group.subcommands }
    return all
  }

  /// The long option names a command's help shows (its options, flags and their
  /// inversions), `--help` and `--version` among them.
  static func optionNames(of command: any ParsableCommand.Type) -> Set<String> {
    var names: Set<String> = ["--help", "--version"]
    let help = command.helpMessage(columns: 10_000)
    var index = help.startIndex
    while let range = help[index...].range(of: "--") {
      var end = range.upperBound
      while end < help.endIndex, help[end].isLetter || help[end].isNumber || help[end] == "-" { end = help.index(after: end) }
      if end > range.upperBound { names.insert(String(help[range.lowerBound..<end])) }
      index = end
    }
    return names
  }
}
