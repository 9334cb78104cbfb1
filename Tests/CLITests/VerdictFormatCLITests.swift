import Foundation
import PolicyLedger
import Testing

/// `head --format` and `verify --format`: the head and the verdict as one record, for
/// scripts; without `--format`, the one line they always printed. And the empty history's
/// head, `0:` and 64 zeros, which `head` prints for a ledger with no entry and
/// `verify --expect` takes.
@Suite struct VerdictFormatCLITests {
  static let zeros = String(repeating: "0", count: 64)

  /// The JSON of a one-record output: the array's one object.
  static func object(_ output: String) throws -> [String: Any] {
    let array = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
    try #require(array.count == 1, "\(output)")
    return array[0]
  }

  @Test func headPrintsTheSameHeadInEveryFormat() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let head = try LedgerFiles.makeFullLedger(at: db)
    let hash = head.description.split(separator: ":")[1]
    #expect(try CLI.run(["head", "--db", db]).stdout == "\(head)\n")
    #expect(try CLI.run(["head", "--db", db, "--format", "csv"]).stdout == "seq,entry_hash,head\n\(head.seq),\(hash),\(head)\n")
    #expect(try CLI.run(["head", "--db", db, "--format", "tsv"]).stdout == "seq\tentry_hash\thead\n\(head.seq)\t\(hash)\t\(head)\n")
    #expect(try CLI.run(["head", "--db", db, "--format", "jsonl"]).stdout == "{\"seq\":\(head.seq),\"entry_hash\":\"\(hash)\",\"head\":\"\(head)\"}\n")
    let json = try Self.object(try CLI.run(["head", "--db", db, "--format", "json"]).stdout)
    #expect(json["seq"] as? Int == Int(head.seq))
    #expect(json["entry_hash"] as? String == String(hash))
    #expect(json["head"] as? String == head.description)
    let table = try CLI.run(["head", "--db", db, "--format", "table"]).stdout
    #expect(table.contains("entry_hash: \(hash)\n") && table.contains("head: \(head)\n"))
    // What `head --format` prints is what `verify --expect` takes.
    let csv = try CLI.run(["head", "--db", db, "--format", "csv"]).stdout
    let printed = String(try #require(csv.split(separator: "\n").last?.split(separator: ",").last))
    #expect(try CLI.run(["verify", "--db", db, "--expect", printed]).status == 0)
  }

  @Test func verifyPrintsItsVerdictAsOneRecord() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let head = try LedgerFiles.makeFullLedger(at: db)
    #expect(try CLI.run(["verify", "--db", db]).stdout == "ok: \(head.seq) entries verified; head \(head)\n")
    let ok = try CLI.run(["verify", "--db", db, "--format", "json"])
    #expect(ok.status == 0 && ok.stderr.isEmpty)
    let verdict = try Self.object(ok.stdout)
    #expect(verdict["verified"] as? Bool == true)
    #expect(verdict["entries"] as? Int == Int(head.seq))
    #expect(verdict["head"] as? String == head.description)
    for column in ["checkpoint_size", "failed_entry", "problem"] { #expect(verdict[column] is NSNull, "\(column)") }
    #expect(
      try CLI.run(["verify", "--db", db, "--format", "csv"]).stdout
        == "verified,entries,head,checkpoint_size,failed_entry,problem\ntrue,\(head.seq),\(head),,,\n")

    // A mismatch: the record on stdout, the line on stderr as without --format, exit 1.
    // `entries` and `head` are a verified ledger's only; `problem` is the stderr line.
    let before = try #require(LedgerFiles.sha256(db))
    let wrong = try CLI.run(["verify", "--db", db, "--expect", "3:" + Self.zeros, "--format", "json"])
    #expect(wrong.status == 1)
    #expect(wrong.stderr.hasPrefix("policy-ledger: error: verify failed: entry 3: its hash is "))
    let failed = try Self.object(wrong.stdout)
    #expect(failed["verified"] as? Bool == false)
    #expect(failed["entries"] is NSNull && failed["head"] is NSNull)
    #expect(failed["failed_entry"] as? Int == 3)
    #expect("policy-ledger: error: \(try #require(failed["problem"] as? String))\n" == wrong.stderr)
    #expect(LedgerFiles.sha256(db) == before)

    // A table changed behind the ledger's back.
    try LedgerFiles.tamper(db, table: "versions", "UPDATE versions SET title = 'Changed' WHERE seq = 2")
    let tampered = try CLI.run(["verify", "--db", db, "--format", "csv"])
    #expect(tampered.status == 1)
    #expect(
      tampered.stdout
        == "verified,entries,head,checkpoint_size,failed_entry,problem\nfalse,,,,2,verify failed: entry 2: the versions table does not match the journal\n")
    #expect(tampered.stderr == "policy-ledger: error: verify failed: entry 2: the versions table does not match the journal\n")
  }

  /// A journal whose pages cannot be read: no count and no head (the empty history's would
  /// pass any `--expect`), the problem as the stderr line says it.
  @Test func aJournalThatCannotBeReadHasNoHead() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    _ = try LedgerFiles.makeFullLedger(at: db)
    let page = try VerifyTrustCLITests.rootPage(db, "journal")
    try VerifyTrustCLITests.edit(db) { bytes in
      for at in page { bytes[at] = 0xFF }
    }
    let result = try CLI.run(["verify", "--db", db, "--format", "csv"])
    #expect(result.status == 1)
    let lines = result.lines
    try #require(lines.count == 2, "\(result.stdout)")
    #expect(lines[1].hasPrefix("false,,,,,"), "\(lines[1])")
    #expect(result.stderr == "policy-ledger: error: \(lines[1].dropFirst("false,,,,,".count))\n")
  }

  /// A verdict that cannot be printed is an error (exit 2) whose one line keeps the verdict.
  @Test(arguments: [(">&-", "Bad file descriptor"), (">/dev/full", "No space left on device")])
  func aVerdictThatCannotBePrintedStillSaysWhatWasFound(_ redirection: String, _ reason: String) throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    _ = try LedgerFiles.makeFullLedger(at: db)
    let wrong = "3:" + Self.zeros
    let result = try CLI.run(["verify", "--db", db, "--expect", wrong, "--format", "csv"], launcher: StandardStreamsCLITests.launcher(redirection))
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("policy-ledger: error: verify failed: entry 3: its hash is "))
    #expect(result.stderr.hasSuffix(", not the expected \(Self.zeros), but cannot write to standard output: \(reason)\n"))
    // A verdict of "ok" that cannot be printed is the same error as any query's.
    let ok = try CLI.run(["verify", "--db", db, "--format", "csv"], launcher: StandardStreamsCLITests.launcher(redirection))
    #expect(ok.status == 2)
    #expect(ok.stderr == "policy-ledger: error: cannot write to standard output: \(reason)\n")
  }

  /// `problem` holds the message as stderr shows it: a value it quotes (here a checkpoint's
  /// file name) with its control, format and direction-changing characters escaped, in
  /// every format, so that no table or script shows them raw.
  @Test func theProblemIsEscapedAsTheMessageIs() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let key = dir.file("hr.key"), other = dir.file("other.key")
    _ = try LedgerFiles.makeFullLedger(at: db)
    #expect(try CLI.run(["keygen", "--name", "example.com/hr", "--out", key]).status == 0)
    #expect(try CLI.run(["keygen", "--name", "example.com/other", "--out", other]).status == 0)
    let checkpoint = try CLI.run(["checkpoint", "--db", db, "--sign-key", key, "--origin", "example.com/ledger"])
    try #require(checkpoint.status == 0, "\(checkpoint.stderr)")
    let file = dir.file("cp\u{200F}\u{202E}\u{200B}\nx")
    try checkpoint.stdout.write(toFile: file, atomically: true, encoding: .utf8)
    for format in ["table", "csv", "json"] {
      let result = try CLI.run(["verify", "--db", db, "--checkpoint", file, "--public-key", other + ".pub", "--format", format])
      #expect(result.status == 1, "\(format)")
      #expect(result.stderr.contains("cp\\u{200F}\\u{202E}\\u{200B}\\nx"), "\(result.stderr)")
      for raw in ["\u{200F}", "\u{202E}", "\u{200B}"] { #expect(!result.stdout.contains(raw), "\(format)") }
      #expect(result.stdout.contains(format == "json" ? "cp\\\\u{200F}" : "cp\\u{200F}"), "\(format): \(result.stdout)")
    }
  }

  @Test func aFileTooDamagedToReadIsAVerdictWithNothingRead() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    _ = try LedgerFiles.makeFullLedger(at: db)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
    let cut = dir.file("cut.db")
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
    let result = try CLI.run(["verify", "--db", cut, "--format", "jsonl"])
    #expect(result.status == 1)
    let verdict = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(verdict["verified"] as? Bool == false)
    #expect(verdict["entries"] is NSNull && verdict["head"] is NSNull && verdict["failed_entry"] is NSNull)
    let problem = try #require(verdict["problem"] as? String)
    #expect(result.stderr == "policy-ledger: error: \(problem)\n")
  }

  @Test func verifyWithACheckpointNamesItsSize() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let key = dir.file("hr.key")
    let head = try LedgerFiles.makeFullLedger(at: db)
    #expect(try CLI.run(["keygen", "--name", "example.com/hr", "--out", key]).status == 0)
    let checkpoint = try CLI.run(["checkpoint", "--db", db, "--sign-key", key, "--origin", "example.com/ledger"])
    try #require(checkpoint.status == 0, "\(checkpoint.stderr)")
    let file = dir.file("cp")
    try checkpoint.stdout.write(toFile: file, atomically: true, encoding: .utf8)
    let result = try CLI.run(["verify", "--db", db, "--checkpoint", file, "--public-key", key + ".pub", "--format", "csv"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "verified,entries,head,checkpoint_size,failed_entry,problem\ntrue,\(head.seq),\(head),\(head.seq),,\n")
  }

  @Test func theEmptyHistoryIsAHeadThatVerifyTakes() throws {
    let dir = try TemporaryDirectory()
    let empty = dir.file("empty.db")
    _ = try Ledger(path: empty, access: .readWrite)
    let printed = try CLI.run(["head", "--db", empty])
    #expect(printed.stdout == "0:\(Self.zeros)\n")
    #expect(try CLI.run(["head", "--db", empty, "--format", "csv"]).stdout == "seq,entry_hash,head\n0,\(Self.zeros),0:\(Self.zeros)\n")
    // Every ledger begins with the empty history: the empty one, and one with entries.
    let verified = try CLI.run(["verify", "--db", empty, "--expect", "0:" + Self.zeros])
    #expect(verified.status == 0, "\(verified.stderr)")
    #expect(verified.stdout == "ok: 0 entries verified; head 0:\(Self.zeros)\n")
    let db = dir.file("l.db")
    _ = try LedgerFiles.makeFullLedger(at: db)
    #expect(try CLI.run(["verify", "--db", db, "--expect", "0:" + Self.zeros]).status == 0)
    // Entry 0 has no other hash: anything else there is refused as a malformed head.
    for wrong in ["0:" + String(repeating: "0", count: 63) + "1", "-1:" + Self.zeros] {
      let refused = try CLI.run(["verify", "--db", db, "--expect=\(wrong)"])
      #expect(refused.status == 2)
      #expect(refused.stderr == "policy-ledger: error: invalid --expect '\(wrong)': expected SEQ:HASH, as 'policy-ledger head' prints it\n")
    }
  }
}
