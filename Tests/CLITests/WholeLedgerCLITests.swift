import Foundation
import Testing

/// `export --all DIR` and `import --all DIR`: every kind in one folder, read back in the
/// right order in one transaction.
struct WholeLedgerCLITests {
  /// The demo's ledger with an amendment sent to nobody, so that every kind has rows.
  static func source(_ dir: TemporaryDirectory) throws -> String {
    let old = dir.file("old.db")
    try #require(try CLI.run(["demo", "--db", old]).status == 0)
    let amend = try CLI.run([
      "correct", "amend", "--db", old, "--version", "mobile-devices@1", "--id", "A1", "--issued-at", "2020-08-01",
      "--effective-until", "2021-01-01", "--reason", "sunset", "--statement", "Version 1 ends with 2020.", "--no-recipients",
    ])
    try #require(amend.status == 0, "\(amend.stderr)")
    return old
  }

  static let kinds = ["employees", "versions", "notices", "recipients", "corrections", "acks", "journal"]

  @Test func exportAllWritesEveryKindAsExportWritesItAndImportAllRebuildsTheHistory() throws {
    let dir = try TemporaryDirectory()
    let old = try Self.source(dir)
    let copy = dir.file("copy")
    let exported = try CLI.run(["export", "--all", copy, "--db", old])
    #expect(exported.status == 0, "\(exported.stderr)")
    #expect(exported.stdout.isEmpty)
    #expect(exported.stderr == "exported 7 roster rows, 2 versions, 2 notices, 9 recipients, 2 corrections, 1 ack, 15 journal entries to \(copy)\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: copy).sorted() == Self.kinds.map { $0 + ".csv" }.sorted())
    for kind in Self.kinds {
      let alone = try CLI.run(["export", kind, "--db", old])
      #expect(try String(contentsOfFile: copy + "/\(kind).csv", encoding: .utf8) == alone.stdout, "\(kind)")
    }

    let new = dir.file("new.db")
    let imported = try CLI.run(["import", "--all", copy, "--db", new])
    #expect(imported.status == 0, "\(imported.stderr)")
    #expect(imported.stdout.isEmpty)
    #expect(
      imported.stderr
        == """
        imported 7 roster rows
        imported 2 versions
        imported 2 notices with 5 recipients from \(copy)/recipients.csv
        imported 2 corrections with 4 recipients from \(copy)/recipients.csv, and 1 resend of them
        imported 1 ack

        """)
    #expect(try CLI.run(["verify", "--db", new]).status == 0)
    for kind in ["employees", "versions", "notices", "recipients", "corrections", "acks"] {
      // The same rows but for when they were recorded and by whom.
      func rows(_ db: String) throws -> [String] {
        let result = try CLI.run(["export", kind, "--db", db, "--format", "jsonl"])
        return result.lines.map { line in
          var object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
          object["recorded_at"] = nil
          object["by"] = nil
          let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
          return String(decoding: data, as: UTF8.self)
        }
      }
      // Kind by kind, import records the welcome email before the retraction, which the
      // original recorded after it: the same rows, in another journal order.
      let before = try rows(old).sorted(), after = try rows(new).sorted()
      #expect(!before.isEmpty)
      #expect(before == after, "\(kind)")
    }
  }

  @Test func aBadRowInTheLastFileRecordsNothingFromAnyFile() throws {
    let dir = try TemporaryDirectory()
    let old = try Self.source(dir)
    let copy = dir.file("copy")
    try #require(try CLI.run(["export", "--all", copy, "--db", old]).status == 0)
    let acks = copy + "/acks.csv"
    let text = try String(contentsOfFile: acks, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    try #require(lines.count == 3 && lines[1].hasPrefix("N-2020-07-10-0800,"))
    // An employee who never received the notice.
    let bad = lines[1].split(separator: ",", omittingEmptySubsequences: false)
    let row = ([bad[0], "E2001"] + bad.dropFirst(2)).joined(separator: ",")
    try Data(([lines[0], Substring(row), ""]).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: acks))

    // Into a new ledger: no file appears.
    let new = dir.file("new.db")
    let refused = try CLI.run(["import", "--all", copy, "--db", new])
    #expect(refused.isRefusal, "\(refused)")
    #expect(refused.stderr.hasPrefix("policy-ledger: error: \(acks) line 2: invalid employee 'E2001'"), "\(refused.stderr)")
    #expect(!LedgerFiles.exists(new))

    // Into an existing ledger: its head is unchanged.
    let existing = dir.file("existing.db")
    try #require(
      try CLI.run(["policy", "add", "other", "--title", "Other", "--body", "b", "--effective-from", "2019-01-01", "--db", existing])
        .status == 0)
    let head = try CLI.run(["head", "--db", existing]).stdout
    #expect(try CLI.run(["import", "--all", copy, "--db", existing]).isRefusal)
    #expect(try CLI.run(["head", "--db", existing]).stdout == head)
  }

  /// Each kind skips the other's rows of the recipients file; in a copy, a row that
  /// neither the notices nor the corrections take would be lost, so it is refused.
  @Test func aRecipientsRowOfNoMessageOfTheCopyIsRefusedAndNothingIsWritten() throws {
    let dir = try TemporaryDirectory()
    let old = try Self.source(dir)
    let copy = dir.file("copy")
    try #require(try CLI.run(["export", "--all", copy, "--db", old]).status == 0)
    let recipients = copy + "/recipients.csv"
    let original = try String(contentsOfFile: recipients, encoding: .utf8)
    let line = original.split(separator: "\n").count + 1
    let existing = dir.file("existing.db")
    try #require(
      try CLI.run(["policy", "add", "other", "--title", "Other", "--body", "b", "--effective-from", "2019-01-01", "--db", existing])
        .status == 0)
    let before = try Data(contentsOf: URL(fileURLWithPath: existing))
    for (row, message) in [
      // An id the ledger never had (a notice not exported, a typo).
      (
        "N-2020-07-10-0801,E1006,2020-07-10T15:00:00Z,0",
        "invalid notice 'N-2020-07-10-0801': no notice of \(copy)/notices.csv and no correction of \(copy)/corrections.csv has that id; every row of a copy's recipients file names one of them"
      ),
      // A spreadsheet's trailing space: no id can have it.
      ("N-2020-07-10-0800 ,E1005,2020-07-10T15:00:00Z,0", "invalid notice 'N-2020-07-10-0800 ': leading or trailing space is not allowed"),
    ] {
      try Data((original + row + "\n").utf8).write(to: URL(fileURLWithPath: recipients))
      let new = dir.file("new.db")
      let refused = try CLI.run(["import", "--all", copy, "--db", new])
      #expect(refused.isRefusal, "\(refused)")
      #expect(refused.stderr == "policy-ledger: error: \(recipients) line \(line): \(message)\n")
      #expect(!LedgerFiles.exists(new))
      #expect(try CLI.run(["import", "--all", copy, "--db", existing]).isRefusal)
      #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == before)
      #expect(!FileManager.default.fileExists(atPath: existing + "-wal"))
    }
  }

  /// Notices and corrections share one id space, and the recipients file keys its rows by
  /// that id: a correction of a copy that reuses a notice's id is refused by its id, before
  /// the notice's rows are read as its own and refused for their times.
  @Test func aCorrectionReusingANoticesIdIsRefusedByItsIdAndNothingIsWritten() throws {
    let dir = try TemporaryDirectory()
    let old = try Self.source(dir)
    let copy = dir.file("copy")
    try #require(try CLI.run(["export", "--all", copy, "--db", old]).status == 0)
    let corrections = copy + "/corrections.csv"
    let text = try String(contentsOfFile: corrections, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let retraction = try #require(lines.firstIndex { $0.hasPrefix("R-2020-07-10-1400,retraction,N-2020-07-10-0800,") })
    lines[retraction] = "N-2020-07-10-0800" + lines[retraction].dropFirst("R-2020-07-10-1400".count)
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: corrections))

    let new = dir.file("new.db")
    let refused = try CLI.run(["import", "--all", copy, "--db", new])
    #expect(refused.isRefusal, "\(refused)")
    #expect(
      refused.stderr
        == "policy-ledger: error: \(corrections) line \(retraction + 1): invalid id 'N-2020-07-10-0800': a notice or correction with that id already exists\n")
    #expect(!LedgerFiles.exists(new))
  }

  @Test func aFolderWithoutEveryFileIsRefusedBeforeAnythingIsRead() throws {
    let dir = try TemporaryDirectory()
    let old = try Self.source(dir)
    let copy = dir.file("copy")
    try #require(try CLI.run(["export", "--all", copy, "--db", old]).status == 0)
    try FileManager.default.removeItem(atPath: copy + "/corrections.csv")
    let new = dir.file("new.db")
    let refused = try CLI.run(["import", "--all", copy, "--db", new])
    #expect(refused.isRefusal)
    #expect(
      refused.stderr
        == "policy-ledger: error: invalid --all '\(copy)': it holds no corrections.csv (export --all writes employees.csv, versions.csv, notices.csv, recipients.csv, corrections.csv, acks.csv)\n"
    )
    #expect(!LedgerFiles.exists(new))
    let missing = try CLI.run(["import", "--all", dir.file("nowhere"), "--db", new])
    #expect(missing.isRefusal && missing.stderr.contains("there is no folder"))
  }

  @Test func eachFileIsCheckedAsAnOutputAndARefusalWritesNoFile() throws {
    let dir = try TemporaryDirectory()
    let old = try Self.source(dir)
    let bytes = LedgerFiles.sha256(old)

    // A file of the folder that is the ledger, through a link: refused, the ledger intact,
    // and no other file written.
    let folder = dir.file("existing")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    try FileManager.default.createSymbolicLink(atPath: folder + "/notices.csv", withDestinationPath: old)
    let onLedger = try CLI.run(["export", "--all", folder, "--db", old])
    #expect(onLedger.isRefusal, "\(onLedger)")
    #expect(onLedger.stderr.contains("invalid --all '\(folder)/notices.csv': that is the ledger"), "\(onLedger.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["notices.csv"])
    #expect(LedgerFiles.sha256(old) == bytes)

    // Without a ledger: the folder it would have created is not left behind.
    let created = dir.file("created")
    let noLedger = try CLI.run(["export", "--all", created, "--db", dir.file("missing.db")])
    #expect(noLedger.isRefusal)
    #expect(!LedgerFiles.exists(created))

    // A file in the way: refused.
    let file = try dir.write("plain", "x")
    #expect(try CLI.run(["export", "--all", file, "--db", old]).isRefusal)

    // --all writes what import reads: no other format, no manifest, no headerless CSV.
    for extra in [["--format", "json"], ["--output", dir.file("o")], ["--no-headers"], ["--excel-safe"], ["versions"]] {
      let usage = try CLI.run(["export", "--all", dir.file("c2")] + extra + ["--db", old])
      #expect(usage.status == 64, "\(extra)")
      #expect(!LedgerFiles.exists(dir.file("c2")))
    }
  }

  @Test func theKindsSubcommandsStillTakeTheirOptionsAfterThemselves() throws {
    let dir = try TemporaryDirectory()
    _ = try Self.source(dir)
    let versions = try dir.write("v.csv", "policy,title,body,effective_from\np,P,b,2020-01-01\n")
    let new = dir.file("new.db")
    let result = try CLI.run(["import", "versions", versions, "--db", new, "--by", "loader", "--tz", "-07:00"])
    #expect(result.status == 0, "\(result.stderr)")
    let exported = try CLI.run(["export", "versions", "--db", new]).stdout
    #expect(exported.contains(",2020-01-01T07:00:00Z,") && exported.contains(",loader,"), "\(exported)")
    // `import` alone names no kind and no folder: a usage error, its help (with --all) on stderr.
    let bare = try CLI.run(["import"])
    #expect(bare.status == 64 && bare.stdout.isEmpty && bare.stderr.contains("--all"), "\(bare)")
    let onlyOptions = try CLI.run(["import", "--by", "loader", "--db", new])
    #expect(onlyOptions.status == 64 && onlyOptions.stderr.contains("Give a kind to import"), "\(onlyOptions)")
  }

  /// The longest body a ledger records, 16 MiB, comes back byte for byte through
  /// `export --all` and `import --all`; one byte more is refused when recorded, naming the
  /// file, and no ledger is made.
  @Test(.tags(.slow)) func theLongestBodyRoundTripsAndALongerOneIsRefused() throws {
    let dir = try TemporaryDirectory()
    let old = dir.file("old.db"), new = dir.file("new.db")
    let limit = 16 * 1024 * 1024
    let longest = try dir.write("longest.txt", String(repeating: "\"z,\n", count: limit / 4))
    let over = try dir.write("over.txt", String(repeating: "\"z,\n", count: limit / 4) + "z")
    let refused = try CLI.run(["policy", "add", "p", "--title", "T", "--body-file", over, "--effective-from", "2021-01-01", "--db", old])
    #expect(refused.status == 2)
    #expect(
      refused.stderr
        == "policy-ledger: error: invalid --body-file '\(over)': \(limit + 1) bytes, more than the 16777216 (16 MiB) that an import reads back in one field\n")
    #expect(!LedgerFiles.exists(old))
    let statement = try CLI.run([
      "notice", "send", "--id", "N1", "--subject", "S", "--body-file", longest, "--sent-at", "2021-01-01", "--sender", "hr", "--to", "E1",
      "--db", old,
    ])
    #expect(statement.status == 0, "\(statement.stderr)")
    let retract = try CLI.run([
      "correct", "retract", "--notice", "N1", "--statement-file", over, "--reason", "r", "--issued-at", "2021-01-02", "--db", old,
    ])
    #expect(retract.status == 2 && retract.stderr.contains("invalid --statement-file '\(over)': \(limit + 1) bytes"), "\(retract.stderr)")
    #expect(try CLI.run(["policy", "add", "p", "--title", "T", "--body-file", longest, "--effective-from", "2021-01-01", "--db", old]).status == 0)
    #expect(try CLI.run(["export", "--all", dir.file("copy"), "--db", old]).status == 0)
    let imported = try CLI.run(["import", "--all", dir.file("copy"), "--db", new])
    #expect(imported.status == 0, "\(imported.stderr)")
    let body = try CLI.run(["in-force", "p", "--at", "2021-06-01", "--with-body", "--format", "json", "--db", new]).stdout
    #expect(body.utf8.count > limit, "the whole body is shown")
    let inForce = ["in-force", "p", "--at", "2021-06-01", "--with-body", "--format", "csv"]
    #expect(try CLI.run(inForce + ["--db", new]).stdout == CLI.run(inForce + ["--db", old]).stdout)
    // The notice's body and digest, byte for byte (recorded_at is the copy's own).
    func notice(_ db: String) throws -> [String?] {
      let rows = try JSONSerialization.jsonObject(with: Data(CLI.run(["export", "notices", "--format", "json", "--db", db]).stdout.utf8))
      let row = try #require((rows as? [[String: Any]])?.first)
      return [row["body"] as? String, row["body_sha256"] as? String]
    }
    #expect(try notice(new) == notice(old))
    #expect(try notice(new)[0]?.utf8.count == limit)
  }

  /// Two commands writing several files into one folder take turns (a `flock(2)` on the
  /// folder), so that their renames never interleave into a folder of two snapshots: with
  /// the folder's turn held here, `export --all` and an export with its manifest wait, and
  /// write nothing, until it is released.
  @Test func exportsIntoOneFolderTakeTurns() throws {
    let demo = try DemoLedger()
    let folder = demo.dir.file("copy")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let turn = open(folder, O_RDONLY | O_DIRECTORY)
    try #require(turn >= 0 && flock(turn, LOCK_EX) == 0)
    func start(_ arguments: [String]) throws -> Process {
      let process = Process()
      process.executableURL = CLI.binary
      process.arguments = arguments + ["--db", demo.db]
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      return process
    }
    let all = try start(["export", "--all", folder])
    let manifest = try start(["export", "versions", "--output", folder + "/v.csv", "--manifest", folder + "/v.manifest"])
    Thread.sleep(forTimeInterval: 1.5)
    #expect(all.isRunning && manifest.isRunning, "both wait for the folder's turn")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [], "and write nothing meanwhile")
    close(turn)
    all.waitUntilExit()
    manifest.waitUntilExit()
    #expect(all.terminationStatus == 0 && manifest.terminationStatus == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 9, "seven kinds, an export and its manifest")
    let check = try CLI.run(["check-export", folder + "/v.csv", "--manifest", folder + "/v.manifest"])
    #expect(check.status == 0, "\(check)")
  }

  /// "Since always" and "never" (the first and last instants a ledger takes), exported in a
  /// zone west of UTC and east of it: the copy imports and answers as the ledger does.
  @Test(arguments: ["America/New_York", "+14:00"])
  func theEndsOfTimeRoundTripInAnyZone(_ zone: String) throws {
    let dir = try TemporaryDirectory()
    let old = dir.file("old.db"), new = dir.file("new.db")
    let added = try CLI.run([
      "policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "0001-01-01T00:00:00Z",
      "--effective-until", "9999-12-31T23:59:59.999999Z", "--db", old,
    ])
    try #require(added.status == 0, "\(added)")
    let exported = try CLI.run(["export", "--all", dir.file("copy"), "--db", old], environment: ["POLICY_LEDGER_TZ": zone])
    #expect(exported.status == 0, "\(exported)")
    let imported = try CLI.run(["import", "--all", dir.file("copy"), "--db", new])
    #expect(imported.status == 0, "\(imported)")
    let history = ["history", "p", "--format", "csv", "--tz", zone]
    #expect(try CLI.run(history + ["--db", new]).stdout == CLI.run(history + ["--db", old]).stdout)
  }

  /// A folder whose turn another process holds past the wait (any process that can read
  /// the folder can take it): refused after 60 seconds, naming the folder, nothing written.
  @Test(.tags(.slow)) func aFolderHeldPastTheWaitIsRefused() throws {
    let demo = try DemoLedger()
    let folder = demo.dir.file("copy")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let turn = open(folder, O_RDONLY | O_DIRECTORY)
    try #require(turn >= 0 && flock(turn, LOCK_EX) == 0)
    defer { close(turn) }
    let start = Date()
    let result = try CLI.run(["export", "--all", folder, "--db", demo.db])
    #expect(Date().timeIntervalSince(start) >= 59)
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "policy-ledger: error: invalid --all '\(folder)': another process has held the folder '\(folder)' for 60 seconds (an export writing several files there takes it, so that two such exports take turns); nothing was written\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
  }
}
