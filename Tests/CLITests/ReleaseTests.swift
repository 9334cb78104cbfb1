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
  /// list is there, one symbol a line, names the project's own code (its command's entry
  /// point and library functions), and CI builds the step with the README's words.
  /// Whether the names are still the build's is the next test's, on the install build.
  @Test func theInstallStepsFunctionOrderIsThere() throws {
    let readme = try Self.text("README.md")
    let path = try #require(readme.firstMatch(of: /--symbol-ordering-file=(\S+)/)).1
    let names = try Self.functionOrder(String(path))
    #expect(names.count > 500)
    #expect(names.allSatisfy { !$0.isEmpty && !$0.contains(" ") && !$0.contains("'") })
    #expect(Set(names).count == names.count)
    #expect(names.contains("policy_ledger_main"))
    // The project's own Swift code is in it, not only SQLite's and the runtime's.
    #expect(Self.ownSwiftNames(names).count > 100)
    #expect(try Self.text("Package.swift").contains("exclude: [\"startup.order\"]"))
    // CI builds the install step as the README gives it.
    func words(_ text: Substring) -> [Substring] {
      text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" })
    }
    let step = try #require(readme.firstMatch(of: /\n    (swift build -c release --static-swift-stdlib -Xswiftc -static-executable[^\n]*\\\n[^\n]*)\n/)).1
    let ci = try #require(try Self.text(".ci/run").firstMatch(of: /\n(swift build -c release --static-swift-stdlib -Xswiftc -static-executable[^\n]*\\\n[^\n]*)\n/)).1
    #expect(words(step) == words(ci))
    #expect(words(step).contains("-Xswiftc") && words(step).contains("-use-ld=lld"))
    #expect(words(step).contains("--symbol-ordering-file=\(path)"))
  }

  /// On the install build (CI runs this suite with `POLICY_LEDGER_TEST_BINARY` naming it):
  /// the list's names of the project's own Swift functions are the binary's, all but a few
  /// (the linker skips a name it does not find, without a word, so a list gone stale after
  /// a rename would only show here). `scripts/startup-order.sh` writes it anew.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["POLICY_LEDGER_TEST_BINARY"].map { !$0.isEmpty } ?? false))
  func theFunctionOrderNamesTheInstallBuildsFunctions() throws {
    let own = Self.ownSwiftNames(try Self.functionOrder("Sources/policy-ledger/startup.order"))
    let nm = try CLI.run([], launcher: ["/usr/bin/nm", "--defined-only"])
    #expect(nm.status == 0, "\(nm.stderr)")
    var defined = Set<Substring>()
    for line in nm.stdout.split(separator: "\n") {
      if let name = line.split(separator: " ").last { defined.insert(name) }
    }
    let missing = own.filter { !defined.contains($0) }
    #expect(missing.count * 20 <= own.count, "startup.order names \(missing.count) of its \(own.count) Swift functions that the binary lacks, \(missing.prefix(3)) …: run scripts/startup-order.sh")
  }

  static func functionOrder(_ path: String) throws -> [Substring] {
    Array(try text(path).split(separator: "\n", omittingEmptySubsequences: false).dropLast())
  }

  static func ownSwiftNames(_ names: [Substring]) -> [Substring] {
    names.filter { $0.hasPrefix("$s12PolicyLedger") || $0.hasPrefix("$s13policy_ledger") }
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
