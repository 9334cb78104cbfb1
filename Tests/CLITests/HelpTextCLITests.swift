import Foundation
import Testing

/// Every command's `--help` as a person reads it in an 80-column terminal: prose wrapped by
/// the parser (no hard line breaks to wrap badly), examples that fit and so stay pasteable,
/// `--version` once, and a command's own usage with its usage errors.
struct HelpTextCLITests {
  /// Every command path (`["policy", "add"]`), from the parser's own description of the
  /// commands: the leaves, and a command with subcommands that takes options of its own
  /// (`import --all`). `help` is the parser's.
  static func commandPaths() throws -> [[String]] {
    let dump = try CLI.run(["--experimental-dump-help"])
    let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
    var paths: [[String]] = []
    func walk(_ command: [String: Any], _ path: [String]) {
      let subcommands = command["subcommands"] as? [[String: Any]] ?? []
      let arguments = (command["arguments"] as? [[String: Any]] ?? []).filter { argument in
        let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        return !names.contains("help") && !names.contains("h")
      }
      if !path.isEmpty, path != ["help"], subcommands.isEmpty || !arguments.isEmpty { paths.append(path) }
      for subcommand in subcommands {
        walk(subcommand, path + [subcommand["commandName"] as? String ?? "?"])
      }
    }
    walk(try #require(root["command"] as? [String: Any]), [])
    return paths
  }

  /// The lines of `--help` between the overview and the usage: the discussion.
  static func discussion(_ path: [String], columns: Int) throws -> [String] {
    let help = try CLI.run(path + ["--help"], environment: ["COLUMNS": String(columns)])
    #expect(help.status == 0, "\(path)")
    let lines = help.lines
    let start = (lines.firstIndex { $0.hasPrefix("OVERVIEW:") } ?? -1) + 1
    let end = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.endIndex
    return start < end ? Array(lines[start..<end]) : []
  }

  @Test func theCommandsAreFound() throws {
    let paths = try Self.commandPaths()
    #expect(paths.contains(["policy", "add"]) && paths.contains(["import"]) && paths.contains(["import", "acks"]))
    #expect(!paths.contains(["policy"]) && !paths.contains(["help"]))
  }

  @Test func everyDiscussionFitsEightyColumnsWithItsExamplesWhole() throws {
    for path in try Self.commandPaths() + [[]] {
      let narrow = try Self.discussion(path, columns: 80)
      let wide = try Self.discussion(path, columns: 10_000)
      for line in narrow {
        #expect(line.count <= 80, "\(path): \(line.count) columns: \(line)")
      }
      // An example is indented: the parser keeps an indented line as it is, so at 80
      // columns it must still be there whole, or it was wrapped and cannot be pasted.
      for line in wide where line.hasPrefix("  ") {
        #expect(narrow.contains(line), "\(path): the example line is wrapped at 80 columns: \(line)")
      }
      // A line of an example that goes on ends with " \".
      for (line, next) in zip(wide, wide.dropFirst()) where line.hasPrefix("  policy-ledger ") && next.hasPrefix("      ") {
        #expect(line.hasSuffix(" \\"), "\(path): \(line)")
      }
      // Prose is one line a paragraph, which the parser wraps to the terminal: two prose
      // lines in a row are a hard line break, which wraps badly in a narrow terminal.
      for (line, next) in zip(wide, wide.dropFirst()) where !line.isEmpty && !line.hasPrefix(" ") {
        #expect(next.isEmpty || next.hasPrefix(" "), "\(path): a hard line break after: \(line)")
      }
    }
  }

  @Test func versionIsTheTopLevelsOnly() throws {
    let version = try CLI.run(["--version"])
    #expect(version.status == 0 && version.stdout == "1.0.0\n")
    #expect(try CLI.run(["--help"]).stdout.contains("policy-ledger --version"))
    let retract = try CLI.run(["correct", "retract", "--help"]).lines
    #expect(retract.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--version") }.count == 1)
    #expect(!retract.contains { $0.contains("Show the version") })
    for path in try Self.commandPaths() {
      #expect(!(try CLI.run(path + ["--help"]).stdout.contains("Show the version")), "\(path)")
    }
  }

  @Test(arguments: [
    (["policy", "add", "k", "--title", "T", "--effective-from", "2020-01-01"], "policy add", "--body and --body-file"),
    (["policy", "add", "k", "--title", "T", "--body", "b", "--body-file", "f", "--effective-from", "2020-01-01"], "policy add", "--body and --body-file"),
    (["notice", "send", "--subject", "S", "--sent-at", "2020-01-01", "--sender", "hr", "--to", "E1"], "notice send", "--body and --body-file"),
  ])
  func aUsageErrorShowsTheCommandsOwnUsageAndRecordsNothing(_ arguments: [String], _ command: String, _ message: String) throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let result = try CLI.run(arguments + ["--db", db])
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("Error: Give exactly one of \(message)."), "\(result.stderr)")
    #expect(result.stderr.contains("Usage: policy-ledger \(command) "), "\(result.stderr)")
    #expect(!LedgerFiles.exists(db))
  }
}
