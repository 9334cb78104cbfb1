import Foundation
import Testing

/// Shell completion, run for real: the scripts `--generate-completion-script` writes, loaded
/// into bash, zsh and fish, complete file paths for the options that take files and the
/// names a ledger holds (keys, versions, notice and correction ids, employees), read from
/// the ledger the command line names, read-only.
///
/// bash's completion function is called as bash's `complete -F` calls it; zsh and fish
/// complete only in an interactive shell, so they run in tmux and the test types TAB and
/// reads the screen. A shell that is not installed skips its test with a message; CI
/// installs them all (.ci/run).
struct CompletionCLITests {
  /// A folder with the demo's ledger, a `bin/policy-ledger` link to the binary under test,
  /// and a file to complete.
  final class Setup {
    let dir: TemporaryDirectory
    var bin: String { dir.file("bin") }
    var path: String { bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") }

    init() throws {
      dir = try TemporaryDirectory()
      try #require(try CLI.run(["demo", "--db", dir.file("d.db")]).status == 0)
      try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: false)
      try FileManager.default.createSymbolicLink(atPath: bin + "/policy-ledger", withDestinationPath: CLI.binary.path)
      _ = try dir.write("staff-list.txt", "E1\n")
    }

    func script(_ shell: String) throws -> String {
      let result = try CLI.run(["--generate-completion-script", shell])
      try #require(result.status == 0)
      return try dir.write("policy-ledger.\(shell)", result.stdout)
    }
  }

  static func installed(_ program: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
      FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
    }
  }

  /// What bash offers for `words` (the last is the word completed), through the function
  /// the generated script registers, called as `complete -F` calls it: with the words split
  /// at `@` as bash splits them (`@` is in `COMP_WORDBREAKS`), and bash's own current word
  /// (from its last `@`). The answers are given whole: what bash would write in place of
  /// its word, after the part of the word before it.
  static func bash(_ s: Setup, _ words: [String]) throws -> [String] {
    let script = try s.script("bash")
    let last = words[words.count - 1]
    // bash's words: each `@` a word of its own between the pieces around it.
    let split = words.flatMap { word -> [String] in
      guard word.contains("@") else { return [word] }
      return word.split(separator: "@", omittingEmptySubsequences: false).enumerated().flatMap { index, piece in
        (index > 0 ? ["@"] : []) + (piece.isEmpty ? [] : [String(piece)])
      }
    }
    let own = last.lastIndex(of: "@").map { String(last[$0...]) } ?? last
    let before = String(last.dropLast(own.count))
    let quoted = split.map { "'\($0)'" }.joined(separator: " ")
    let program = """
      source '\(script)'
      COMP_WORDS=(\(quoted)); COMP_CWORD=\(split.count - 1)
      COMP_LINE='\(words.joined(separator: " "))'; COMP_POINT=${#COMP_LINE}
      $(complete -p policy-ledger | sed -E 's/.* -F ([^ ]+) .*/\\1/') policy-ledger '\(own)' "${COMP_WORDS[COMP_CWORD-1]}"
      printf '%s\\n' "${COMPREPLY[@]}"
      """
    let result = try Shell.run("/usr/bin/env", ["bash", "--norc", "--noprofile", "-c", program], path: s.path, in: s.dir.path)
    return result.split(separator: "\n").map { before + $0 }
  }

  @Test(.enabled(if: installed("bash"), "bash is not installed"))
  func bashCompletesNamesFromTheLedgerAndFiles() throws {
    let s = try Setup()
    #expect(try Self.bash(s, ["policy-ledger", "history", "--db", "d.db", "mob"]) == ["mobile-devices"])
    #expect(try Self.bash(s, ["policy-ledger", "coverage", "--db", "d.db", "mob"]) == ["mobile-devices"])
    #expect(try Self.bash(s, ["policy-ledger", "employee", "leave", "--db", "d.db", "E100"]) == ["E1001", "E1002", "E1003", "E1004"])
    #expect(try Self.bash(s, ["policy-ledger", "correct", "resend", "--db", "d.db", "R-"]) == ["R-2020-07-10-1400"])
    #expect(try Self.bash(s, ["policy-ledger", "ack", "--db", "d.db", "--employee", "E100"]) == ["E1001", "E1002", "E1003", "E1004"])
    #expect(try Self.bash(s, ["policy-ledger", "diff", "--db", "d.db", "mobile-devices@"]) == ["mobile-devices@1", "mobile-devices@2"])
    // KEY@N is one word, though bash breaks words at `@`: before, at and after the `@`, and
    // for the second version too.
    #expect(try Self.bash(s, ["policy-ledger", "diff", "--db", "d.db", "mobile-dev"]) == ["mobile-devices@1", "mobile-devices@2"])
    #expect(try Self.bash(s, ["policy-ledger", "diff", "--db", "d.db", "mobile-devices@2"]) == ["mobile-devices@2"])
    #expect(
      try Self.bash(s, ["policy-ledger", "diff", "--db", "d.db", "mobile-devices@1", "mobile-devices@"]) == ["mobile-devices@1", "mobile-devices@2"])
    #expect(
      try Self.bash(s, ["policy-ledger", "notice", "send", "--db", "d.db", "--announces", "mobile-devices@"]) == [
        "mobile-devices@1", "mobile-devices@2",
      ])
    #expect(
      try Self.bash(s, ["policy-ledger", "show", "--db", "d.db", ""]).sorted()
        == ["N-2020-07-06-welcome", "N-2020-07-10-0800", "R-2020-07-10-1400", "mobile-devices@1", "mobile-devices@2"])
    #expect(try Self.bash(s, ["policy-ledger", "recipients", "--db", "d.db", "N-2020-07-1"]) == ["N-2020-07-10-0800"])
    // Files, for every option that takes one.
    for option in ["--recipients-file", "--body-file"] {
      #expect(try Self.bash(s, ["policy-ledger", "notice", "send", option, "staff-"]) == ["staff-list.txt"], "\(option)")
    }
    #expect(try Self.bash(s, ["policy-ledger", "history", "--db", "d."]).contains("d.db"))
    #expect(try Self.bash(s, ["policy-ledger", "export", "versions", "--output", "staff-"]) == ["staff-list.txt"])
    // $POLICY_LEDGER_DB when the command line names no ledger.
    let environment = try Shell.run(
      "/usr/bin/env",
      ["POLICY_LEDGER_DB=\(s.dir.file("d.db"))", "bash", "--norc", "-c",
       "source '\(try s.script("bash"))'; COMP_WORDS=(policy-ledger timeline --policy mob); COMP_CWORD=3; _policy-ledger policy-ledger mob --policy; printf '%s\\n' \"${COMPREPLY[@]}\""],
      path: s.path, in: s.dir.path)
    #expect(environment == "mobile-devices\n")
  }

  @Test func completionReadsTheLedgerReadOnlyAndIsSilentOnErrors() throws {
    let s = try Setup()
    let db = s.dir.file("d.db")
    let bytes = LedgerFiles.sha256(db)
    let answer = try CLI.run(["---completion", "history", "--", "positional@0", "0", "3", "mob", "--db", db, "mob"])
    #expect(answer.stdout == "mobile-devices\n" && answer.stderr.isEmpty && answer.status == 0)
    #expect(LedgerFiles.sha256(db) == bytes)
    // No ledger: nothing offered, nothing created.
    let missing = s.dir.file("missing.db")
    let none = try CLI.run(["---completion", "history", "--", "positional@0", "2", "3", "--db", missing, "mob"])
    #expect(none.stdout.isEmpty && none.stderr.isEmpty && none.status == 0)
    #expect(!LedgerFiles.exists(missing))
    // Not a ledger, or a folder: nothing offered, quietly.
    let garbage = try s.dir.write("garbage.db", "not a ledger")
    for path in [garbage, s.dir.path] {
      let quiet = try CLI.run(["---completion", "ack", "--", "--employee", "2", "1", "--db", path, "E"])
      #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty && quiet.status == 0, "\(path)")
    }
    #expect(try String(contentsOfFile: garbage, encoding: .utf8) == "not a ledger")
  }

  /// Real readline in a real bash, where `@` breaks words and `-o filenames` quotes: typing
  /// a version completes `mobile-devices@` (not `mobile-devices\@`), then the version; a
  /// path with `@` in it is still quoted as a file name.
  @Test(.tags(.slow), .enabled(if: installed("bash") && installed("tmux"), "bash or tmux is not installed"))
  func tmuxBashCompletesAVersionAsOneWord() throws {
    let s = try Setup()
    let script = try s.script("bash")
    try FileManager.default.createDirectory(atPath: s.dir.file("we ird@x"), withIntermediateDirectories: false)
    _ = try s.dir.write("we ird@x/v 1.csv", "")
    let terminal = try Terminal("env -i HOME=\(s.dir.path) PATH=\(s.path) TERM=xterm bash --norc --noprofile", in: s.dir.path)
    try terminal.type("source '\(script)'; PS1='> '", enter: true)
    try terminal.type("policy-ledger diff --db d.db mobile-dev\t")
    #expect(try terminal.waitFor("> policy-ledger diff --db d.db mobile-devices@"))
    // The '#' typed after the last Tab shows once that Tab's completion has ended (readline
    // takes keys in order), after the space it adds: a Ctrl-C sent while the completion
    // still ran the binary (the machine busy) could leave bash without a fresh prompt.
    try terminal.type("2\tmobile-dev\t1\t#")
    #expect(try terminal.waitFor("> policy-ledger diff --db d.db mobile-devices@2 mobile-devices@1 #"))
    #expect(!(try terminal.screen()).contains("\\@"))
    // File names complete as before: with '@' in them, quoted, after '~', or with the
    // cursor inside the word.
    _ = try s.dir.write("my file.csv", "")
    try FileManager.default.createDirectory(atPath: s.dir.file("sub"), withIntermediateDirectories: false)
    for (typed, shown) in [
      ("policy-ledger import versions we\t", "> policy-ledger import versions we\\ ird\\@x/"),
      ("policy-ledger import versions ~/my\t", "> policy-ledger import versions ~/my\\ file.csv"),
      ("policy-ledger import versions \"su\t", "> policy-ledger import versions \"sub/"),
    ] {
      try terminal.clearLine()
      try terminal.type(typed)
      #expect(try terminal.waitFor(shown))
    }
  }

  /// `--db` and `--tz` before the command, as the README and the demo write them: names
  /// still come from that ledger, options and subcommands still complete, and the value of
  /// a leading `--db` completes as a file.
  @Test(.tags(.slow), .enabled(if: installed("bash") && installed("tmux"), "bash or tmux is not installed"))
  func tmuxBashCompletesAfterALeadingDbAndTz() throws {
    let s = try Setup()
    let script = try s.script("bash")
    let terminal = try Terminal("env -i HOME=\(s.dir.path) PATH=\(s.path) TERM=xterm bash --norc --noprofile", in: s.dir.path)
    // Sourced before the first line is cleared: a Ctrl-C that came first would cut it short.
    try terminal.type("source '\(script)'; PS1='> '; echo sourced-$((40 + 2))", enter: true)
    try #require(try terminal.waitFor("sourced-42"))
    // Another ledger where a command without --db would look, and a folder with a space.
    try #require(
      try CLI.run(["policy", "add", "other-policy", "--title", "O", "--body", "x", "--effective-from", "2020-01-01", "--db", s.dir.file("policy-ledger.db")])
        .status == 0)
    try FileManager.default.createDirectory(atPath: s.dir.file("my dir"), withIntermediateDirectories: false)
    for (typed, shown) in [
      // A quoted value is not read by the script: nothing is offered, never another ledger's names.
      ("policy-ledger --db \"d.db\" history ot\t#", "> policy-ledger --db \"d.db\" history ot#"),
      ("policy-ledger --db my\t#", "> policy-ledger --db my\\ dir/#"),
      ("policy-ledger --db d.db history mob\t#", "> policy-ledger --db d.db history mobile-devices #"),
      ("policy-ledger --tz -07:00 --db d.db history --for\t#", "> policy-ledger --tz -07:00 --db d.db history --format #"),
      ("policy-ledger --db=d.db --tz=UTC notice s\t#", "> policy-ledger --db=d.db --tz=UTC notice send #"),
      ("policy-ledger --db d.db diff mobile-devices@1 mobile-dev\t#", "> policy-ledger --db d.db diff mobile-devices@1 mobile-devices@#"),
      ("policy-ledger --db d.\t#", "> policy-ledger --db d.db"),
    ] {
      try terminal.clearLine()
      // The '#' after the Tab shows once the completion has ended (see above).
      try terminal.type(typed)
      #expect(try terminal.waitFor(shown), "\(typed)")
    }
  }

  @Test(.tags(.slow), .enabled(if: installed("zsh") && installed("tmux") && installed("bash"), "zsh, tmux or bash is not installed"))
  func tmuxZshCompletesNamesFromTheLedgerAndFiles() throws {
    let s = try Setup()
    let script = try s.script("zsh")
    let folder = s.dir.file("zfunc")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    try FileManager.default.copyItem(atPath: script, toPath: folder + "/_policy-ledger")
    let terminal = try Terminal(
      "env -i HOME=\(s.dir.path) PATH=\(s.path) TERM=xterm zsh -f", in: s.dir.path)
    try terminal.type("fpath=(\(folder) $fpath); autoload -U compinit; compinit -u; PS1='> '", enter: true)
    try terminal.type("policy-ledger history --db d.db mob\t")
    #expect(try terminal.waitFor("policy-ledger history --db d.db mobile-devices"))
    try terminal.clearLine()
    try terminal.type("policy-ledger ack --db d.db --employee E100\t")
    #expect(try terminal.waitFor("E1001  E1002  E1003  E1004"))
    try terminal.clearLine()
    try terminal.type("policy-ledger notice send --recipients-file staff-\t")
    #expect(try terminal.waitFor("--recipients-file staff-list.txt"))
  }

  @Test(.tags(.slow), .enabled(if: installed("fish") && installed("tmux") && installed("bash"), "fish, tmux or bash is not installed"))
  func tmuxFishCompletesNamesFromTheLedgerAndFiles() throws {
    let s = try Setup()
    let script = try s.script("fish")
    let terminal = try Terminal(
      "env -i HOME=\(s.dir.path) XDG_CONFIG_HOME=\(s.dir.file("config")) PATH=\(s.path) TERM=xterm fish --no-config",
      in: s.dir.path)
    try terminal.type("source \(script); function fish_prompt; echo '> '; end", enter: true)
    try terminal.type("policy-ledger history --db d.db mob\t")
    #expect(try terminal.waitFor("policy-ledger history --db d.db mobile-devices"))
    try terminal.clearLine()
    try terminal.type("policy-ledger ack --db d.db --employee E100\t")
    #expect(try terminal.waitFor("E1004"))
    try terminal.clearLine()
    try terminal.type("policy-ledger notice send --body-file staff-\t")
    #expect(try terminal.waitFor("--body-file staff-list.txt"))
  }
}

/// Runs a program and returns its standard output.
enum Shell {
  /// Without `captures`, output goes to /dev/null: a program that leaves a daemon behind
  /// (`tmux new-session`) would otherwise hold the pipe open.
  static func run(
    _ program: String, _ arguments: [String], path: String, in directory: String, captures: Bool = true
  ) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = path
    environment["POLICY_LEDGER_DB"] = environment["POLICY_LEDGER_DB"].flatMap { _ in nil }
    process.environment = environment
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.standardInput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard captures else {
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      return ""
    }
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = readToEnd(out.fileHandleForReading)
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}

/// A shell in a tmux session of its own (a private server socket), typed into and read
/// from as a person would: `send-keys` and `capture-pane`.
final class Terminal {
  let socket: String
  static let session = "t"

  init(_ command: String, in directory: String, width: Int = 160, height: Int = 40) throws {
    socket = "policy-ledger-test-\(UUID().uuidString.prefix(8))"
    // A socket of this test's own, so that kill-server ends only its own server.
    try tmux(
      ["new-session", "-d", "-s", Self.session, "-x", String(width), "-y", String(height), "-c", directory, command],
      captures: false)
  }

  /// Runs `tmux -L SOCKET arguments…` through /bin/sh with popen(3) and returns its
  /// output. Not Foundation's Process: the tmux server that `new-session` leaves running
  /// kept Process from ever seeing its client exit.
  @discardableResult
  func tmux(_ arguments: [String], captures: Bool = true) throws -> String {
    func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    // popen's child inherits every descriptor not marked close-on-exec, and the server
    // that `new-session` starts lives for the whole test (InheritedDescriptors).
    let command = InheritedDescriptors.closed("tmux", ["-L", socket] + arguments).map(quoted).joined(separator: " ")
      + " </dev/null 2>/dev/null" + (captures ? "" : " >/dev/null")
    guard let pipe = popen(command, "r") else { throw CocoaError(.fileReadUnknown) }
    var output = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = fread(&buffer, 1, buffer.count, pipe)
      if n > 0 { output += buffer[0..<n] }
      if n < buffer.count { break }
    }
    _ = pclose(pipe)
    return String(decoding: output, as: UTF8.self)
  }

  /// Types `text` literally (a TAB as the Tab key), then Enter when asked.
  func type(_ text: String, enter: Bool = false) throws {
    for (index, part) in text.split(separator: "\t", omittingEmptySubsequences: false).enumerated() {
      if index > 0 { try tmux(["send-keys", "-t", Self.session, "Tab"]) }
      if !part.isEmpty { try tmux(["send-keys", "-t", Self.session, "-l", String(part)]) }
    }
    if enter { try tmux(["send-keys", "-t", Self.session, "Enter"]) }
  }

  /// Ctrl-C, then a wait for the shell's fresh prompt (`> ` alone on the last line): keys
  /// typed before the shell has handled the interrupt may be thrown away with the old line.
  func clearLine() throws {
    try tmux(["send-keys", "-t", Self.session, "C-c"])
    try waitForPrompt(">")
  }

  /// Waits for the shell's fresh prompt, `prompt` alone on the last line: the command
  /// before it has ended, and keys typed now go to the shell.
  func waitForPrompt(_ prompt: String, seconds: Double = 30) throws {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
      Thread.sleep(forTimeInterval: 0.1)
      let last = try screen().split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) }
      if last.map({ $0.trimmingCharacters(in: .whitespaces) == prompt }) == true { return }
    } while Date() < deadline
    Issue.record("no fresh prompt '\(prompt)' after \(seconds) s\n\(try screen())")
  }

  /// The screen as text.
  func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", Self.session]) }

  /// Whether `text` appears on the screen within `seconds`.
  func waitFor(_ text: String, seconds: Double = 30) throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try screen().contains(text) { return true }
      Thread.sleep(forTimeInterval: 0.1)
    }
    Issue.record("not on the screen after \(seconds) s: \(text)\n\(try screen())")
    return false
  }

  deinit {
    _ = try? tmux(["kill-server"], captures: false)
  }
}
