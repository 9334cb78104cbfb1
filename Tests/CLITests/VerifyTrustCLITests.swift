import Foundation
import Testing

/// The command line's side of the trust promises of docs/reliability.md: verify on bytes
/// changed below SQL, and ids with invisible characters at each entry point.
@Suite struct VerifyTrustCLITests {
  /// The byte range of an object's root page in a closed ledger file.
  static func rootPage(_ path: String, _ name: String) throws -> Range<Int> {
    let page = Int(try LedgerFiles.sqlite3(path, "SELECT rootpage FROM sqlite_schema WHERE name = '\(name)'").dropLast())!
    let size = Int(try LedgerFiles.sqlite3(path, "PRAGMA page_size").dropLast())!
    return (page - 1) * size..<page * size
  }

  static func edit(_ path: String, _ change: (inout [UInt8]) throws -> Void) throws {
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    try change(&bytes)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  static func offset(of text: String, in bytes: [UInt8], _ range: Range<Int>) -> Int? {
    let needle = Array(text.utf8)
    return (range.lowerBound..<(range.upperBound - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle }
  }

  @Test func anEmployeeRenamedInTheFileAloneFailsVerify() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("l.db")
    try LedgerFiles.makeFullLedger(at: path)
    let page = try Self.rootPage(path, "employees")
    try Self.edit(path) { bytes in
      let at = try #require(Self.offset(of: "E1004", in: bytes, page))
      bytes[at] ^= 0x01  // E1004 → D1004, in the table, not in its index
    }
    // Every answer now names D1004...
    let recipients = try CLI.run(["recipients", "N-2020-07-10-0800", "--db", path, "--format", "csv"])
    #expect(recipients.stdout.contains("D1004"))
    // ...and verify says why.
    let result = try CLI.run(["verify", "--db", path])
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr.hasPrefix(
        "policy-ledger: error: verify failed: the index 'sqlite_autoindex_employees_1' does not match the employees table"),
      "\(result.stderr)")
  }

  @Test func aMalformedPageIsAOneLineVerdictWithExitStatus1() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("l.db")
    try LedgerFiles.makeFullLedger(at: path)
    let page = try Self.rootPage(path, "deliveries")
    try Self.edit(path) { $0[page.lowerBound] = 0x07 }  // no such B-tree page type
    let result = try CLI.run(["verify", "--db", path])
    #expect(result.isOneLineError)
    #expect(result.status == 1)
    #expect(result.stderr == "policy-ledger: error: verify failed: the ledger file is damaged: database disk image is malformed\n")
  }

  // MARK: Ids

  static let zws = "E4\u{200B}"

  func ledger(_ dir: TemporaryDirectory) throws -> String {
    let path = dir.file("l.db")
    let made = try CLI.run(["policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "2020-01-01", "--db", path])
    #expect(made.status == 0)
    return path
  }

  func expectRefused(_ arguments: [String], _ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let head = try CLI.run(["head", "--db", path]).stdout
    let result = try CLI.run(arguments + ["--db", path])
    #expect(result.isOneLineError, "\(result)", sourceLocation: sourceLocation)
    #expect(
      result.stderr.contains("the invisible or direction-changing character U+200B is not allowed"), "\(result.stderr)",
      sourceLocation: sourceLocation)
    #expect(try CLI.run(["head", "--db", path]).stdout == head, "something was recorded", sourceLocation: sourceLocation)
  }

  static let notice = ["notice", "send", "--id", "N2", "--subject", "S", "--body", "b", "--sent-at", "2020-01-02", "--sender", "hr"]

  @Test func aLedgerCutShortIsAOneLineVerdictWithExitStatus1() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("l.db")
    try LedgerFiles.makeFullLedger(at: path)
    // The file's first pages only, as a copy interrupted part way leaves it.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(4096 * 2).write(to: URL(fileURLWithPath: path))
    let result = try CLI.run(["verify", "--db", path])
    #expect(result.status == 1, "\(result)")
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("policy-ledger: error: ") && result.stderr.contains("damaged"), "\(result)")
    #expect(result.stderr.filter { $0 == "\n" }.count == 1)
  }

  @Test func aZeroWidthSpaceInToIsRefusedNotTrimmed() throws {
    let dir = try TemporaryDirectory()
    let path = try ledger(dir)
    try expectRefused(Self.notice + ["--to", "E1, \(Self.zws)"], path)
  }

  @Test func aZeroWidthSpaceInARecipientsFileIsRefusedNotKeptAsAnotherEmployee() throws {
    let dir = try TemporaryDirectory()
    let path = try ledger(dir)
    let file = try dir.write("ids.txt", "E1\n\(Self.zws)\n")
    try expectRefused(Self.notice + ["--recipients-file", file], path)
  }

  @Test func aZeroWidthSpaceInAnImportedRecipientIsRefused() throws {
    let dir = try TemporaryDirectory()
    let path = try ledger(dir)
    let notices = try dir.write("notices.csv", "id,subject,body,sent_at,sender\nN2,S,b,2020-01-02,hr\n")
    let recipients = try dir.write("recipients.csv", "notice,employee\nN2,\(Self.zws)\n")
    try expectRefused(["import", "notices", notices, "--recipients", recipients], path)
  }

  @Test func aZeroWidthSpaceInAnIDOrEmployeeIsRefused() throws {
    let dir = try TemporaryDirectory()
    let path = try ledger(dir)
    try expectRefused(
      ["notice", "send", "--id", "N\u{200B}", "--subject", "S", "--body", "b", "--sent-at", "2020-01-02", "--sender", "hr", "--to", "E1"],
      path)
    #expect(try CLI.run(Self.notice + ["--to", "E1", "--db", path]).status == 0)
    try expectRefused(["ack", "--notice", "N2", "--employee", Self.zws, "--at", "2020-01-03"], path)
  }

  // MARK: The origin

  @Test func aCopyOfTheLedgerFileAloneKeepsItsOrigin() throws {
    let dir = try TemporaryDirectory()
    let path = try ledger(dir)
    let first = try CLI.run(["checkpoint", "--db", path])
    #expect(first.status == 0)
    let copy = dir.file("copy.db")
    try FileManager.default.copyItem(atPath: path, toPath: copy)
    let again = try CLI.run(["checkpoint", "--db", copy])
    #expect(again.status == 0, "\(again)")
    #expect(again.lines.first == first.lines.first)
  }

  /// A long query (an export read by a slow pipe) holds a read transaction; the first
  /// checkpoint, which copies the origin into the file, waits for it a moment only, and
  /// recording commands are not held up behind it for the 60-second busy timeout.
  @Test func theFirstCheckpointDoesNotHoldWritersBehindALongQuery() throws {
    let dir = try TemporaryDirectory()
    let path = try ledger(dir)
    let staff = try dir.write("staff.txt", (1...20_000).map { "E\($0)\n" }.joined())
    #expect(
      try CLI.run([
        "notice", "send", "--subject", "S", "--body", "b", "--sent-at", "2021-01-02", "--sender", "hr", "--recipients-file", staff,
        "--db", path,
      ]).status == 0)
    let fifo = dir.file("recipients.csv")
    try #require(mkfifo(fifo, 0o600) == 0)
    let reader = Process()
    reader.executableURL = CLI.binary
    reader.arguments = ["export", "recipients", "--output", fifo, "--db", path]
    reader.standardInput = FileHandle.nullDevice
    reader.standardOutput = FileHandle.nullDevice
    reader.standardError = FileHandle.nullDevice
    try reader.run()
    let pipe = try #require(FileHandle(forReadingAtPath: fifo))
    #expect((try pipe.read(upToCount: 4096) ?? Data()).count > 0, "the export is reading, held by the FIFO")
    let start = Date()
    let checkpoint = try CLI.run(["checkpoint", "--db", path])
    let checkpointTime = Date().timeIntervalSince(start)
    let append = try CLI.run(["policy", "add", "q", "--title", "T", "--body", "b", "--effective-from", "2020-01-01", "--db", path])
    let total = Date().timeIntervalSince(start)
    _ = try pipe.readToEnd()
    reader.waitUntilExit()
    #expect(checkpoint.status == 0 && append.status == 0, "\(checkpoint) \(append)")
    #expect(checkpointTime < 15, "the first checkpoint took \(checkpointTime) s")
    #expect(total < 20, "the checkpoint and the append behind it took \(total) s")
    #expect(reader.terminationStatus == 0)
    // The origin is the ledger's all the same: the next checkpoint names it.
    let again = try CLI.run(["checkpoint", "--db", path])
    #expect(again.lines.first == checkpoint.lines.first)
  }
}
