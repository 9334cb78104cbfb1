import Foundation
import Testing
import PolicyLedger

/// The README, `--help` and docs/cli.md name the same commands and the same columns, and
/// the columns are what the commands write: a command added without its documentation, or
/// a column renamed in one place only, fails here.
struct CommandDocsTests {
  static let root = FastLaneTests.root

  static func text(_ path: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
  }

  /// docs/cli.md's sections: the command of each `### \`NAME\`` heading and the text below it.
  static func docsSections() throws -> [(command: String, text: String)] {
    var sections: [(String, String)] = []
    for line in try text("docs/cli.md").split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("### `"), line.hasSuffix("`") {
        sections.append((String(line.dropFirst(5).dropLast()), ""))
      } else if line.hasPrefix("## ") {
        sections.append(("", ""))
      } else if !sections.isEmpty {
        sections[sections.count - 1].1 += line + "\n"
      }
    }
    return sections.filter { !$0.0.isEmpty }
  }

  /// The command a code span starts with: its words up to the first argument or option
  /// (`import versions FILE.csv` → `import versions`, `export (versions\|…)` → `export`).
  static func command(ofSynopsis synopsis: String) -> String {
    var words: [String] = []
    for word in synopsis.split(separator: " ") {
      guard let first = word.first, first.isLowercase, word.allSatisfy({ $0.isLowercase || $0 == "-" }) else { break }
      words.append(String(word))
    }
    return words.joined(separator: " ")
  }

  /// The README's command tables: the command of each row's first cell, and its third cell
  /// (the columns) when there is one.
  static func readmeRows() throws -> [(command: String, columns: String?)] {
    try text("README.md").split(separator: "\n").compactMap { line -> (String, String?)? in
      guard line.hasPrefix("| `") else { return nil }
      let cells = line.replacingOccurrences(of: "\\|", with: "¦").split(separator: "|").map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      let synopsis = cells[0].dropFirst().prefix { $0 != "`" }
      let columns = cells.count > 2 && cells[2].hasPrefix("`") ? String(cells[2].dropFirst().dropLast()) : nil
      return (command(ofSynopsis: String(synopsis)), columns)
    }
  }

  /// `Columns: a, b, c` lines (`Columns of KIND: …` for export), keyed by KIND or "".
  static func columns(in text: String, marker: (String) -> String?) -> [String: [String]] {
    var found: [String: [String]] = [:]
    for line in text.split(separator: "\n") {
      guard line.hasPrefix("Columns"), let colon = line.range(of: ": ") else { continue }
      let label = line[..<colon.lowerBound]
      let kind = label == "Columns" ? "" : String(label.dropFirst("Columns of ".count))
      guard let list = marker(String(line[colon.upperBound...])) else { continue }
      found[kind] = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
    return found
  }

  static func docsColumns(_ text: String) -> [String: [String]] {
    columns(in: text) { value in
      guard value.hasPrefix("`"), value.hasSuffix("`") else { return nil }
      return String(value.dropFirst().dropLast())
    }
  }

  static func helpColumns(_ path: [String]) throws -> [String: [String]] {
    let help = try CLI.run(path + ["--help"], environment: ["COLUMNS": "10000"]).stdout
    return columns(in: help) { value in
      // "a, b, c." or "a, b, c; with --with-body, also body."
      String(value.prefix { $0 != ";" && $0 != "." })
    }
  }

  @Test func theReadmeHelpAndDocsNameTheSameCommands() throws {
    let fromHelp = Set(try HelpTextCLITests.commandPaths().map { $0.joined(separator: " ") })
    let fromDocs = Set(try Self.docsSections().map(\.command))
    let fromReadme = Set(try Self.readmeRows().map(\.command))
    #expect(fromHelp.subtracting(fromDocs).isEmpty, "in --help, not in docs/cli.md: \(fromHelp.subtracting(fromDocs).sorted())")
    #expect(fromDocs.subtracting(fromHelp).isEmpty, "in docs/cli.md, not in --help: \(fromDocs.subtracting(fromHelp).sorted())")
    #expect(fromHelp.subtracting(fromReadme).isEmpty, "in --help, not in the README: \(fromHelp.subtracting(fromReadme).sorted())")
    #expect(fromReadme.subtracting(fromHelp).isEmpty, "in the README, not in --help: \(fromReadme.subtracting(fromHelp).sorted())")
  }

  /// Options every command shares are described once, in "Conventions every command shares".
  static let shared: Set<String> = [
    "--db", "--tz", "--by", "--format", "--no-headers", "--excel-safe", "--as-known-at", "--as-recorded-at",
  ]

  @Test func eachDocsSectionNamesEveryOptionOfItsCommand() throws {
    let dump = try CLI.run(["--experimental-dump-help"])
    let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
    let sections = Dictionary(try Self.docsSections().map { ($0.command, $0.text) }, uniquingKeysWith: +)
    let conventions = try Self.text("docs/cli.md")
    for name in Self.shared { #expect(conventions.contains("`\(name)"), "\(name)") }
    func walk(_ command: [String: Any], _ path: [String]) {
      for subcommand in command["subcommands"] as? [[String: Any]] ?? [] {
        walk(subcommand, path + [subcommand["commandName"] as? String ?? "?"])
      }
      guard let text = sections[path.joined(separator: " ")] else { return }
      // An option the help does not show (the kinds of `import` take `--all` only to refuse it) is not documented either.
      for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["shouldDisplay"] as? Bool != false {
        for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
          let option = "--" + (name["name"] as? String ?? "")
          if option == "--help" || Self.shared.contains(option) { continue }
          #expect(text.contains(option), "docs/cli.md's \(path.joined(separator: " ")) does not name \(option)")
        }
      }
    }
    walk(try #require(root["command"] as? [String: Any]), [])
  }

  /// How to run each command that writes rows, on the demo's ledger.
  static let invocations: [String: [String]] = [
    "in-force": ["in-force", "--at", "now"], "history": ["history", "mobile-devices"],
    "timeline": ["timeline", "--employee", "E1001"], "recipients": ["recipients", "N-2020-07-10-0800"],
    "outstanding": ["outstanding"], "policies": ["policies"], "notices": ["notices"],
    "employees": ["employees", "--at", "2020-07-10T12:00:00Z"],
    "coverage": ["coverage", "mobile-devices", "--at", "2020-07-10T19:00:00Z"],
  ]

  @Test func theColumnsOfHelpDocsAndReadmeAreWhatTheCommandsWrite() throws {
    let demo = try DemoLedger()
    let readme = Dictionary(try Self.readmeRows().compactMap { row in row.columns.map { (row.command, $0) } }, uniquingKeysWith: { a, _ in a })
    var checked = 0
    for (command, text) in try Self.docsSections() {
      let path = command.split(separator: " ").map(String.init)
      let docs = Self.docsColumns(text)
      let help = try Self.helpColumns(path)
      #expect(docs == help, "\(command): docs/cli.md \(docs), --help \(help)")
      if let invocation = Self.invocations[command] {
        let written = try CLI.run(invocation + ["--db", demo.db, "--format", "csv"])
        #expect(written.status == 0, "\(written.stderr)")
        let header = written.lines.first.map { $0.split(separator: ",").map(String.init) }
        #expect(docs[""] == header, "\(command)")
        #expect(readme[command] == docs[""]?.joined(separator: ", "), "the README's columns of \(command)")
        checked += 1
      }
      if command == "export" {
        for (kind, columns) in docs {
          let written = try CLI.run(["export", kind, "--db", demo.db])
          #expect(written.lines.first.map { $0.split(separator: ",").map(String.init) } == columns, "export \(kind)")
          checked += 1
        }
      }
    }
    #expect(checked == Self.invocations.count + ExportKind.allCases.count)
    // A command whose help lists columns is one whose output is checked here.
    for path in try HelpTextCLITests.commandPaths() where path != ["export"] {
      if !(try Self.helpColumns(path)).isEmpty {
        #expect(Self.invocations[path.joined(separator: " ")] != nil, "add \(path) to CommandDocsTests.invocations")
      }
    }
  }

  @Test func theDocsStandAlone() throws {
    // A clone holds this repository only: no contract file, no numbered rules of it.
    let files = ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path))
      .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
    for file in files {
      let text = try Self.text(file)
      for pattern in ["LEDGER.md", "shared/spec", "spec section", "contract section"] {
        let found = text.contains(pattern)
        #expect(!found, "\(file) refers to '\(pattern)'")
      }
      let numbered = text.firstMatch(of: try Regex("[Rr]ules? [0-9]+")).map { String(text[$0.range]) }
      #expect(numbered == nil, "\(file) refers to a numbered rule: \(numbered ?? "")")
    }
  }
}
