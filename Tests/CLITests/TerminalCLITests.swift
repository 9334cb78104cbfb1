import Foundation
import Testing

/// What a person sees in a real terminal (tmux), against what a pipe gets: colour only on
/// a terminal and never with NO_COLOR, progress on long imports and sends only on a
/// terminal, and tables that a pager shows as they are.
@Suite(.enabled(if: CompletionCLITests.installed("tmux"), "tmux is not installed"))
struct TerminalCLITests {
  final class Setup {
    let dir: TemporaryDirectory
    let terminal: Terminal
    /// Everything the terminal was sent, escapes and carriage returns included (pipe-pane).
    var log: String { dir.file("terminal.log") }

    init(environment: String = "") throws {
      dir = try TemporaryDirectory()
      try #require(try CLI.run(["demo", "--db", dir.file("d.db")]).status == 0)
      let bin = dir.file("bin")
      try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: false)
      try FileManager.default.createSymbolicLink(atPath: bin + "/policy-ledger", withDestinationPath: CLI.binary.path)
      let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
      terminal = try Terminal(
        "env -i HOME=\(dir.path) PATH=\(path) TERM=xterm-256color POLICY_LEDGER_ACTOR=t \(environment) bash --norc --noprofile",
        in: dir.path)
      try terminal.tmux(["pipe-pane", "-t", Terminal.session, "-o", "cat >> \(log)"])
      try terminal.type("PS1='$ '", enter: true)
    }

    /// How many command lines `run` has typed: each waits for a marker of its own, so that
    /// one left on the screen by the last (if `clear` has not run yet) is not taken for it.
    var runs = 0

    /// Runs a command line in the terminal and waits until it has finished, on the screen
    /// and in the log (pipe-pane writes it through `cat`, a little later).
    func run(_ line: String) throws {
      runs += 1
      let marker = "DONE-\(runs)-0"
      try terminal.type(line + "; echo DONE-\(runs)-$?", enter: true)
      #expect(try terminal.waitFor(marker, seconds: 60))
      let deadline = Date().addingTimeInterval(30)
      while try !logged().contains(marker) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
      #expect(try logged().contains(marker), "not in the terminal's log: \(marker)")
      try terminal.type("clear", enter: true)
      Thread.sleep(forTimeInterval: 0.3)
    }

    func logged() throws -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
  }

  static let escape = "\u{1B}["
  static let diff = "policy-ledger diff mobile-devices@1 mobile-devices@2 --db d.db"

  @Test(.tags(.slow)) func tmuxColourOnlyOnATerminalAndNeverWithNoColor() throws {
    let s = try Setup()
    try s.run(Self.diff)
    #expect(try s.logged().contains("\u{1B}[31m-Any phone"), "a deletion in red on the terminal")
    // The same command into a pipe, then NO_COLOR on the terminal: no colour.
    let before = try s.logged().count
    try s.run(Self.diff + " | cat > piped.txt")
    try s.run("NO_COLOR=1 " + Self.diff)
    let after = String(try s.logged().dropFirst(before))
    #expect(!after.contains("m-Any phone"), "no colour: \(after)")
    let piped = try String(contentsOfFile: s.dir.file("piped.txt"), encoding: .utf8)
    #expect(piped.contains("-Any phone") && !piped.contains(Self.escape))
  }

  /// `TERM=dumb` (an Emacs shell buffer) takes no escape sequences: no colour, and no
  /// progress line rewritten in place, as git and less behave there.
  @Test(.tags(.slow)) func tmuxNoColourAndNoProgressOnADumbTerminal() throws {
    let s = try Setup()
    _ = try s.dir.write("v.csv", "policy,title,body,effective_from\n" + (0..<20_000).map { "p\($0),T,b,2020-01-01\n" }.joined())
    let before = try s.logged().count
    try s.run("TERM=dumb " + Self.diff)
    try s.run("TERM=dumb policy-ledger import versions v.csv --db new.db")
    let after = String(try s.logged().dropFirst(before))
    #expect(after.contains("-Any phone"), "the diff was shown: \(after.suffix(2000))")
    #expect(!after.contains("m-Any phone"), "no colour")
    #expect(!after.contains("rows/s"), "no progress line")
    #expect(after.contains("imported 20000 versions"), "the summary")
  }

  @Test(.tags(.slow)) func tmuxProgressOfALongImportAndSendOnlyOnATerminal() throws {
    let s = try Setup()
    var csv = "policy,title,body,effective_from\n"
    for n in 0..<20_000 { csv += "p\(n),T,b,2020-01-01\n" }
    _ = try s.dir.write("v.csv", csv)
    _ = try s.dir.write("staff.txt", (0..<100_000).map { "E\($0)\n" }.joined())
    try s.run("policy-ledger import versions v.csv --db new.db")
    try s.run(
      "policy-ledger notice send --db new.db --subject S --body b --sent-at 2020-01-02 --sender hr --recipients-file staff.txt")
    let shown = try s.logged()
    #expect(shown.contains("import versions: recording: 10000 rows"), "\(shown.suffix(2000))")
    #expect(shown.contains("recipients: 100000 rows"))
    #expect(shown.contains("\r\u{1B}[K"), "the progress line is cleared")
    // Into files: the summary only, no progress and no escapes.
    try s.run(
      "policy-ledger import versions v.csv --db other.db 2> import.err; policy-ledger notice send --db other.db --subject S --body b"
        + " --sent-at 2020-01-02 --sender hr --recipients-file staff.txt 2> send.err")
    let importErr = try String(contentsOfFile: s.dir.file("import.err"), encoding: .utf8)
    #expect(importErr == "imported 20000 versions\n")
    let sendErr = try String(contentsOfFile: s.dir.file("send.err"), encoding: .utf8)
    #expect(sendErr.isEmpty)
  }

  /// Ctrl-C during a long import, during an export to a file, and during `verify`: the
  /// progress line is cleared before the process ends, not left with the message or the
  /// prompt run on after it.
  @Test(.tags(.slow)) func tmuxAnInterruptedImportOrExportClearsItsProgressLine() throws {
    let s = try Setup()
    _ = try s.dir.write("staff.txt", (0..<3_000_000).map { "E\($0)\n" }.joined())
    let send = "policy-ledger notice send --db d.db --subject S --body b --sent-at 2021-01-02 --sender hr --recipients-file staff.txt"
    func interrupt(_ command: String) throws -> String {
      try s.terminal.type(command, enter: true)
      #expect(try s.terminal.waitFor("rows/s", seconds: 60))
      try s.terminal.tmux(["send-keys", "-t", Terminal.session, "C-c"])
      // (bash ends a command list whose command died of SIGINT, so the status is asked apart,
      // once the command has ended: typed before, its echo could come before the clearing.)
      try s.terminal.waitForPrompt("$")
      try s.terminal.type("echo STATUS-$?", enter: true)
      #expect(try s.terminal.waitFor("STATUS-130", seconds: 30))
      let screen = try s.terminal.screen()
      #expect(!screen.contains("rows/s"), "\(screen)")
      try s.terminal.type("clear", enter: true)
      return screen
    }
    let screen = try interrupt(send)
    let line = screen.split(separator: "\n").first { $0.contains("interrupted: nothing was recorded") }
    #expect(line.map(String.init) == "policy-ledger: interrupted: nothing was recorded", "\(screen)")
    // The same send to the end, then an export of its rows to a file, interrupted.
    try s.run(send)
    _ = try interrupt("policy-ledger export recipients --db d.db --output out.csv")
    #expect(!FileManager.default.fileExists(atPath: s.dir.file("out.csv")))
    // A command that writes no file but draws a progress line: verify counts entries, so
    // the ledger gets 60,000 more.
    _ = try s.dir.write("v.csv", "policy,title,body,effective_from\n" + (0..<60_000).map { "p\($0),T,B,2021-01-01\n" }.joined())
    try s.run("policy-ledger import versions v.csv --db d.db")
    _ = try interrupt("policy-ledger verify --db d.db")
  }

  @Test(.tags(.slow)) func tmuxATableThroughAPagerIsShownAsItIs() throws {
    let s = try Setup(environment: "LESS=")
    try s.terminal.type("policy-ledger history mobile-devices --db d.db | less -R", enter: true)
    #expect(try s.terminal.waitFor("(END)"))
    let screen = try s.terminal.screen()
    #expect(screen.contains("policy          version") && screen.contains("--------------  -------"), "\(screen)")
    #expect(screen.contains("mobile-devices        2  Mobile devices"))
    #expect(!screen.contains("ESC") && !screen.contains("^["))
    try s.terminal.type("q")
    // Into a pipe, the same table, with no control codes at all.
    let piped = try CLI.run(["history", "mobile-devices", "--db", s.dir.file("d.db")])
    #expect(piped.stdout.unicodeScalars.allSatisfy { $0 == "\n" || $0.value >= 0x20 })
    #expect(piped.stdout.contains("mobile-devices        2  Mobile devices"))
  }
}
