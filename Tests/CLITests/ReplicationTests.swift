import Foundation
import LedgerBenchData
import Testing

/// The ledger under real Litestream (docs/replication.md): replicated to a folder and to a
/// local S3 server while entries are appended, restored, and the restored copy proving
/// itself; killed at random moments, the restored copy is always a prefix of the
/// original's journal. Skipped, saying so, where Litestream is not installed; `.ci/run`
/// installs it.
@Suite(.serialized, .tags(.slow))
struct ReplicationTests {
  /// A demo ledger (14 entries) with a key, a signed checkpoint published before
  /// replication starts, and a 3,000-employee recipients file.
  static func ledger(replica: (TemporaryDirectory) -> String, settings: String = "") throws -> (ReplicatedLedger, checkpoint: String) {
    let dir = try TemporaryDirectory()
    let ledger = try ReplicatedLedger(dir: dir, replica: replica(dir), settings: settings)
    try #require(try CLI.run(["demo", "--db", ledger.db]).status == 0)
    try #require(try CLI.run(["keygen", "--name", "example.com/hr", "--out", dir.file("hr.key")]).status == 0)
    let checkpoint = try CLI.run(["checkpoint", "--db", ledger.db, "--origin", "example.com/hr", "--sign-key", dir.file("hr.key")])
    try #require(checkpoint.status == 0)
    _ = try dir.write("recipients.txt", (1...3000).map { String(format: "E%06d\n", $0) }.joined())
    return (ledger, try dir.write("published.checkpoint", checkpoint.stdout))
  }

  static func append(_ ledger: ReplicatedLedger, _ range: ClosedRange<Int>) throws {
    for i in range {
      let result = try CLI.run(["policy", "add", "p\(i)", "--title", "t", "--body", "body \(i)", "--effective-from", "2021-01-01", "--db", ledger.db])
      try #require(result.status == 0, "\(result.stderr)")
    }
  }

  static func sendNotice(_ ledger: ReplicatedLedger, id: String) throws {
    let result = try CLI.run([
      "notice", "send", "--id", id, "--subject", "S", "--body", "B", "--sent-at", "2021-01-01T00:00:00Z", "--sender", "hr",
      "--recipients-file", ledger.dir.file("recipients.txt"), "--db", ledger.db,
    ])
    try #require(result.status == 0, "\(result.stderr)")
  }

  /// What docs/replication.md has an auditor check on a restored copy: verify, the same
  /// head and answers as the original, verify --checkpoint with the checkpoint published
  /// before, and a private file mode.
  static func expectRestoredCopyProvesItself(_ copy: String, original: String, checkpoint: String, key: String) throws {
    let verify = try CLI.run(["verify", "--db", copy])
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(try CLI.run(["head", "--db", copy]).stdout == (try CLI.run(["head", "--db", original]).stdout))
    for query in [["in-force", "--at", "2021-06-01T00:00:00Z"], ["export", "recipients"]] {
      let theirs = try CLI.run(query + ["--db", copy]), ours = try CLI.run(query + ["--db", original])
      #expect(theirs.status == 0, "\(theirs.stderr)")
      #expect(theirs.stdout == ours.stdout)
    }
    let extends = try CLI.run(["verify", "--db", copy, "--checkpoint", checkpoint, "--public-key", key + ".pub"])
    #expect(extends.status == 0, "\(extends.stderr)")
    #expect(extends.stdout.contains("extends the checkpoint of example.com/hr at size 14"))
    let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
    #expect(mode == 0o600)
  }

  @Test(.enabled(if: ReplicationTools.litestream != nil, "litestream not installed (.ci/run installs it)"))
  func aLedgerReplicatedToAFolderRestoresWholeAndTheReplicaStaysSmall() throws {
    // Level-0 files kept 5 s instead of Litestream's 5 minutes, compacted every 5 s, so
    // that the replica's size after the burst can be measured within the test.
    let (ledger, checkpoint) = try Self.ledger(
      replica: { "      url: file://\($0.file("replica"))" },
      settings: "l0-retention: 5s\nl0-retention-check-interval: 1s\nlevels:\n  - interval: 5s\n")
    try ledger.startReplicating()
    let appends = Int(ProcessInfo.processInfo.environment["POLICY_LEDGER_REPLICATION_APPENDS"] ?? "") ?? 1000
    try Self.append(ledger, 1...appends)
    try Self.sendNotice(ledger, id: "N-ALL")
    let head = try CLI.run(["head", "--db", ledger.db]).stdout
    let copy = try ledger.restoreCatchingUp(to: head)
    try Self.expectRestoredCopyProvesItself(copy, original: ledger.db, checkpoint: checkpoint, key: ledger.dir.file("hr.key"))

    // No full snapshot per command: one snapshot, and once level 0 is compacted (5 s
    // after, on an idle machine; polled up to a minute on a loaded one) the replica is
    // within twice the ledger's size.
    let pages = Int(try LedgerFiles.sqlite3(ledger.db, "PRAGMA page_count").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    let ledgerBytes = pages * 4096
    var replica = ReplicatedLedger.bytes(under: ledger.dir.file("replica"))
    let waiting = Date()
    let deadline = waiting.addingTimeInterval(60)
    while replica > 2 * ledgerBytes && Date() < deadline {
      Thread.sleep(forTimeInterval: 1)
      replica = ReplicatedLedger.bytes(under: ledger.dir.file("replica"))
    }
    #expect(replica <= 2 * ledgerBytes, "replica \(replica) bytes, ledger \(ledgerBytes)")
    let snapshots = try FileManager.default.contentsOfDirectory(atPath: ledger.dir.file("replica/ltx/9"))
    #expect(snapshots.count == 1, "\(snapshots)")
    print(
      "replication: \(appends) appends and a 3,000-recipient notice: replica \(replica) bytes, ledger \(ledgerBytes) bytes"
        + String(format: " (%.0f s of waiting for compaction)", Date().timeIntervalSince(waiting)))
    ledger.replicator?.stop()
  }

  @Test(.enabled(
    if: ReplicationTools.litestream != nil && ReplicationTools.motoServer != nil && ReplicationTools.python != nil,
    "litestream or moto_server not installed (.ci/run installs them)"))
  func aLedgerReplicatedToS3RestoresWholeAndToAPointInTime() throws {
    let s3Dir = try TemporaryDirectory()
    let s3 = try LocalS3(dir: s3Dir)
    let (ledger, checkpoint) = try Self.ledger(replica: { _ in s3.replica(path: "hr/ledger.db") })
    try ledger.startReplicating()
    try Self.append(ledger, 1...25)
    try Self.sendNotice(ledger, id: "N-ALL")
    let earlier = try CLI.run(["head", "--db", ledger.db]).stdout
    _ = try ledger.restoreCatchingUp(to: earlier)
    // A quiet moment, then the point in time, then more entries.
    Thread.sleep(forTimeInterval: 1.5)
    let formatter = ISO8601DateFormatter()
    let moment = formatter.string(from: Date())
    Thread.sleep(forTimeInterval: 1.5)
    try Self.append(ledger, 26...50)
    let head = try CLI.run(["head", "--db", ledger.db]).stdout
    let copy = try ledger.restoreCatchingUp(to: head)
    try Self.expectRestoredCopyProvesItself(copy, original: ledger.db, checkpoint: checkpoint, key: ledger.dir.file("hr.key"))

    let past = ledger.dir.file("past.db")
    let restored = try ledger.restore(to: past, ["-timestamp", moment])
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(try CLI.run(["head", "--db", past]).stdout == earlier)
    let pastExtends = try CLI.run(["verify", "--db", past, "--checkpoint", checkpoint, "--public-key", ledger.dir.file("hr.key.pub")])
    #expect(pastExtends.status == 0, "\(pastExtends.stderr)")
    ledger.replicator?.stop()
  }

  /// The first checkpoint stores the ledger's origin and copies the WAL into the main
  /// file; beside Litestream it must not wait for Litestream's read transaction.
  @Test(.enabled(if: ReplicationTools.litestream != nil, "litestream not installed (.ci/run installs it)"))
  func theFirstCheckpointDoesNotWaitForLitestream() throws {
    let dir = try TemporaryDirectory()
    let ledger = try ReplicatedLedger(dir: dir, replica: "      url: file://\(dir.file("replica"))")
    try #require(try CLI.run(["demo", "--db", ledger.db]).status == 0)
    try ledger.startReplicating()
    _ = try ledger.restoreCatchingUp(to: try CLI.run(["head", "--db", ledger.db]).stdout)
    let start = Date()
    let checkpoint = try CLI.run(["checkpoint", "--db", ledger.db, "--origin", "example.com/hr"])
    #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
    #expect(Date().timeIntervalSince(start) < 10)
    // The origin is no entry: Litestream ships it within a few sync intervals (polled up
    // to a minute, a fresh restore each time).
    let deadline = Date().addingTimeInterval(60)
    var attempt = 0
    var restoredCheckpoint = ""
    repeat {
      attempt += 1
      Thread.sleep(forTimeInterval: 1)
      let copy = dir.file("copy-\(attempt).db")
      // A restore that fails (the replica mid-write) is tried again, as restoreCatchingUp does.
      guard try ledger.restore(to: copy).status == 0 else { continue }
      restoredCheckpoint = try CLI.run(["checkpoint", "--db", copy]).stdout
    } while restoredCheckpoint != checkpoint.stdout && Date() < deadline
    #expect(restoredCheckpoint == checkpoint.stdout)
    ledger.replicator?.stop()
  }

  @Test(.enabled(if: ReplicationTools.litestream != nil, "litestream not installed (.ci/run installs it)"))
  func aCopyRestoredAfterRandomKillsIsAlwaysAPrefixOfTheOriginal() throws {
    let seed = UInt64(ProcessInfo.processInfo.environment["POLICY_LEDGER_KILL_SEED"] ?? "") ?? UInt64.random(in: 1...1_000_000)
    var random = SplitMix64(seed: seed)
    let (ledger, _) = try Self.ledger(replica: { "      url: file://\($0.file("replica"))" })
    try ledger.startReplicating()
    _ = try ledger.restoreCatchingUp(to: try CLI.run(["head", "--db", ledger.db]).stdout)
    var behind: [Int] = []
    for round in 1...ReplicationTools.killRuns {
      let context = "seed \(seed), round \(round) (POLICY_LEDGER_KILL_SEED=\(seed) replays it)"
      if ledger.replicator == nil { try ledger.startReplicating() }
      let appender = Appender(db: ledger.db, prefix: "r\(round)-")
      Thread.sleep(forTimeInterval: Double.random(in: 0.2...1.5, using: &random))
      // Both killed, in a random order, a random moment apart.
      let replicatorFirst = Bool.random(using: &random)
      if replicatorFirst { ledger.replicator?.stop(SIGKILL) } else { appender.kill() }
      Thread.sleep(forTimeInterval: Double.random(in: 0...0.3, using: &random))
      if replicatorFirst { appender.kill() } else { ledger.replicator?.stop(SIGKILL) }
      ledger.replicator = nil

      let copy = ledger.dir.file("round-\(round).db")
      let restored = try ledger.restore(to: copy)
      try #require(restored.status == 0, "\(context): \(restored.stderr)")
      let head = try CLI.run(["head", "--db", copy]).stdout.trimmingCharacters(in: .newlines)
      // The restored head is an entry of the original's chain: verify --expect on the original.
      let expect = try CLI.run(["verify", "--db", ledger.db, "--expect", head])
      #expect(expect.status == 0, "\(context): restored head \(head): \(expect.stderr)")
      let originalSeq = Int(try CLI.run(["head", "--db", ledger.db]).stdout.prefix { $0 != ":" }) ?? 0
      behind.append(originalSeq - (Int(head.prefix { $0 != ":" }) ?? 0))
      #expect(try CLI.run(["verify", "--db", copy]).status == 0, "\(context)")
      // Appends continue on the restored copy.
      let next = try CLI.run(["policy", "add", "after-restore", "--title", "t", "--body", "b", "--effective-from", "2021-01-01", "--db", copy])
      #expect(next.status == 0, "\(context): \(next.stderr)")
      #expect(try CLI.run(["verify", "--db", copy]).status == 0, "\(context)")
      try? FileManager.default.removeItem(atPath: copy)
    }
    print("replication: seed \(seed): restored copies were behind the original by \(behind) entries")
  }
}
