import Foundation
import PolicyLedger
import Testing

/// What no command may do to the ledger, and how a script learns what happened: the exit
/// statuses, the output-path guard, failures after a commit, odd ledger paths, interrupts and
/// escaped display (contract sections 5 and 7; docs/reliability.md, "Trust").
@Suite struct TrustCLITests {
  /// A folder holding the demo ledger (7 entries).
  final class Setup {
    let dir: TemporaryDirectory
    var db: String { dir.file("l.db") }

    init() throws {
      dir = try TemporaryDirectory()
      try LedgerFiles.makeStoryLedger(at: dir.file("l.db"))
    }

    func run(_ arguments: [String], currentDirectory: String? = nil, launcher: [String] = []) throws -> CLIResult {
      try CLI.run(arguments + ["--db", db], currentDirectory: currentDirectory, launcher: launcher)
    }

    func head() throws -> String { try CLI.run(["head", "--db", db]).stdout }

    /// The ledger is as the demo left it: the same bytes, and verify passes.
    func expectIntact(_ bytes: String?, sourceLocation: SourceLocation = #_sourceLocation) throws {
      #expect(LedgerFiles.sha256(db) == bytes, "the ledger's bytes changed", sourceLocation: sourceLocation)
      let verify = try CLI.run(["verify", "--db", db])
      #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 7 entries verified"), "\(verify)", sourceLocation: sourceLocation)
    }

    /// The names in the folder, without the ledger and the -wal and -shm that readers leave.
    func others() throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix("l.db") }.sorted()
    }
  }

  static let ack = ["ack", "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "2020-07-10T09:00:00-07:00"]

  static func fileType(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & S_IFMT
  }

  /// A private copy of a memory device (`/dev/null` is 1:3, `/dev/full` 1:7) in `folder`,
  /// so that a command that wrongly replaced its output could only replace this node, never
  /// the machine's own device. Nil where device nodes cannot be made (not root): the test
  /// then skips that case.
  static func privateDevice(in folder: TemporaryDirectory, _ name: String, minor: UInt32) -> String? {
    let path = folder.file(name)
    // glibc's makedev(1, minor) for minors below 256.
    let device = dev_t(1 << 8 | minor)
    return mknod(path, S_IFCHR | 0o666, device) == 0 ? path : nil
  }

  static func isSymbolicLink(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
  }

  // MARK: Exit status

  @Test func eachOutcomeHasItsExitStatus() throws {
    let s = try Setup()
    let zeros = String(repeating: "0", count: 64)
    #expect(try s.run(["verify"]).status == 0)
    // 1: the thing checked is not as claimed.
    let expect = try s.run(["verify", "--expect", "5:" + zeros])
    #expect(expect.status == 1 && expect.isOneLineError, "\(expect)")
    let csv = s.dir.file("v.csv"), manifest = s.dir.file("v.manifest")
    #expect(try s.run(["export", "versions", "--output", csv, "--manifest", manifest]).status == 0)
    try Data("policy\n".utf8).write(to: URL(fileURLWithPath: csv))
    let check = try CLI.run(["check-export", csv, "--manifest", manifest])
    #expect(check.status == 1 && check.isOneLineError, "\(check)")
    // 2: an error, and nothing written.
    let missing = s.dir.file("none.db")
    let noLedger = try CLI.run(["history", "p", "--db", missing])
    #expect(noLedger.isRefusal && noLedger.stderr == "policy-ledger: error: no ledger at \(missing)\n")
    #expect(!LedgerFiles.exists(missing))
    #expect(try s.run(["history", "nope"]).isRefusal)
    #expect(try s.run(["in-force", "--at", "2020-13-01"]).isRefusal)
    #expect(try CLI.run(["check-export", s.dir.file("gone.csv"), "--manifest", manifest]).isRefusal)
    let before = try s.head()
    #expect(try s.run(["ack", "--notice", "N404", "--employee", "E1", "--at", "2020-07-10"]).isRefusal)
    #expect(try s.head() == before)
    // 64: a malformed command line.
    let unknown = try s.run(["history", "mobile-devices", "--bogus"])
    #expect(unknown.status == 64 && unknown.stdout.isEmpty && unknown.stderr.contains("--bogus"))
    #expect(try s.run(["in-force"]).status == 64)
    #expect(try CLI.run(["no-such-command"]).status == 64)
  }

  // MARK: Output files

  /// `export versions --output TARGET`, where TARGET names the ledger in several ways.
  @Test(arguments: ["same path", "relative", "symbolic link", "hard link", "json", "wal", "new wal", "wal of a hard link", "shm of a hard link"])
  func anExportOntoTheLedgerIsRefusedAndTheLedgerKept(_ variant: String) throws {
    let s = try Setup()
    let bytes = LedgerFiles.sha256(s.db)
    var target = s.db
    var arguments = ["export", "versions"]
    var folder: String? = nil
    switch variant {
    case "relative":
      target = "./l.db"
      folder = s.dir.path
    case "symbolic link":
      target = s.dir.file("link.db")
      try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: s.db)
    case "hard link":
      target = s.dir.file("hard.db")
      try FileManager.default.linkItem(atPath: s.db, toPath: target)
    case "json": arguments += ["--format", "json"]
    case "wal":
      // A reader's -wal: held open while the export runs.
      target = s.db + "-wal"
      try Data().write(to: URL(fileURLWithPath: target))
    case "new wal": target = s.db + "-wal"
    case "wal of a hard link", "shm of a hard link":
      // A writer that opened the ledger by another name keeps its -wal and -shm beside
      // that name: replacing them would drop entries committed to the -wal.
      let other = s.dir.file("hard.db")
      try FileManager.default.linkItem(atPath: s.db, toPath: other)
      target = other + (variant.hasPrefix("wal") ? "-wal" : "-shm")
      if variant.hasPrefix("shm") { try Data().write(to: URL(fileURLWithPath: target)) }
    default: break
    }
    let result = try s.run(arguments + ["--output", target], currentDirectory: folder)
    #expect(result.isRefusal, "\(result)")
    #expect(result.stderr.hasPrefix("policy-ledger: error: invalid --output '\(target)': that is the ledger"), "\(result.stderr)")
    if variant == "new wal" || variant == "wal of a hard link" { #expect(!LedgerFiles.exists(target)) }
    if variant == "wal" || variant == "shm of a hard link" { try FileManager.default.removeItem(atPath: target) }
    try s.expectIntact(bytes)
  }

  @Test func aManifestOrAReceiptOntoTheLedgerIsRefused() throws {
    let s = try Setup()
    let bytes = LedgerFiles.sha256(s.db)
    let csv = s.dir.file("v.csv")
    let manifest = try s.run(["export", "versions", "--output", csv, "--manifest", s.db])
    #expect(manifest.isRefusal && manifest.stderr.contains("invalid --manifest '\(s.db)': that is the ledger"), "\(manifest)")
    #expect(!LedgerFiles.exists(csv))
    let receipt = try s.run(Self.ack + ["--receipt", "./l.db"], currentDirectory: s.dir.path)
    #expect(receipt.isRefusal && receipt.stderr.contains("invalid --receipt './l.db': that is the ledger"), "\(receipt)")
    let report = try s.run(["report", "--output", s.db])
    #expect(report.isRefusal, "\(report)")
    try s.expectIntact(bytes)
  }

  @Test func twoOutputsOfOneCommandOnOneFileAreRefused() throws {
    let s = try Setup()
    let x = s.dir.file("x.csv")
    let same = try s.run(["export", "versions", "--output", x, "--manifest", x])
    #expect(same.isRefusal)
    #expect(
      same.stderr
        == "policy-ledger: error: invalid --manifest '\(x)': it is the same file as --output; give each output its own file\n")
    #expect(!LedgerFiles.exists(x))
    // An existing file under two names.
    try Data("keep\n".utf8).write(to: URL(fileURLWithPath: x))
    try FileManager.default.createSymbolicLink(atPath: s.dir.file("y.csv"), withDestinationPath: x)
    #expect(try s.run(["export", "versions", "--output", x, "--manifest", s.dir.file("y.csv")]).isRefusal)
    #expect(try String(contentsOfFile: x, encoding: .utf8) == "keep\n")
    // Standard output twice: the export itself and a manifest to /dev/stdout.
    let stdout = try s.run(["export", "versions", "--manifest", "/dev/stdout"])
    #expect(stdout.isRefusal && stdout.stderr.contains("it is the same file as standard output"), "\(stdout)")
  }

  @Test func devicesAndFIFOsAreWrittenThroughNeverReplaced() throws {
    let s = try Setup()
    let bytes = LedgerFiles.sha256(s.db)
    // A character device (a private node, never the machine's /dev/null), directly and
    // through a symbolic link.
    var expected = ["fifo"]
    if let device = Self.privateDevice(in: s.dir, "device", minor: 3) {
      let link = s.dir.file("null")
      try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: device)
      for target in [device, link] {
        let export = try s.run(["export", "versions", "--output", target])
        #expect(export.status == 0 && export.stdout.isEmpty, "\(export)")
        let report = try s.run(["report", "--output", target])
        #expect(report.status == 0, "\(report)")
        #expect(Self.fileType(device) == S_IFCHR)
        #expect(Self.isSymbolicLink(link))
      }
      let receipt = try s.run(Self.ack + ["--receipt", link, "--unsigned"])
      #expect(receipt.status == 0, "\(receipt)")
      #expect(Self.fileType(device) == S_IFCHR && Self.isSymbolicLink(link))
      expected += ["device", "null"]
    }

    // A FIFO, read by another thread.
    let fifo = s.dir.file("fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    nonisolated(unsafe) var read = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      let fd = open(fifo, O_RDONLY)
      read = readToEnd(FileHandle(fileDescriptor: fd, closeOnDealloc: true))
      group.leave()
    }
    let throughFIFO = try s.run(["export", "versions", "--output", fifo])
    group.wait()
    #expect(throughFIFO.status == 0, "\(throughFIFO)")
    #expect(String(decoding: read, as: UTF8.self).hasPrefix("policy,version,title,body,"))
    #expect(Self.fileType(fifo) == S_IFIFO)

    // /dev/stdout is standard output.
    let stdout = try s.run(["export", "versions", "--output", "/dev/stdout"])
    #expect(stdout.status == 0 && stdout.stdout.hasPrefix("policy,version,title,body,"), "\(stdout)")
    #expect(try s.others() == expected.sorted(), "no file was left beside them")
    let verify = try CLI.run(["verify", "--db", s.db])
    #expect(verify.stdout.hasPrefix("ok: 8 entries verified"), "\(verify)")
    _ = bytes
  }

  @Test func anOutputIsNeverOneOfTheCommandsOwnInputs() throws {
    let s = try Setup()
    let key = s.dir.file("hr.key")
    #expect(try CLI.run(["keygen", "--name", "hr", "--out", key]).status == 0)
    let keyBytes = LedgerFiles.sha256(key)
    let head = try s.head()
    // The receipt would replace the private key it is signed with: refused before the
    // acknowledgement is recorded.
    let receipt = try s.run(Self.ack + ["--receipt", key, "--sign-key", key])
    #expect(receipt.isRefusal, "\(receipt)")
    #expect(receipt.stderr == "policy-ledger: error: invalid --receipt '\(key)': it is the file given to --sign-key; choose another file\n")
    #expect(try s.head() == head, "nothing was recorded")
    // The same through a hard link, for an export and for its manifest.
    let hard = s.dir.file("hard.key")
    #expect(link(key, hard) == 0)
    for options in [["--output", hard, "--manifest", s.dir.file("m")], ["--manifest", hard]] {
      let export = try s.run(["export", "versions", "--sign-key", key] + options)
      #expect(export.isRefusal && export.stderr.contains("it is the file given to --sign-key"), "\(export)")
    }
    #expect(LedgerFiles.sha256(key) == keyBytes, "the key is intact")
    #expect(!LedgerFiles.exists(s.dir.file("m")))
    // Its public key beside it, which no command can write again from the private key.
    let pubBytes = LedgerFiles.sha256(key + ".pub")
    let overPub = try s.run(Self.ack + ["--receipt", key + ".pub", "--sign-key", key])
    #expect(
      overPub.stderr
        == "policy-ledger: error: invalid --receipt '\(key).pub': it is the public key of the file given to --sign-key; choose another file\n")
    let manifestOverPub = try s.run(["export", "versions", "--sign-key", key, "--manifest", key + ".pub"])
    #expect(manifestOverPub.isRefusal && manifestOverPub.stderr.contains("it is the public key of the file given to --sign-key"))
    #expect(LedgerFiles.sha256(key + ".pub") == pubBytes, "the public key is intact")
    #expect(try s.head() == head, "nothing was recorded")
  }

  @Test func standardOutputPointedAtTheLedgerIsRefused() throws {
    let s = try Setup()
    let bytes = LedgerFiles.sha256(s.db)
    // `>>` opens the ledger for appending without truncating it: the export must not run.
    let append = ["/bin/sh", "-c", "exec \"$0\" \"$@\" >> \"$POLICY_LEDGER_DB\"", ]
    let result = try CLI.run(
      ["export", "versions"], environment: ["POLICY_LEDGER_DB": s.db], launcher: append)
    #expect(result.isRefusal, "\(result)")
    #expect(result.stderr.hasPrefix("policy-ledger: error: invalid standard output: it is the ledger"), "\(result)")
    try s.expectIntact(bytes)
  }

  /// Standard output or standard error opened on the ledger without truncating it (`1<>`,
  /// `2<>`, both with `2>&1`): every command refuses before it parses, reads or records,
  /// and the refusal itself (or a usage error) is not written into the ledger.
  @Test(arguments: [#"1<>"$POLICY_LEDGER_DB""#, #"2<>"$POLICY_LEDGER_DB""#, #"1<>"$POLICY_LEDGER_DB" 2>&1"#])
  func aStandardStreamOpenedOnTheLedgerIsRefusedByEveryCommand(_ redirection: String) throws {
    let s = try Setup()
    let bytes = LedgerFiles.sha256(s.db)
    let launcher = ["/bin/sh", "-c", "exec \"$0\" \"$@\" \(redirection)"]
    for arguments in [
      ["history", "mobile-devices"], ["head"], ["verify"], ["show", "nosuch"], ["timeline", "--employee", "E1001", "--format", "csv"],
      ["policy", "add", "x", "--title", "X", "--body", "b", "--effective-from", "2020-01-01"], Self.ack,
      // Refused before the ledger is opened: a bad time, an output onto the ledger, a usage error.
      ["policy", "add", "x", "--title", "X", "--body", "b", "--effective-from", "bogus"], ["export", "versions", "--output", s.db],
      ["history", "--bogus"],
    ] {
      let result = try CLI.run(arguments, environment: ["POLICY_LEDGER_DB": s.db], launcher: launcher)
      #expect(result.status == 2, "\(arguments): \(result)")
      if redirection.hasPrefix("1<>") && !redirection.contains("2>&1") {
        #expect(result.stderr.hasPrefix("policy-ledger: error: invalid standard output: it is the ledger"), "\(arguments): \(result)")
      } else {
        #expect(result.stderr.isEmpty, "\(arguments): \(result)")
      }
      try s.expectIntact(bytes)
    }
  }

  /// `demo` too: its new ledger's `-wal`, made by the shell as standard output, is refused.
  @Test func theDemoRefusesStandardOutputOnItsOwnLedger() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("d.db")
    let wal = try CLI.run(["demo", "--db", db], environment: ["TARGET": db + "-wal"], launcher: ["/bin/sh", "-c", #"exec "$0" "$@" > "$TARGET""#])
    #expect(wal.status == 2 && wal.stderr.hasPrefix("policy-ledger: error: invalid standard output: it is the ledger's -wal file"), "\(wal)")
    #expect(!LedgerFiles.exists(db))
  }

  @Test func aRegularFileIsReplacedWholeKeepingItsModeAndItsLink() throws {
    let s = try Setup()
    let file = s.dir.file("out.csv"), link = s.dir.file("link.csv")
    try Data("old\n".utf8).write(to: URL(fileURLWithPath: file))
    #expect(chmod(file, 0o640) == 0)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
    let result = try s.run(["export", "versions", "--output", link])
    #expect(result.status == 0, "\(result)")
    #expect(Self.isSymbolicLink(link))
    #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("policy,version,"))
    #expect(try LedgerFiles.mode(file) == 0o640)
    #expect(try s.others() == ["link.csv", "out.csv"])
  }

  // MARK: After a commit

  @Test func aReceiptThatCannotBeWrittenNamesTheRecordedAcknowledgement() throws {
    let s = try Setup()
    // A private node of /dev/full's kind, so that a regression could only replace that node.
    let full = try #require(Self.privateDevice(in: s.dir, "full", minor: 7), "device nodes need root")
    let result = try s.run(Self.ack + ["--receipt", full, "--unsigned"])
    #expect(result.isRefusal)
    #expect(
      result.stderr
        == "policy-ledger: error: recorded E1001's acknowledgement of N-2020-07-10-0800, but could not write \(full): No space left on device\n"
    )
    #expect(try s.head().hasPrefix("8:"), "the acknowledgement was recorded")
    #expect(Self.fileType(full) == S_IFCHR)
  }

  @Test func anIdThatCannotBePrintedNamesTheRecordedEntry() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let full = ["/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full"]
    let result = try CLI.run(
      ["policy", "add", "mobile-devices", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--db", db],
      launcher: full)
    #expect(result.isRefusal)
    #expect(
      result.stderr
        == "policy-ledger: error: recorded mobile-devices@1, but could not write standard output: No space left on device\n")
    #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("1:"))
  }

  @Test func anIdForAReaderThatWentAwayNamesTheRecordedEntry() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    // A pipe whose reading end is closed before the command starts: its write gets EPIPE.
    let pipe = Pipe()
    try pipe.fileHandleForReading.close()
    let err = Pipe()
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--db", db]
    process.standardOutput = pipe
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try pipe.fileHandleForWriting.close()
    let message = String(decoding: readToEnd(err.fileHandleForReading), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 2)
    #expect(message == "policy-ledger: error: recorded p@1, but could not write standard output: Broken pipe\n")
    #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("1:"))
  }

  @Test func anExportThatCannotBeWrittenLeavesNoFileAndKeepsTheOldOne() throws {
    let s = try Setup()
    let staff = try s.dir.write("staff.txt", (1...20_000).map { "E\(100_000 + $0)\n" }.joined())
    let sent = try s.run([
      "notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-08-01", "--sender", "hr", "--recipients-file", staff,
    ])
    #expect(sent.status == 0, "\(sent)")
    // A file size limit of 100 KiB (in 512-byte blocks, as dash counts) stands for a full
    // disk: write(2) fails with EFBIG once SIGXFSZ is ignored.
    let limited = ["/bin/sh", "-c", "trap '' XFSZ; ulimit -f 200; exec \"$0\" \"$@\""]
    let out = s.dir.file("recipients.csv")
    let fresh = try s.run(["export", "recipients", "--output", out], launcher: limited)
    #expect(fresh.isRefusal)
    #expect(fresh.stderr == "policy-ledger: error: cannot write to '\(out)': File too large\n")
    #expect(!LedgerFiles.exists(out))
    try Data("old\n".utf8).write(to: URL(fileURLWithPath: out))
    #expect(try s.run(["export", "recipients", "--output", out], launcher: limited).isRefusal)
    #expect(try String(contentsOfFile: out, encoding: .utf8) == "old\n")
    #expect(try s.others() == ["recipients.csv", "staff.txt"], "no temporary file was left")
  }

  // MARK: Odd ledger paths

  @Test(.timeLimit(.minutes(1))) func aFIFODeviceOrFolderIsNotALedger() throws {
    let dir = try TemporaryDirectory()
    let fifo = dir.file("fifo.db")
    #expect(mkfifo(fifo, 0o600) == 0)
    let zero = dir.file("zero.db")
    try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
    let folder = dir.file("folder.db")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    var cases = [(fifo, "a FIFO"), (zero, "a character device"), (folder, "a directory")]
    var names = ["fifo.db", "folder.db", "zero.db"]
    // A device node itself (a private one: never the machine's /dev/null).
    if let device = Self.privateDevice(in: dir, "null.db", minor: 3) {
      cases.append((device, "a character device"))
      names.append("null.db")
    }
    for (path, kind) in cases {
      for arguments in [
        ["verify"], ["history", "p"],
        ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"],
      ] {
        let result = try CLI.run(arguments + ["--db", path])
        #expect(result.isRefusal, "\(arguments) on \(path): \(result)")
        #expect(result.stderr == "policy-ledger: error: '\(path)' is \(kind), not a ledger file\n", "\(arguments)")
        #expect(!LedgerFiles.exists(path + "-journal") && !LedgerFiles.exists(path + "-wal"))
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == names.sorted())
  }

  @Test func aRefusedFirstCommandLeavesNoFile() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let refused: [[String]] = [
      ["policy", "add", "bad@key", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"],
      ["notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-07-10", "--sender", "hr", "--to", "E1,E1"],
      ["import", "versions", try dir.write("v.csv", "policy,title,body,effective_from\np,T,B,2020-13-01\n")],
    ]
    for arguments in refused {
      let result = try CLI.run(arguments + ["--db", db])
      #expect(result.isRefusal, "\(arguments): \(result)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["v.csv"], "\(arguments) left a file")
    }
    // The same commands, once they are right, create the ledger.
    let added = try CLI.run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--db", db])
    #expect(added.stdout == "p@1\n")
    #expect(try LedgerFiles.mode(db) == 0o600)
  }

  @Test(.tags(.slow)) func killingTheFirstCommandLeavesNoLedgerOrAWholeOne() throws {
    let dir = try TemporaryDirectory()
    var random = SystemRandomNumberGenerator()
    let arguments = ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"]
    let start = Date()
    #expect(try CLI.run(arguments + ["--db", dir.file("timed.db")]).status == 0)
    let duration = Date().timeIntervalSince(start)
    var outcomes: [String: Int] = [:]
    for attempt in 0..<12 {
      let db = dir.file("k\(attempt).db")
      let delay = Double.random(in: 0..<duration, using: &random)
      let run = try KilledRun.run(arguments + ["--db", db], after: delay, in: dir)
      if LedgerFiles.exists(db) {
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "after a kill at \(delay) s (killed: \(run.killed)): \(verify)")
        outcomes[verify.stdout.hasPrefix("ok: 1 entries") ? "whole" : "empty", default: 0] += 1
      } else {
        outcomes["nothing", default: 0] += 1
      }
    }
    #expect(outcomes["empty"] == nil, "a ledger without its first entry: \(outcomes)")
    // A hidden file left by a killed creator is removed by the next creator of that path.
    let hidden = { try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") } }
    let leftBehind = try hidden()
    for attempt in 0..<12 where try !hidden().isEmpty {
      #expect(try CLI.run(arguments + ["--db", dir.file("k\(attempt).db")]).status == 0)
    }
    #expect(try hidden().isEmpty, "left behind: \(leftBehind)")
    print("killing the first command: \(outcomes); hidden files left by kills, then removed: \(leftBehind.count)")
  }

  @Test func aLinkToAMissingFileIsNotFollowedToCreateALedger() throws {
    let dir = try TemporaryDirectory()
    let link = dir.file("l.db")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir.file("target.db"))
    for arguments in [
      ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"],
      ["policy", "add", "bad@key", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"],
    ] {
      let result = try CLI.run(arguments + ["--db", link])
      #expect(result.isRefusal, "\(result)")
      #expect(
        result.stderr
          == "policy-ledger: error: '\(link)' is a symbolic link to a file that does not exist; create the ledger where it points, or remove the link\n")
      #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["l.db"], "the link stays, nothing is created")
      #expect(TrustCLITests.isSymbolicLink(link))
    }
  }

  /// A loop of symbolic links names no file: a recording command and a query each say so,
  /// and nothing is created.
  @Test func aLoopOfLinksIsNamedAsOne() throws {
    let dir = try TemporaryDirectory()
    let (one, two) = (dir.file("one.db"), dir.file("two.db"))
    try FileManager.default.createSymbolicLink(atPath: one, withDestinationPath: two)
    try FileManager.default.createSymbolicLink(atPath: two, withDestinationPath: one)
    for arguments in [["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"], ["history", "p"]] {
      let result = try CLI.run(arguments + ["--db", one])
      #expect(result.isRefusal, "\(result)")
      #expect(
        result.stderr
          == "policy-ledger: error: '\(one)' is a symbolic link that leads back to itself through other links; point it at a ledger, or remove it\n")
      #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["one.db", "two.db"])
    }
  }

  /// A line feed in a path given to `--db` is shown as `\n`, as in an id: as a space it
  /// would name another file.
  @Test func aLineFeedInTheLedgersPathIsShownEscaped() throws {
    let dir = try TemporaryDirectory()
    let folder = dir.file("d\nir.db")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let shown = dir.file("d\\nir.db")
    let query = try CLI.run(["history", "p", "--db", folder])
    #expect(query.isRefusal && query.stderr == "policy-ledger: error: '\(shown)' is a directory, not a ledger file\n", "\(query)")
    let missing = try CLI.run(["history", "p", "--db", dir.file("mi\nss.db")])
    #expect(missing.isRefusal && missing.stderr == "policy-ledger: error: no ledger at \(dir.file("mi\\nss.db"))\n", "\(missing)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["d\nir.db"])
  }

  /// Sends `signal` to a `notice send` reading its recipients from a pipe, once it is inside
  /// its transaction (it has taken a megabyte of recipients that a pipe holds 64 KiB of).
  @Test(.tags(.slow), arguments: [SIGINT, SIGTERM])
  func anInterruptedSendRecordsNothingAndSaysSo(_ number: Int32) throws {
    let s = try Setup()
    let before = try s.head()
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = [
      "notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2020-08-01", "--sender", "hr", "--recipients-file", "-",
      "--db", s.db,
    ]
    let input = Pipe(), err = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    CLI.brokenPipesAreErrors
    try process.run()
    writeAll(Data((1...100_000).map { "E\(1_000_000 + $0)\n" }.joined().utf8), to: input.fileHandleForWriting)
    kill(process.processIdentifier, number)
    let message = readToEnd(err.fileHandleForReading)
    process.waitUntilExit()
    try? input.fileHandleForWriting.close()
    #expect(process.terminationReason == .exit && process.terminationStatus == 128 + number)
    #expect(String(decoding: message, as: UTF8.self) == "policy-ledger: interrupted: nothing was recorded\n")
    #expect(try s.head() == before)
    #expect(try CLI.run(["verify", "--db", s.db]).status == 0)
  }

  /// An export stopped by SIGINT or SIGTERM (Ctrl-C, `timeout`) leaves no hidden temporary
  /// file: `export --all` into a folder whose journal.csv is a FIFO nobody reads holds the
  /// other files' temporaries open until the signal comes.
  @Test(arguments: [SIGINT, SIGTERM])
  func anInterruptedExportRemovesItsTemporaryFiles(_ number: Int32) throws {
    let s = try Setup()
    let folder = s.dir.file("copy")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    #expect(mkfifo(folder + "/journal.csv", 0o600) == 0)
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = ["export", "--all", folder, "--db", s.db]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    func temporaries() throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") }
    }
    let deadline = Date().addingTimeInterval(30)
    while try temporaries().isEmpty && Date() < deadline { usleep(10_000) }
    try #require(!(try temporaries().isEmpty), "the export is under way")
    kill(process.processIdentifier, number)
    let end = Date().addingTimeInterval(30)
    while process.isRunning && Date() < end { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == number)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["journal.csv"])
  }

  // MARK: Escaped display

  @Test func controlSequencesInStoredTextAreShownEscaped() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let hostile = "Delete the app.\u{1B}]0;pwned\u{07}\n\u{1B}[2J\tcleared\n"
    let body = try dir.write("body.txt", hostile)
    for (number, file) in [try dir.write("plain.txt", "Delete the app.\n"), body].enumerated() {
      let added = try CLI.run([
        "policy", "add", "p", "--title", "V\(number + 1)", "--body-file", file, "--effective-from", "2020-01-0\(number + 1)", "--db", db,
      ])
      #expect(added.status == 0, "\(added)")
    }
    let shown: [[String]] = [["diff", "p@1", "p@2"], ["show", "p@2"], ["export", "versions", "--format", "table"]]
    for arguments in shown {
      let result = try CLI.run(arguments + ["--db", db])
      #expect(result.status == 0, "\(arguments): \(result)")
      #expect(!result.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F })
      #expect(result.stdout.contains("\\u{1B}]0;pwned\\u{7}"), "\(arguments): \(result.stdout)")
      #expect(result.stdout.contains("\\u{1B}[2J"), "\(arguments)")
    }
    // Data formats keep the exact bytes.
    let csv = try CLI.run(["show", "p@2", "--format", "csv", "--db", db])
    #expect(csv.stdout.contains(hostile))
    let json = try CLI.run(["show", "p@2", "--format", "json", "--db", db])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(rows.first?["body"] as? String == hostile)
  }
}
