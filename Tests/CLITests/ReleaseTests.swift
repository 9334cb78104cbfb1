import Foundation
import Testing

/// What README.md says of the release and of the library agrees with the files it names.
@Suite struct ReleaseTests {
  static func text(_ path: String) throws -> String {
    try String(contentsOf: FastLaneTests.root.appendingPathComponent(path), encoding: .utf8)
  }

  @Test func theChangelogsLatestReleaseIsTheVersionTheBinaryPrints() throws {
    let changelog = try Self.text("CHANGELOG.md")
    let latest = try #require(changelog.firstMatch(of: /\n## (\d+\.\d+\.\d+)\n/)).1
    let printed = try CLI.run(["--version"])
    #expect(printed.status == 0)
    #expect(printed.stdout == "\(latest)\n")
  }

  /// The README's install step hands the linker a list of the functions a query runs; the
  /// list is there, one symbol a line, and names the code every query runs (SQLite's parser
  /// and the command's entry point), so that a rename or a lost file does not quietly undo
  /// the layout (scripts/startup-order.sh writes it anew).
  @Test func theInstallStepsFunctionOrderIsThereAndCurrent() throws {
    let readme = try Self.text("README.md")
    let path = try #require(readme.firstMatch(of: /--symbol-ordering-file=(\S+)/)).1
    #expect(readme.contains("-Xswiftc -use-ld=lld"))
    let names = try Self.text(String(path)).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(names.count > 500)
    #expect(names.allSatisfy { !$0.isEmpty && !$0.contains(" ") && !$0.contains("'") })
    #expect(Set(names).count == names.count)
    for name in ["sqlite3Parser", "sqlite3_prepare_v3", "policy_ledger_main", "sqlite3InitOne"] {
      #expect(names.contains(Substring(name)), "\(path) does not name \(name)")
    }
    // The project's own Swift code is in it, not only SQLite's and the runtime's.
    let ours = names.filter { $0.hasPrefix("$s12PolicyLedger") || $0.hasPrefix("$s13policy_ledger") }
    #expect(ours.count > 100)
    #expect(try Self.text("Package.swift").contains("exclude: [\"startup.order\"]"))
    // CI builds the install step as the README gives it.
    func words(_ text: Substring) -> [Substring] {
      text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" })
    }
    let step = try #require(readme.firstMatch(of: /\n    (swift build -c release --static-swift-stdlib -Xswiftc -static-executable[^\n]*\\\n[^\n]*)\n/)).1
    let ci = try #require(try Self.text(".ci/run").firstMatch(of: /\n(swift build -c release --static-swift-stdlib -Xswiftc -static-executable[^\n]*\\\n[^\n]*)\n/)).1
    #expect(words(step) == words(ci))
    #expect(words(step).contains("--symbol-ordering-file=\(path)"))
  }

  /// README, "Using the library from Swift", shows the example's core lines: each line of
  /// its Swift block (comments aside) is a line of the example, which ExamplePackageBuild builds
  /// and runs.
  @Test func theREADMEsSwiftLinesAreTheExamplesLines() throws {
    let readme = try Self.text("README.md")
    let block = try #require(readme.firstMatch(of: /```swift\n((?:.*\n)*?)```/)).1
    let example = try Self.text("Examples/LedgerExample/Sources/ledger-example/main.swift")
    let lines = Set(example.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    var shown = 0
    for line in block.split(separator: "\n") {
      let text = line.trimmingCharacters(in: .whitespaces)
      guard !text.isEmpty, !text.hasPrefix("//") else { continue }
      let found = lines.contains(text)
      #expect(found, "README's line is not the example's: \(text)")
      shown += 1
    }
    #expect(shown >= 20)
  }

  /// Every code line of the DocC getting-started article (trailing comments aside; the
  /// package manifest block aside) is a line of GettingStartedTests, which runs it.
  @Test func theGettingStartedArticlesCodeIsATestsCode() throws {
    let article = try Self.text("Sources/PolicyLedger/PolicyLedger.docc/GettingStarted.md")
    let test = try Self.text("Tests/PolicyLedgerTests/GettingStartedTests.swift")
    func code(_ line: Substring) -> String {
      String(line.replacing(/\s+\/\/ .*$/, with: "")).trimmingCharacters(in: .whitespaces)
    }
    let lines = Set(test.split(separator: "\n").map(code))
    var shown = 0
    for block in article.matches(of: /```swift\n((?:.*\n)*?)```/) where !block.1.contains("dependencies:") {
      for line in block.1.split(separator: "\n") {
        let text = code(line)
        guard !text.isEmpty, !text.hasPrefix("//") else { continue }
        let found = lines.contains(text)
        #expect(found, "the article's line is not GettingStartedTests': \(text)")
        shown += 1
      }
    }
    #expect(shown >= 40)
  }
}
