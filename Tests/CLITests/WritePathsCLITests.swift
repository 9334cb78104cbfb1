import Foundation
import Testing

/// Paths a command writes that had escaped the checks made before anything is written:
/// SQLite's own file names beside the ledger, names near the length limit, an empty file,
/// and key files that exist before their public key is printed.
@Suite struct WritePathsCLITests {
  @Test(arguments: ["-journal", "-wal", "-shm"])
  func keygenNeverWritesWhereSQLiteKeepsALedgersFiles(_ suffix: String) throws {
    let demo = try DemoLedger()
    let out = demo.db + suffix
    try? FileManager.default.removeItem(atPath: out)
    let result = try CLI.run(["keygen", "--name", "example.com/hr", "--out", out])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "policy-ledger: error: invalid --out '\(out)': it is where SQLite keeps the \(suffix) file of '\(demo.db)', which would delete the key; choose another name\n"
    )
    #expect(!LedgerFiles.exists(out) && !LedgerFiles.exists(out + ".pub"))
    // Beside a file that is no SQLite database, the name is an ordinary one.
    let plain = try demo.dir.write("notes.txt", "n")
    #expect(try CLI.run(["keygen", "--name", "example.com/hr", "--out", plain + suffix]).status == 0)
  }

  /// A new ledger at an existing database's `-wal`, `-shm` or `-journal` name was recorded,
  /// then removed by the next write to that database. Refused now, and the reverse too: a
  /// ledger made at `x.db-SUFFIX` while no `x.db` existed is never taken for `x.db`'s file.
  @Test(arguments: ["-journal", "-wal", "-shm"])
  func noLedgerIsCreatedWhereSQLiteKeepsAnotherDatabasesFiles(_ suffix: String) throws {
    let demo = try DemoLedger()
    let bytes = LedgerFiles.sha256(demo.db)
    let add = ["policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "2020-01-01"]
    let beside = try CLI.run(add + ["--db", demo.db + suffix])
    #expect(beside.status == 2)
    #expect(
      beside.stderr
        == "policy-ledger: error: cannot create a ledger at \(demo.db)\(suffix): it is where SQLite keeps the \(suffix) file of the database '\(demo.db)', whose next writer would destroy the new ledger; choose another name; nothing was recorded\n"
    )
    #expect(!LedgerFiles.exists(demo.db + suffix), "nothing was written at that name")
    #expect(try CLI.run(add + ["--db", demo.db]).status == 0, "the database's own writer goes on")
    #expect(LedgerFiles.sha256(demo.db) != bytes)
    // Beside a file that is no SQLite database, the name is an ordinary one.
    let plain = try demo.dir.write("notes.txt", "n")
    #expect(try CLI.run(add + ["--db", plain + suffix]).status == 0)
    // The reverse: a ledger at x.db-SUFFIX first, then x.db.
    let x = demo.dir.file("x.db")
    #expect(try CLI.run(add + ["--db", x + suffix]).status == 0)
    let first = LedgerFiles.sha256(x + suffix)
    let created = try CLI.run(add + ["--db", x])
    #expect(created.status == 2)
    #expect(
      created.stderr
        == "policy-ledger: error: cannot create a ledger at \(x): \(x)\(suffix) is an SQLite database of its own, which SQLite would take for the new ledger's \(suffix) file and destroy; give one of the two another name; nothing was recorded\n"
    )
    #expect(!LedgerFiles.exists(x))
    #expect(LedgerFiles.sha256(x + suffix) == first, "the other ledger is untouched")
    let verify = try CLI.run(["verify", "--db", x + suffix])
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 1 entries verified"), "\(verify)")
  }

  /// Two writers through two hard-link names of one ledger each kept their own `-wal` and
  /// `-shm`, so neither saw the other's lock: about half of 80 entries reported recorded
  /// were lost, and the file was sometimes damaged. Recording through a file of several
  /// names is refused, through every name, with nothing written; a symbolic link is one name
  /// and records; removing the second name makes the ledger writable again. Queries answer.
  @Test func noEntryIsRecordedThroughAFileOfSeveralNames() throws {
    let demo = try DemoLedger()
    let add = ["policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "2020-01-01"]
    let hard = demo.dir.file("hard.db")
    #expect(link(demo.db, hard) == 0)
    let bytes = LedgerFiles.sha256(demo.db)
    for name in [demo.db, hard] {
      for command in [add, ["ack", "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "2020-07-10T09:00:00-07:00"]] {
        let result = try CLI.run(command + ["--db", name])
        #expect(result.status == 2, "\(result)")
        #expect(
          result.stderr
            == "policy-ledger: error: cannot record in the ledger at \(name): the file has 2 names (hard links), and SQLite keeps a writer's log beside the name it opened, so entries recorded through two names would be lost; record through one name and remove the others (find them with 'find / -xdev -samefile \(name)'), or use a symbolic link; nothing was recorded\n"
        )
      }
    }
    #expect(LedgerFiles.sha256(demo.db) == bytes, "nothing was written")
    #expect(!LedgerFiles.exists(demo.db + "-wal") && !LedgerFiles.exists(hard + "-wal"))
    let head = try CLI.run(["head", "--db", hard])
    #expect(head.status == 0 && head.stdout.hasPrefix("14:"), "\(head)")
    #expect(try CLI.run(["verify", "--db", demo.db]).status == 0)
    // One name: through a symbolic link too.
    #expect(unlink(hard) == 0)
    let symbolic = demo.dir.file("link.db")
    #expect(symlink(demo.db, symbolic) == 0)
    #expect(try CLI.run(add + ["--db", symbolic]).status == 0)
    #expect(try CLI.run(add + ["--db", demo.db]).status == 0)
    let after = try CLI.run(["verify", "--db", demo.db])
    #expect(after.status == 0 && after.stdout.hasPrefix("ok: 16 entries verified"), "\(after)")
  }

  /// A new ledger has two names for a moment: its creator's hidden file, linked in place,
  /// until the creator removes that name, holding `.NAME.lock` all the while. A writer that
  /// comes then waits for the creator, rather than refusing the ledger as a file of two
  /// names. Here the test plays the creator, and lets go after half a second.
  @Test func aWriterWaitsWhileACreatorStillHoldsItsSecondName() throws {
    let demo = try DemoLedger()
    let hidden = demo.dir.file(".demo.db.\(getpid()).1.new")
    let lockPath = demo.dir.file(".demo.db.lock")
    #expect(link(demo.db, hidden) == 0)
    let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    try #require(lock >= 0 && flock(lock, LOCK_EX) == 0)
    // As `Creation.abandon()` does: the hidden name, then the lock file, then the lock.
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
      unlink(hidden)
      unlink(lockPath)
      close(lock)
    }
    let start = Date()
    let added = try CLI.run(["policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "2020-01-01", "--db", demo.db])
    #expect(added.status == 0 && added.stdout == "p@1\n", "\(added)")
    #expect(Date().timeIntervalSince(start) >= 0.4, "it waited for the creator")
    #expect(!LedgerFiles.exists(hidden) && !LedgerFiles.exists(lockPath))
  }

  @Test(arguments: ["-journal", "-wal", "-shm", "-journal/", ""])
  func exportAllNeverMakesAFolderOfTheLedgersName(_ suffix: String) throws {
    let demo = try DemoLedger()
    let folder = demo.db + suffix
    let trimmed = suffix.hasSuffix("/") ? String(folder.dropLast()) : folder
    if suffix != "" { try? FileManager.default.removeItem(atPath: trimmed) }
    let before = LedgerFiles.sha256(demo.db)
    let result = try CLI.run(["export", "--all", folder, "--db", demo.db])
    #expect(result.status == 2)
    let name = suffix.isEmpty ? "the ledger (\(demo.db))" : "the ledger's \(suffix.replacingOccurrences(of: "/", with: "")) file"
    #expect(result.stderr == "policy-ledger: error: invalid --all '\(folder)': that is \(name); choose another folder\n")
    var isFolder: ObjCBool = false
    #expect(!(FileManager.default.fileExists(atPath: trimmed, isDirectory: &isFolder) && isFolder.boolValue))
    #expect(LedgerFiles.sha256(demo.db) == before)
    #expect(try CLI.run(["verify", "--db", demo.db]).status == 0, "the ledger still opens")
  }

  /// A receipt whose name is near the 255-byte limit: its temporary file's name is cut to
  /// fit, so the receipt is written rather than refused after the acknowledgement.
  @Test func aReceiptNamedNearTheLengthLimitIsWritten() throws {
    let demo = try DemoLedger()
    let name = demo.dir.file(String(repeating: "r", count: 250))
    let result = try CLI.run([
      "ack", "--notice", "N-2020-07-10-0800", "--employee", "E1002", "--at", "2020-07-11", "--receipt", name, "--unsigned", "--db", demo.db,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try String(contentsOfFile: name, encoding: .utf8).hasPrefix("c2sp.org/tlog-proof@v1\n"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: demo.dir.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
  }

  @Test func keygenThatCannotPrintItsPublicKeySaysTheFilesExist() throws {
    let dir = try TemporaryDirectory()
    let out = dir.file("a.key")
    let result = try CLI.run(
      ["keygen", "--name", "example.com/k", "--out", out], launcher: ["/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full"])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "policy-ledger: error: wrote the key pair '\(out)' and '\(out).pub', but cannot write to standard output: No space left on device\n")
    #expect(LedgerFiles.exists(out) && LedgerFiles.exists(out + ".pub"))
  }

  /// An empty file is no ledger for recording commands either: a refused command had
  /// written the schema into it, and a successful one left it readable by everyone.
  @Test func anEmptyFileIsNotALedgerForRecordingCommands() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("empty.db", "")
    for arguments in [
      ["employee", "leave", "E1", "--at", "2020-01-01"],
      ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"],
      ["import", "versions", "-"],
    ] {
      let result = try CLI.run(arguments + ["--db", path], stdin: "policy,title,body,effective_from\np,T,B,2020-01-01\n")
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderr == "policy-ledger: error: '\(path)' is empty, not a policy-ledger ledger\n", "\(arguments)")
      #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0, "\(arguments)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["empty.db"])
    // A `-wal` beside it that is no WAL file (no magic number) changes nothing.
    _ = try dir.write("empty.db-wal", "x")
    let junk = try CLI.run(["employee", "leave", "E1", "--at", "2020-01-01", "--db", path])
    #expect(junk.stderr == "policy-ledger: error: '\(path)' is empty, not a policy-ledger ledger\n")
    #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0)
  }

  /// A `-wal` or `-journal` left beside a missing ledger (the file removed alone while
  /// Litestream or a killed writer kept its `-wal`) would be applied by SQLite to a new
  /// ledger, and the entry just reported recorded lost behind the old pages: creating the
  /// ledger is refused, nothing is written, and the file left is untouched.
  @Test func aNewLedgerBesideALeftoverWALOrJournalIsRefused() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("l.db")
    // A real WAL with a committed frame: an sqlite3 shell killed before it checkpointed.
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    shell.arguments = ["sqlite3", dir.file("old.db")]
    let input = Pipe()
    shell.standardInput = input
    shell.standardOutput = FileHandle.nullDevice
    try shell.run()
    input.fileHandleForWriting.write(Data("PRAGMA journal_mode=WAL;\nPRAGMA wal_autocheckpoint=0;\nCREATE TABLE t(a);\nINSERT INTO t VALUES (1);\n".utf8))
    let deadline = Date().addingTimeInterval(30)
    while (try? FileManager.default.attributesOfItem(atPath: dir.file("old.db-wal"))[.size] as? Int) ?? 0 == 0 && Date() < deadline {
      usleep(10_000)
    }
    kill(shell.processIdentifier, SIGKILL)
    shell.waitUntilExit()
    try FileManager.default.moveItem(atPath: dir.file("old.db-wal"), toPath: path + "-wal")
    try? FileManager.default.removeItem(atPath: dir.file("old.db-shm"))
    let wal = LedgerFiles.sha256(path + "-wal")
    let add = ["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--db", path]
    for suffix in ["-wal", "-journal"] {
      if suffix == "-journal" {
        try FileManager.default.removeItem(atPath: path + "-wal")
        _ = try dir.write("l.db-journal", "left by a process killed mid-transaction")
      }
      let refused = try CLI.run(add)
      #expect(refused.status == 2)
      #expect(
        refused.stderr
          == "policy-ledger: error: cannot create a ledger at \(path): \(path)\(suffix) is left from an earlier database at that path, and SQLite would apply it to the new one; if that database is gone for good, remove \(path)\(suffix) and \(path)-shm, else put the database back; nothing was recorded\n"
      )
      #expect(!LedgerFiles.exists(path))
      if suffix == "-wal" { #expect(LedgerFiles.sha256(path + "-wal") == wal) }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["l.db-journal", "old.db"])
    // Removed as the message says, the ledger is created and holds the entry.
    try FileManager.default.removeItem(atPath: path + "-journal")
    #expect(try CLI.run(add).stdout == "p@1\n")
    #expect(try CLI.run(["history", "p", "--format", "csv", "--db", path]).stdout.contains("p,1,T,"))
  }

  /// The first checkpoint or manifest stores the ledger's origin for good: when its output
  /// then fails, the message says the origin is stored, and a second run uses it.
  @Test func aFailureAfterTheOriginIsStoredSaysSo() throws {
    let full = ["/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full"]
    let demo = try DemoLedger()
    let first = try CLI.run(["checkpoint", "--origin", "example.com/typo", "--db", demo.db], launcher: full)
    #expect(first.status == 2)
    #expect(
      first.stderr
        == "policy-ledger: error: stored this ledger's origin 'example.com/typo' (it never changes), but cannot write to standard output: No space left on device\n"
    )
    let again = try CLI.run(["checkpoint", "--db", demo.db], launcher: full)
    #expect(again.stderr == "policy-ledger: error: cannot write to standard output: No space left on device\n", "the origin was stored before")
    let other = try DemoLedger()
    let manifest = try CLI.run(["export", "versions", "--output", "/dev/full", "--manifest", other.dir.file("m"), "--db", other.db])
    #expect(manifest.status == 2)
    #expect(manifest.stderr.hasPrefix("policy-ledger: error: stored this ledger's origin 'policy-ledger/"))
    #expect(manifest.stderr.hasSuffix("(it never changes), but could not write /dev/full: No space left on device\n"))
    #expect(!LedgerFiles.exists(other.dir.file("m")))
  }

  /// Another user's file in a sticky folder (as on /tmp) cannot be renamed over: it is
  /// refused before anything is written, so `export --all` never leaves the folder with
  /// some files replaced and the rest not.
  @Test(.enabled("setpriv cannot run the binary as the unprivileged user nobody here") { ReliabilityTests.canRunAsNobody })
  func anotherUsersFileInAStickyFolderIsRefusedBeforeAnythingIsWritten() throws {
    let demo = try DemoLedger()
    let files = FileManager.default
    try files.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: demo.dir.path)
    try files.setAttributes([.posixPermissions: 0o644], ofItemAtPath: demo.db)
    let copy = demo.dir.file("copy")
    try files.createDirectory(atPath: copy, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o1777])
    // Owned by this (root) process; the command runs as nobody.
    let mine = try demo.dir.write("copy/versions.csv", "old\n")
    try files.setAttributes([.posixPermissions: 0o666], ofItemAtPath: mine)
    let all = try CLI.run(["export", "--all", copy, "--db", demo.db], launcher: ReliabilityTests.nobody)
    let reason = "another user owns it, in a folder where only a file's owner may replace it (the sticky bit, as on /tmp)"
    #expect(all.status == 2)
    #expect(all.stderr == "policy-ledger: error: invalid --all '\(copy)/versions.csv': \(reason)\n")
    #expect(try files.contentsOfDirectory(atPath: copy) == ["versions.csv"], "no other file was written")
    #expect(try String(contentsOfFile: mine, encoding: .utf8) == "old\n")
    let one = try CLI.run(["export", "versions", "--output", mine, "--db", demo.db], launcher: ReliabilityTests.nobody)
    #expect(one.status == 2)
    #expect(one.stderr == "policy-ledger: error: invalid --output '\(mine)': \(reason)\n")
    // A new name in the same folder is written, and so is the file once it is nobody's own.
    #expect(try CLI.run(["export", "notices", "--output", copy + "/n.csv", "--db", demo.db], launcher: ReliabilityTests.nobody).status == 0)
    try files.setAttributes([.ownerAccountID: 65534], ofItemAtPath: mine)
    #expect(try CLI.run(["export", "versions", "--output", mine, "--db", demo.db], launcher: ReliabilityTests.nobody).status == 0)
    #expect(try String(contentsOfFile: mine, encoding: .utf8).hasPrefix("policy,"))
  }

  /// The temporary file of an export killed outright (SIGKILL) is removed by the next
  /// export to the same file once it has been left an hour; that of a writer still running,
  /// or one written within the hour, is left alone.
  @Test func theNextExportRemovesTheTemporaryFileOfOneKilledOutright() throws {
    let demo = try DemoLedger()
    let gone = Process()
    gone.executableURL = URL(fileURLWithPath: "/bin/true")
    try gone.run()
    gone.waitUntilExit()
    let abandoned = try demo.dir.write(".v.csv.\(gone.processIdentifier).12345.tmp", "half")
    let running = try demo.dir.write(".v.csv.\(getpid()).678.tmp", "being written")
    let other = try demo.dir.write(".w.csv.\(gone.processIdentifier).9.tmp", "another file's")
    // Written just now by a process id unknown here: a writer in another PID namespace.
    let recent = try demo.dir.write(".v.csv.\(gone.processIdentifier).4242.tmp", "being written elsewhere")
    let twoHoursAgo = Date().addingTimeInterval(-7_200)
    for path in [abandoned, running, other] {
      try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: path)
    }
    #expect(try CLI.run(["export", "versions", "--output", demo.dir.file("v.csv"), "--db", demo.db]).status == 0)
    #expect(!LedgerFiles.exists(abandoned), "a dead writer's temporary file, unwritten for an hour, is removed")
    #expect(LedgerFiles.exists(running) && LedgerFiles.exists(other), "a live writer's, and another target's, are not")
    #expect(LedgerFiles.exists(recent), "nor one written within the hour")
  }
}


/// A file-size limit (`ulimit -f`), as a cron job or a batch system may set it: a write past
/// it is an error the command reports, with nothing written, not SIGXFSZ ending the process
/// and leaving a temporary file behind.
@Suite struct FileSizeLimitCLITests {
  /// `ulimit -f 64; exec policy-ledger …`: files of at most 64 KiB, with the signal mask
  /// emptied first (perl-base's POSIX), since this test process's threads block SIGXFSZ and
  /// a child inherits the mask: blocked, the signal could not end the command.
  static let limited = [
    "/usr/bin/perl", "-MPOSIX", "-e",
    #"sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die; exec "/bin/bash", "-c", "ulimit -f 64 && exec \"\$0\" \"\$@\"", @ARGV"#,
  ]

  /// A ledger larger than the limit, with a notice to 5,000 employees: 0.5 MB of file, and
  /// a 170 kB export of its recipients.
  static func ledger() throws -> (dir: TemporaryDirectory, db: String, recipients: String) {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let recipients = try dir.write("r.txt", (1...5000).map { String(format: "E%05d\n", $0) }.joined())
    let sent = try CLI.run([
      "notice", "send", "--id", "N1", "--subject", "S", "--body", "B", "--sent-at", "2020-08-01T00:00Z", "--sender", "hr",
      "--recipients-file", recipients, "--db", db,
    ])
    try #require(sent.status == 0, "\(sent.stderr)")
    try #require(try CLI.run(["checkpoint", "--db", db]).status == 0)
    return (dir, db, recipients)
  }

  static func listing(_ dir: TemporaryDirectory) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix("l.db") }.sorted()
  }

  @Test func anExportPastTheLimitIsAnErrorAndLeavesNoFile() throws {
    let (dir, db, _) = try Self.ledger()
    let before = try Self.listing(dir)
    let one = try CLI.run(["export", "recipients", "--output", dir.file("rec.csv"), "--db", db], launcher: Self.limited)
    #expect(one.status == 2)
    #expect(one.stderr == "policy-ledger: error: cannot write to '\(dir.file("rec.csv"))': File too large\n")
    let all = try CLI.run(["export", "--all", dir.file("copy"), "--db", db], launcher: Self.limited)
    #expect(all.status == 2)
    #expect(all.stderr == "policy-ledger: error: cannot write to '\(dir.file("copy"))/recipients.csv': File too large\n")
    #expect(try Self.listing(dir) == before, "no output, no temporary file, no folder")
    // Within the limit, the same export is written.
    #expect(try CLI.run(["export", "versions", "--output", dir.file("v.csv"), "--db", db], launcher: Self.limited).status == 0)
  }

  @Test func aRecordingPastTheLimitRecordsNothingAndNamesTheLimit() throws {
    let (dir, db, recipients) = try Self.ledger()
    defer { withExtendedLifetime(dir) {} }
    let head = try CLI.run(["head", "--db", db]).stdout
    let sent = try CLI.run(
      [
        "notice", "send", "--id", "N2", "--subject", "S", "--body", "B", "--sent-at", "2020-08-02T00:00Z", "--sender", "hr",
        "--recipients-file", recipients, "--db", db,
      ], launcher: Self.limited)
    #expect(sent.status == 2)
    #expect(sent.stderr.hasPrefix("policy-ledger: error: cannot "), "\(sent.stderr)")
    #expect(sent.stderr.contains("this process's file-size limit (ulimit -f) of 65536 bytes"), "\(sent.stderr)")
    #expect(sent.stderr.hasSuffix("; nothing was recorded\n"), "\(sent.stderr)")
    #expect(try CLI.run(["head", "--db", db]).stdout == head)
    #expect(try CLI.run(["notices", "--db", db]).stdout.contains("N2") == false)
    #expect(try CLI.run(["verify", "--db", db]).status == 0)
  }
}
