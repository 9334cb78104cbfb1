import Foundation
import Testing

struct ReportCLITests {
  let pacific = "America/Los_Angeles"

  func demo(_ dir: TemporaryDirectory) throws -> String {
    let db = dir.file("demo.db")
    let result = try CLI.run(["demo", "--db", db])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    return db
  }

  func read(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

  func head(_ db: String) throws -> String {
    try CLI.run(["head", "--db", db]).stdout.trimmingCharacters(in: .newlines)
  }

  // MARK: report

  @Test func theWorkedExampleReportIsWrittenAndNamesItsHeadAndCommand() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let output = dir.file("report.html")
    let result = try CLI.run(["report", "--db", db, "--tz", pacific, "--output", output])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    // The path written, alone on its line.
    #expect(result.stdout == output + "\n" && result.stderr.isEmpty)
    let html = String(decoding: try read(output), as: UTF8.self)
    #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    #expect(html.contains(try head(db)))
    let command = try #require(reproduction(in: html))
    #expect(Array(command.prefix(6)) == ["policy-ledger", "report", "--db", db, "--tz", pacific])
    #expect(command.contains("--as-recorded-at") && command.contains("--at"))
    #expect(Array(command.suffix(2)) == ["--output", output])
    #expect(html.contains("<svg"))
    #expect(!html.contains("<script"))
    // The commands it names print their times in the report's zone too.
    let plain = html.replacingOccurrences(of: "<span>", with: "").replacingOccurrences(of: "</span>", with: "")
    for name in ["verify", "recipients", "coverage mobile-devices"] {
      #expect(plain.contains("policy-ledger \(name) --db \(db) --tz \(pacific) "), "\(name)")
    }
  }

  @Test func twoRunsWriteIdenticalBytesAndTheShownCommandMakesTheSameReportLater() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let output = dir.file("report.html")
    let arguments = ["report", "mobile-devices", "--db", db, "--tz", pacific, "--output", output]
    #expect(try CLI.run(arguments).status == 0)
    let first = try read(output)
    #expect(try CLI.run(arguments).status == 0)
    #expect(try read(output) == first, "two auditors get byte-identical reports")

    // More entries later; the command the report shows still makes the same report.
    let ack = try CLI.run(["ack", "--db", db, "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "2020-07-10T09:00:00-07:00"])
    #expect(ack.status == 0, "stderr: \(ack.stderr)")
    let amend = try CLI.run([
      "correct", "amend", "--db", db, "--version", "mobile-devices@1", "--issued-at", "2020-08-01", "--reason", "r",
      "--statement", "s", "--effective-until", "2021-01-01",
    ])
    #expect(amend.status == 0, "stderr: \(amend.stderr)")
    let command = try #require(reproduction(in: String(decoding: first, as: UTF8.self)))
    #expect(try CLI.run(arguments).status == 0)
    #expect(try read(output) != first, "the unpinned report shows the new entries")
    let again = try CLI.run(Array(command.dropFirst()))
    #expect(again.status == 0, "stderr: \(again.stderr)")
    #expect(try read(output) == first)
  }

  @Test func theShownCommandQuotesWhatTheShellWouldSplitOrReadAsAnOption() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("my ledger.db")
    let add = try CLI.run([
      "policy", "add", "--db", db, "--title", "T", "--body", "b", "--effective-from", "2020-01-01", "--", "-odd key's",
    ])
    #expect(add.status == 0, "stderr: \(add.stderr)")
    let output = dir.file("r.html")
    #expect(try CLI.run(["report", "--db", db, "--output", output, "--", "-odd key's"]).status == 0)
    let first = try read(output)
    let html = String(decoding: first, as: UTF8.self)
    #expect(html.contains("<span>&#39;-odd key&#39;\\&#39;&#39;s&#39;</span>"))
    let command = try #require(reproduction(in: html))
    #expect(Array(command.suffix(2)) == ["--", "-odd key's"])
    #expect(command[3] == db)
    try FileManager.default.removeItem(atPath: output)
    #expect(try CLI.run(Array(command.dropFirst())).status == 0)
    #expect(try read(output) == first)
  }

  @Test func acknowledgementsAreShownAsKnownInTheView() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    // E1004 acknowledged at 15:30Z: known now, not yet at 15:10Z.
    let now = try CLI.run(["report", "--db", db, "--output", "-"])
    #expect(now.status == 0)
    #expect(now.stdout.contains("<h4>notice N-2020-07-10-0800: 1 of 4 recipients acknowledged it</h4>"))
    #expect(now.stdout.contains("<tr><td>2020-07-10 15:30:00Z</td><td>E1004</td></tr>"))
    let before = try CLI.run(["report", "--db", db, "--as-known-at", "2020-07-10T15:10:00Z", "--output", "-"])
    #expect(before.stdout.contains("<h4>notice N-2020-07-10-0800: 0 of 4 recipients acknowledged it</h4>"))
    #expect(!before.stdout.contains("<td>E1004</td>"))
    // Listed up to --outstanding-limit, the rest counted.
    let none = try CLI.run(["report", "--db", db, "--outstanding-limit", "0", "--output", "-"])
    #expect(none.stdout.contains("1 of 4 recipients acknowledged it") && !none.stdout.contains("<td>E1004</td>"))
    #expect(none.stdout.contains("The first 0 of 1, in order of acknowledgement."))
  }

  @Test func theAxisIsLinearByDefaultAndLogOnRequestAndTheCommandSaysWhich() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let linear = try CLI.run(["report", "--db", db, "--output", "-"])
    #expect(linear.stdout.contains("Time is drawn to scale") && linear.stdout.contains("axis cut: this gap is not drawn to scale"))
    #expect(!linear.stdout.contains("<span>--axis</span>"))
    let log = try CLI.run(["report", "--db", db, "--axis", "log", "--output", "-"])
    #expect(log.stdout.contains("by the logarithm of its length") && !log.stdout.contains("axis cut"))
    #expect(log.stdout.contains("<span>--axis</span> <span>log</span>"))
    #expect(try CLI.run(["report", "--db", db, "--axis", "cubic", "--output", "-"]).status == 64)
  }

  @Test func aDashWritesTheReportToStandardOutput() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let result = try CLI.run(["report", "--db", db, "--output", "-"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("<!DOCTYPE html>") && result.stdout.hasSuffix("</html>\n"))
  }

  @Test func anUnknownPolicyIsRefusedAndNothingIsWritten() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let existing = try dir.write("old.html", "keep me")
    let result = try CLI.run(["report", "mobile-devices", "nope", "--db", db, "--output", existing])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "policy-ledger: error: no policy 'nope'\n")
    #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")
    let fresh = dir.file("fresh.html")
    #expect(try CLI.run(["report", "nope", "--db", db, "--output", fresh]).status == 2)
    #expect(!FileManager.default.fileExists(atPath: fresh))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix("demo.db") } == ["old.html"])
  }

  @Test func aMissingLedgerIsRefusedAndNoneIsCreated() throws {
    let dir = try TemporaryDirectory()
    let result = try CLI.run(["report", "--db", dir.file("none.db"), "--output", dir.file("r.html")])
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: no ledger at \(dir.file("none.db"))\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
  }

  @Test func badTimesAndLimitsAreRefusedNamingTheOptionAndTheValue() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let output = dir.file("r.html")
    let result = try CLI.run(["report", "--db", db, "--from", "2020-13-01", "--output", output])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("policy-ledger: error: invalid --from '2020-13-01': "))
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: output))
    let cases: [([String], String)] = [
      // A reversed window is named as typed: a bare date's end is not what was written.
      (["--from", "2020-07-10T12:00Z", "--to", "2020-07-10T08:00Z"], "invalid --to '2020-07-10T08:00Z': it is before --from '2020-07-10T12:00Z'\n"),
      (["--from", "2020-07-11", "--to", "2020-07-10", "--tz", "America/Los_Angeles"], "invalid --to '2020-07-10': it is before --from '2020-07-11'\n"),
      (
        ["--as-recorded-at", "2000-01-01"],
        "invalid --as-recorded-at '2000-01-01T00:00:00Z': the ledger had recorded nothing by then; its first entry was recorded at "
      ),
      (["--as-known-at", "yesterday"], "invalid --as-known-at 'yesterday': "),
    ]
    for (arguments, message) in cases {
      let refused = try CLI.run(["report", "--db", db, "--output", output] + arguments)
      #expect(refused.status == 2)
      #expect(refused.stderr.hasPrefix("policy-ledger: error: \(message)"), "\(refused.stderr)")
      #expect(!FileManager.default.fileExists(atPath: output))
    }
    let limit = try CLI.run(["report", "--db", db, "--outstanding-limit=-1", "--output", output])
    #expect(limit.status == 64)
    #expect(limit.stderr.contains("--outstanding-limit must be 0 or more."))
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test func theLedgerItselfIsNeverOverwritten() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let before = try head(db)
    let result = try CLI.run(["report", "--db", db, "--output", db])
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: invalid --output '\(db)': that is the ledger (\(db)); choose another file\n")
    #expect(try head(db) == before)
    #expect(try CLI.run(["verify", "--db", db]).status == 0)
  }

  @Test func anOutputInAMissingFolderIsRefused() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let output = dir.file("missing/r.html")
    let result = try CLI.run(["report", "--db", db, "--output", output])
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: invalid --output '\(output)': there is no folder '\(dir.file("missing"))'\n")
  }

  // MARK: diff

  @Test func diffPrintsWhatChangedAndAUnifiedDiffWithoutColourInAPipe() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let result = try CLI.run(["diff", "--db", db, "--tz", pacific, "mobile-devices@1", "mobile-devices@2"])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stderr.isEmpty)
    let lines = result.lines
    #expect(lines.count == 9)
    #expect(Array(lines.prefix(3)) == [
      "title: Mobile devices that access company email (same)",
      "effective: 2020-01-01T00:00:00-08:00 to open -> 2020-07-10T08:00:00-07:00 to open",
      "status: in_force -> void",
    ])
    #expect(lines[3].wholeMatch(of: /body sha256: [0-9a-f]{64} -> [0-9a-f]{64}/) != nil)
    #expect(Array(lines.suffix(5)) == [
      "--- mobile-devices@1", "+++ mobile-devices@2", "@@ -1 +1 @@",
      "-Any phone that accesses company email must use a passcode. There is no restriction on apps.",
      "+Delete TikTok from any phone that accesses company email, or lose mobile access to company email.",
    ])
    #expect(!result.stdout.contains("\u{1B}"))
  }

  static let patch = ["/usr/bin/patch", "/bin/patch"].first { FileManager.default.isExecutableFile(atPath: $0) }

  /// A text with CR LF line ends is diffed line by line (it had been one line), each CR
  /// printed at its line's end, so that `patch` rebuilds the new text byte for byte; a CR
  /// inside a line is still shown escaped.
  @Test func diffOfCRLFTextIsLineByLineAndPatchRebuildsIt() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("crlf.db")
    let old = "x\r\ny\r\nw\r\n"
    let new = "x\r\nz\u{1B}[2J\rhidden\r\nw\r\n"
    for (n, body) in [(1, old), (2, new)] {
      let file = dir.file("v\(n).txt")
      try Data(body.utf8).write(to: URL(fileURLWithPath: file))
      let added = try CLI.run(["policy", "add", "q", "--title", "T", "--body-file", file, "--effective-from", "2020-0\(n)-01", "--db", db])
      try #require(added.status == 0, "\(added.stderr)")
    }
    let result = try CLI.run(["diff", "q@1", "q@2", "--db", db])
    #expect(result.status == 0)
    let body = result.stdout.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).dropFirst(4).map { String(decoding: $0, as: UTF8.self) }
    #expect(body == ["--- q@1", "+++ q@2", "@@ -1,3 +1,3 @@", " x\r", "-y\r", "+z\\u{1B}[2J\\rhidden\r", " w\r", ""])
    if let patch = Self.patch {
      // Without the escape sequence, which `diff` shows escaped, patch gives the new text.
      let plain = dir.file("v3.txt")
      try Data("x\r\nz\r\nw\r\n".utf8).write(to: URL(fileURLWithPath: plain))
      try #require(
        try CLI.run(["policy", "add", "q", "--title", "T", "--body-file", plain, "--effective-from", "2020-03-01", "--db", db]).status == 0)
      let diff = dir.file("d.patch")
      try Data(try CLI.run(["diff", "q@1", "q@3", "--db", db]).stdout.utf8).write(to: URL(fileURLWithPath: diff))
      let process = Process()
      process.executableURL = URL(fileURLWithPath: patch)
      process.arguments = ["-s", "-o", dir.file("out.txt"), dir.file("v1.txt"), diff]
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("out.txt"))) == Data("x\r\nz\r\nw\r\n".utf8))
    }
  }

  @Test func diffExitCodeIsOneWhenTheVersionsDiffer() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let differ = try CLI.run(["diff", "--exit-code", "--db", db, "mobile-devices@1", "mobile-devices@2"])
    #expect(differ.status == 1)
    #expect(differ.stderr.isEmpty)
    #expect(differ.stdout.contains("-Any phone"))
    let same = try CLI.run(["diff", "--exit-code", "--db", db, "mobile-devices@1", "mobile-devices@1"])
    #expect(same.status == 0)
    #expect(same.stdout.hasPrefix("title: Mobile devices that access company email (same)\n"))
    // Without the flag, differences are a success.
    #expect(try CLI.run(["diff", "--db", db, "mobile-devices@1", "mobile-devices@2"]).status == 0)
  }

  static let script = ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }

  @Test(.enabled(if: script != nil, "script(1) is needed to give the command a terminal"))
  func diffColoursOnlyATerminal() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    func inTerminal(_ environment: [String: String]) throws -> String {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Self.script!)
      let command = [CLI.binary.path, "diff", "--db", db, "mobile-devices@1", "mobile-devices@2"].map { "'\($0)'" }
      process.arguments = ["-qec", command.joined(separator: " "), "/dev/null"]
      var env = ProcessInfo.processInfo.environment
      env["NO_COLOR"] = nil
      for (key, value) in environment { env[key] = value }
      process.environment = env
      let out = Pipe()
      process.standardOutput = out
      process.standardInput = FileHandle.nullDevice
      try process.run()
      let data = readToEnd(out.fileHandleForReading)
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      return String(decoding: data, as: UTF8.self)
    }
    let coloured = try inTerminal([:])
    #expect(coloured.contains("\u{1B}[31m-Any phone"))
    #expect(coloured.contains("\u{1B}[32m+Delete TikTok"))
    #expect(coloured.contains("\u{1B}[36m@@ -1 +1 @@\u{1B}[0m"))
    #expect(!(try inTerminal(["NO_COLOR": "1"])).contains("\u{1B}["))
  }

  @Test func diffRefusesWhatIsNotThere() throws {
    let dir = try TemporaryDirectory()
    let db = try demo(dir)
    let cases: [([String], String)] = [
      (["mobile-devices@1", "mobile-devices@9"], "policy 'mobile-devices' has no version 9 (its latest is 2)"),
      (["nope@1", "mobile-devices@1"], "no policy 'nope'"),
      (["mobile-devices", "mobile-devices@1"],
        "invalid old version 'mobile-devices': expected KEY@N, a policy key and a version number such as mobile-devices@2"),
    ]
    for (arguments, message) in cases {
      let result = try CLI.run(["diff", "--db", db] + arguments)
      #expect(result.status == 2)
      #expect(result.stdout.isEmpty)
      #expect(result.stderr == "policy-ledger: error: \(message)\n")
    }
  }

  // MARK: Helpers

  /// The command the report shows under "Reproduce", split as a shell would.
  func reproduction(in html: String) -> [String]? {
    guard let match = html.firstMatch(of: /<th scope="row">Reproduce<\/th><td><code class="command">(.*?)<\/code>/) else { return nil }
    let text = String(match.1).replacingOccurrences(of: "<span>", with: "").replacingOccurrences(of: "</span>", with: "")
      .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
      .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
      .replacingOccurrences(of: "&amp;", with: "&")
    var words: [String] = []
    var word = ""
    var quoted = false
    var escaped = false
    var started = false
    for character in text {
      if escaped {
        word.append(character)
        escaped = false
      } else if quoted {
        if character == "'" { quoted = false } else { word.append(character) }
      } else if character == "'" {
        quoted = true
        started = true
      } else if character == "\\" {
        escaped = true
        started = true
      } else if character == " " {
        if started || !word.isEmpty { words.append(word) }
        word = ""
        started = false
      } else {
        word.append(character)
      }
    }
    if started || !word.isEmpty { words.append(word) }
    return words
  }
}
