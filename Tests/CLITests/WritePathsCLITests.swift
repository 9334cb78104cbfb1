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
}

