import Foundation
import Testing

@testable import policy_ledger

/// Values from the command line or an imported file that hold terminal control sequences,
/// or megabytes: every refusal quotes them escaped and cut, on one line, so that none can
/// erase the line it is on ("imported 1 version" over an error), retitle the window, or
/// fill a log with one line.
@Suite struct HostileMessagesCLITests {
  /// An OSC sequence that retitles the window, and one that erases the line and returns
  /// the cursor to write something else over the error.
  static let retitle = "\u{1B}]0;PWNED\u{07}"
  static let overwrite = "\u{1B}[2K\rimported 1 version\u{1B}[8m"

  /// The refusal is one line with no control character, and shows the sequence escaped.
  static func expectEscaped(_ result: CLIResult, _ shown: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 2, "\(result.stderr)", sourceLocation: sourceLocation)
    let line = result.stderr.dropLast()
    #expect(result.stderr.hasSuffix("\n") && !line.contains("\n"), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(
      !line.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(result.stderr.debugDescription)",
      sourceLocation: sourceLocation)
    #expect(result.stderr.contains(shown), "\(result.stderr)", sourceLocation: sourceLocation)
  }

  @Test func valuesOnTheCommandLineAreShownEscaped() throws {
    let demo = try DemoLedger()
    let db = ["--db", demo.db]
    let retitled = #"\u{1B}]0;PWNED\u{07}"#
    Self.expectEscaped(try CLI.run(["in-force", "mobile-devices", "--at", "2021-01-01" + Self.retitle] + db), "unexpected '\(retitled)' after the date")
    Self.expectEscaped(try CLI.run(["in-force", "mobile-devices", "--at", "2021-01-01T10:00" + Self.retitle] + db), retitled)
    Self.expectEscaped(try CLI.run(["in-force", "x" + Self.retitle, "--at", "now"] + db), "no policy 'x\(retitled)'")
    Self.expectEscaped(try CLI.run(["in-force", "x", "--at", "now", "--tz", "Europe" + Self.retitle] + db), "unknown time zone 'Europe\(retitled)'")
    Self.expectEscaped(try CLI.run(["show", "N" + Self.retitle] + db), "'N\(retitled)'")
    Self.expectEscaped(try CLI.run(["outstanding", "--notice", "N" + Self.retitle] + db), "no notice 'N\(retitled)'")
    Self.expectEscaped(
      try CLI.run(["notice", "send", "--subject", "S", "--body", "b", "--sent-at", "2021-01-01", "--sender", "hr", "--to", "E1",
        "--announces", "mobile-devices" + Self.retitle] + db), "'mobile-devices\(retitled)'")
  }

  @Test func valuesInAnImportedFileAreShownEscaped() throws {
    let demo = try DemoLedger()
    let head = try CLI.run(["head", "--db", demo.db]).stdout
    let versions = try demo.dir.write("v.csv", "policy,title,body,effective_from\nk,T,B,\"2021-01-01\(Self.overwrite)\"\n")
    Self.expectEscaped(
      try CLI.run(["import", "versions", versions, "--db", demo.db]), #"unexpected '\u{1B}[2K\rimported 1 version\u{1B}[8m' after the date"#)
    let notices = try demo.dir.write(
      "n.csv", "id,subject,body,sent_at,sender,announces\nN9,S,b,2021-01-01,hr,mobile-devices\(Self.retitle)\n")
    let recipients = try demo.dir.write("r.csv", "notice,employee\nN9,E1\n")
    Self.expectEscaped(
      try CLI.run(["import", "notices", notices, "--recipients", recipients, "--db", demo.db]),
      #"invalid announces 'mobile-devices\u{1B}]0;PWNED\u{07}'"#)
    #expect(try CLI.run(["head", "--db", demo.db]).stdout == head, "nothing was recorded")
  }

  /// A time of 10 MB: the value is cut at 200 characters where the message is made, and a
  /// message is never longer than 10,000 characters.
  @Test func aValueOfMegabytesMakesALineOfAFewHundredBytes() throws {
    let demo = try DemoLedger()
    let huge = "2021-01-01" + String(repeating: "1", count: 10_000_000)
    let file = try demo.dir.write("v.csv", "policy,title,body,effective_from\nk,T,B,\(huge)\n")
    let result = try CLI.run(["import", "versions", file, "--db", demo.db])
    #expect(result.status == 2)
    #expect(result.stderr.utf8.count < 1_000, "\(result.stderr.utf8.count) bytes")
    #expect(result.stderr.hasPrefix("policy-ledger: error: \(file) line 2: invalid effective_from '2021-01-01111"))
  }

  /// The argument parser's own usage errors quote the word they could not read: escaped
  /// too, the rest of their text (several lines) as it was.
  @Test func aUsageErrorShowsTheWordItCouldNotReadEscaped() throws {
    let demo = try DemoLedger()
    let result = try CLI.run(["export", "v" + Self.retitle, "--db", demo.db])
    #expect(result.status == 64)
    #expect(result.stderr.hasPrefix(#"Error: The value 'v\u{1B}]0;PWNED\u{07}' is invalid for '<kind>'."#), "\(result.stderr)")
    #expect(!result.stderr.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" })
    #expect(result.stderr.split(separator: "\n").count > 3, "the list of kinds and the usage, on their lines")
  }

  @Test func theLastLineOfDefenceEscapesCutsAndJoins() {
    #expect(PolicyLedgerCommand.oneLine("a\nb\u{1B}[2K\rc\u{200B}d\u{2028}e\u{0}") == #"a b\u{1B}[2K\rc\u{200B}d\u{2028}e\u{0}"#)
    #expect(PolicyLedgerCommand.oneLine("é👍🏽 ok") == "é👍🏽 ok")
    let cut = PolicyLedgerCommand.oneLine(String(repeating: "x", count: 25_000))
    #expect(cut == String(repeating: "x", count: 10_000) + "…")
  }
}
