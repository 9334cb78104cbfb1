import Foundation
import Testing

/// The README's fast lane (`swift test --skip '…'`) names the slow tests, because Swift 6.3's
/// `swift test` filters by name, not by tag: every test or suite tagged `.slow` must be one
/// that pattern leaves out.
@Suite struct FastLaneTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  @Test func everySlowTestIsLeftOutByTheREADMEsFastLane() throws {
    let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
    let line = try #require(readme.split(separator: "\n").first { $0.contains("swift test --skip '") })
    let pattern = try #require(line.split(separator: "'").dropFirst().first)
    let skip = try Regex(String(pattern))
    let tests = Self.root.appendingPathComponent("Tests")
    let files = try #require(FileManager.default.enumerator(atPath: tests.path)).compactMap { $0 as? String }
    // Spelt in two parts, so that this file is not one of its own matches.
    let needle = ".tags(" + ".slow)"
    var slow: [String] = []
    for file in files where file.hasSuffix(".swift") {
      let lines = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
        .split(separator: "\n", omittingEmptySubsequences: false)
      for (index, text) in lines.enumerated() where text.contains(needle) {
        // The test's or the suite's name: the first `func NAME` or `struct NAME` from there on.
        let name = lines[index..<min(index + 4, lines.count)].lazy.compactMap { $0.firstMatch(of: /(?:func|struct) (\w+)/) }.first
        slow.append(String(try #require(name, "\(file):\(index + 1)").1))
      }
    }
    #expect(slow.count >= 9, "\(slow)")
    for name in slow {
      #expect(name.contains(skip), "\(name) is tagged slow, but the README's fast lane runs it")
    }
  }
}
