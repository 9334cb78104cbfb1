import Foundation
import PolicyLedger

/// What both parsers read: the command line with two conventions of contract section 5
/// applied first, so that ArgumentParser and the fast path (QuickCommandLine.swift) see the
/// same arguments and need no rule of their own.
///
/// - `--db PATH` (or `--db=PATH`) and `--tz ZONE` before the subcommand, as in
///   `policy-ledger --db l.db --tz America/Los_Angeles history p`, move after it, where
///   every command that opens a ledger or prints times declares them. Given in both
///   places, the two must agree.
/// - `--tz` followed by a negative offset (`--tz -07:00`) becomes `--tz=-07:00`: otherwise
///   ArgumentParser reads `-07:00` as an option and finds `--tz` without a value.
enum LeadingArguments {
  /// A command line that cannot be read: a usage error (exit status 64).
  struct Problem: Error, CustomStringConvertible {
    let description: String
  }

  static func normalised(_ arguments: [String]) throws(Problem) -> [String] {
    let arguments = joiningOffsets(arguments)
    // Before, after and at a command group alike: the values of each must agree.
    try refuseDifferentValues(of: "--db", "paths", in: arguments)
    try refuseDifferentValues(of: "--tz", "zones", in: arguments)
    let moved = try movingLeadingOptions(arguments)
    try refuseRepeatedOptions(in: moved)
    return moved
  }

  /// The options a command takes more than once, each adding to its list, as "COMMAND
  /// --OPTION". A test holds this list, and ``flags``, to what the commands declare.
  static let repeatable = [
    "notice send --announces", "notice send --to", "notice resend --to", "correct retract --to", "correct amend --to",
    "correct resend --to", "policy add --applies-to", "employee join --groups",
  ]

  /// The options that take no value, in every command that has them.
  static let flags = [
    "--help", "--excel-safe", "--no-headers", "--with-body", "--summary", "--exit-code", "--reverse", "--unsigned",
    "--no-recipients", "--void-version", "--outstanding", "--experimental-dump-help",
  ]

  /// Any other option given twice with different values (`--title A … --title B`): a usage
  /// error, as for `--db` and `--tz` (``refuseDifferentValues(of:_:in:)``, which judges
  /// those two). ArgumentParser would keep the last value without a word, and a recording
  /// command would write an entry that can never be changed with the other value lost.
  /// The same value twice is accepted. Values are compared as bytes, as ids are.
  static func refuseRepeatedOptions(in arguments: [String]) throws(Problem) {
    var names: [Substring] = []
    var values: [Substring] = []
    var command = ""
    var commandWords = 0
    var index = 0
    while index < arguments.count, arguments[index] != "--" {
      let argument = arguments[index]
      index += 1
      guard argument.utf8.count > 2, argument.hasPrefix("--") else {
        // The command's words come first: `notice send`.
        if names.isEmpty && !argument.hasPrefix("-") && commandWords < 2 {
          command += commandWords == 0 ? argument : " " + argument
          commandWords += 1
        }
        continue
      }
      let name: Substring
      let value: Substring
      if let equals = argument.firstIndex(of: "=") {
        name = argument[..<equals]
        value = argument[argument.index(after: equals)...]
      } else {
        name = argument[...]
        if flags.contains(where: { $0 == name }) { continue }
        // A value that looks like an option is none: ArgumentParser says the value is missing.
        guard index < arguments.count, !(arguments[index].hasPrefix("-") && arguments[index].utf8.count > 1) else { continue }
        value = arguments[index][...]
        index += 1
      }
      if name == "--db" || name == "--tz" { continue }
      if let earlier = names.firstIndex(of: name), !values[earlier].utf8.elementsEqual(value.utf8),
        !repeatable.contains(command + " " + name)
      {
        throw Problem(
          description:
            "\(name) is given twice with different values: '\(Identifier.printable(String(values[earlier])))' and '\(Identifier.printable(String(value)))'"
        )
      }
      names.append(name)
      values.append(value)
    }
  }

  /// `--db` and `--tz` given twice (before the command and after it, or at a command group
  /// and again at its subcommand, as `import --db a.db versions f.csv --db b.db`) with
  /// different values: a usage error.
  /// ArgumentParser would keep one of them without a word, and a command would then
  /// write another ledger, or read times in another zone, than one of them says.
  static func refuseDifferentValues(of option: String, _ what: String, in arguments: [String]) throws(Problem) {
    let given = values(of: option, in: arguments)
    // Two spellings of one ledger (`l.db` and `./l.db`) agree: either names the same file.
    guard let first = given.first,
      let other = given.first(where: { $0 != first && !(option == "--db" && sameFile($0, first)) })
    else { return }
    throw Problem(
      description: "\(option) is given twice with different \(what): '\(Identifier.printable(first))' and '\(Identifier.printable(other))'")
  }

  /// Whether two paths name one file: the same device and inode when both exist; when
  /// neither does (a recording command is about to create it), the same name in the same
  /// folder, the folders compared by realpath(3). Only asked when the two texts differ.
  static func sameFile(_ a: String, _ b: String) -> Bool {
    // A trailing '/' names a folder, which no ledger is; URL would drop it.
    guard !a.isEmpty, !b.isEmpty, !a.hasSuffix("/"), !b.hasSuffix("/") else { return false }
    var first = stat()
    var second = stat()
    let firstExists = stat(a, &first) == 0
    let secondExists = stat(b, &second) == 0
    if firstExists || secondExists {
      return firstExists && secondExists && first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
    func place(_ path: String) -> String? {
      let url = URL(fileURLWithPath: path)
      guard let folder = realpath(url.deletingLastPathComponent().path, nil) else { return nil }
      defer { free(folder) }
      return String(cString: folder) + "/" + url.lastPathComponent
    }
    guard let placeA = place(a), let placeB = place(b) else { return false }
    return placeA == placeB
  }

  /// The values of `option` (`--db PATH` or `--db=PATH`) before `--`, in order.
  static func values(of option: String, in arguments: [String]) -> [String] {
    var found: [String] = []
    var index = arguments.startIndex
    while index < arguments.endIndex, arguments[index] != "--" {
      let argument = arguments[index]
      if argument == option, index + 1 < arguments.endIndex {
        found.append(arguments[index + 1])
      } else if argument.hasPrefix(option + "=") {
        found.append(String(argument.dropFirst(option.utf8.count + 1)))
      }
      index += 1
    }
    return found
  }

  /// `--db PATH` and `--tz ZONE` (or `--db=PATH`, `--tz=ZONE`) before the subcommand moved
  /// after it (see above), unless the command line gives them there too
  /// (``refuseDifferentValues(of:_:in:)`` has checked that the values agree).
  ///
  /// One of them last with no value (`policy-ledger --db`) is a missing value, as
  /// ArgumentParser says it after a command; left alone, ArgumentParser would call it an
  /// unknown option of the top-level command.
  static func movingLeadingOptions(_ arguments: [String]) throws(Problem) -> [String] {
    var arguments = arguments
    var moved: [String] = []
    while let first = arguments.first {
      if first == "--db" || first == "--tz" {
        guard arguments.count >= 2 else {
          throw Problem(description: "missing value for '\(first == "--db" ? "--db <db>" : "--tz <tz>")'")
        }
        moved += arguments.prefix(2)
        arguments.removeFirst(2)
      } else if first.hasPrefix("--db=") || first.hasPrefix("--tz=") {
        moved.append(first)
        arguments.removeFirst()
      } else {
        break
      }
    }
    // `help COMMAND` opens no ledger and takes neither: the ones before it are dropped.
    if moved.isEmpty || arguments.first == "help" { return arguments }
    var end = arguments.firstIndex(of: "--") ?? arguments.endIndex
    var index = 0
    while index < moved.count {
      let option = moved[index].hasPrefix("--db") ? "--db" : "--tz"
      let given = moved[index] == option ? Array(moved[index...index + 1]) : [moved[index]]
      if values(of: option, in: arguments).isEmpty {
        arguments.insert(contentsOf: given, at: end)
        end += given.count
      }
      index += given.count
    }
    return arguments
  }

  /// The options that take a whole number, which is never negative: `--limit -1` would
  /// otherwise read as a missing value followed by an unknown option `-1`. A list, not a
  /// `Set`: the first use of a `String`-keyed set on a query's path costs a scan of the
  /// binary's conformance records (docs/performance.md, "Levers, each measured").
  static let counts = ["--limit", "--seq", "--context", "--outstanding-limit"]

  /// `--tz -HH:MM` (or `-HHMM`) as `--tz=-HH:MM`, and a count given a negative number
  /// (`--limit -1`) as `--limit=-1`, so that the command's own check names the value.
  static func joiningOffsets(_ arguments: [String]) -> [String] {
    guard arguments.contains(where: { $0 == "--tz" || counts.contains($0) }) else { return arguments }
    var out: [String] = []
    out.reserveCapacity(arguments.count)
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "--" {
        out += arguments[index...]
        break
      }
      if argument == "--tz", index + 1 < arguments.count, isNegativeOffset(arguments[index + 1]) {
        out.append("--tz=" + arguments[index + 1])
        index += 2
        continue
      }
      if counts.contains(argument), index + 1 < arguments.count, isNegativeNumber(arguments[index + 1]) {
        out.append(argument + "=" + arguments[index + 1])
        index += 2
        continue
      }
      out.append(argument)
      index += 1
    }
    return out
  }

  /// `-` and digits: what no option name looks like.
  static func isNegativeNumber(_ text: String) -> Bool {
    text.utf8.count > 1 && text.utf8.first == UInt8(ascii: "-") && text.utf8.dropFirst().allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
  }

  /// `-HH:MM` or `-HHMM`, digits only: what no option name looks like.
  static func isNegativeOffset(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.first == UInt8(ascii: "-") else { return false }
    let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    switch bytes.count {
    case 6: return bytes[3] == UInt8(ascii: ":") && [1, 2, 4, 5].allSatisfy { isDigit(bytes[$0]) }
    case 5: return bytes[1...].allSatisfy(isDigit)
    default: return false
    }
  }
}
