import Foundation
import LedgerBenchData
import PolicyLedger
import Testing

/// Counts for the crash tests: small in `swift test`, raised by scripts/soak.sh through the
/// environment (docs/reliability.md).
struct CrashSettings: CustomStringConvertible {
  var kills: Int
  var recipients: Int
  var appends: Int
  var seed: UInt64

  static let current: CrashSettings = {
    let environment = ProcessInfo.processInfo.environment
    func number(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap { Int($0) } ?? fallback }
    return CrashSettings(
      kills: number("POLICY_LEDGER_SOAK_KILLS", 3), recipients: number("POLICY_LEDGER_SOAK_RECIPIENTS", 150_000),
      appends: number("POLICY_LEDGER_SOAK_APPENDS", 30), seed: UInt64(number("POLICY_LEDGER_SOAK_SEED", 2020)))
  }()

  var description: String { "kills \(kills), recipients \(recipients), appends \(appends), seed \(seed)" }
}

/// A `policy-ledger` run that the test kills with SIGKILL after a delay, unless it ended first.
struct KilledRun {
  var killed: Bool
  var status: Int32
  var stdout: String
  var stderr: String

  /// Starts `policy-ledger arguments…`, waits `delay` seconds (or until `until` holds), and
  /// sends SIGKILL if it is still running.
  static func run(
    _ arguments: [String], after delay: Double, in dir: TemporaryDirectory, launcher: [String] = [],
    until: (() -> Bool)? = nil
  ) throws -> KilledRun {
    let process = Process()
    if let program = launcher.first {
      process.executableURL = URL(fileURLWithPath: program)
      process.arguments = launcher.dropFirst() + [CLI.binary.path] + arguments
    } else {
      process.executableURL = CLI.binary
      process.arguments = arguments
    }
    var environment = ProcessInfo.processInfo.environment
    environment["POLICY_LEDGER_DB"] = nil
    environment["POLICY_LEDGER_ACTOR"] = "crash-test"
    process.environment = environment
    let name = UUID().uuidString
    let out = dir.file("\(name).out"), err = dir.file("\(name).err")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(delay)
    while Date() < deadline && process.isRunning && !(until?() ?? false) { usleep(2_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    try outHandle.close()
    try errHandle.close()
    defer {
      unlink(out)
      unlink(err)
    }
    return KilledRun(
      killed: process.terminationReason == .uncaughtSignal, status: process.terminationStatus,
      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
  }
}

/// Collects results from several threads.
final class Collected<Element>: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [Element] = []

  func append(_ item: Element) { lock.withLock { items.append(item) } }
  var all: [Element] { lock.withLock { items } }
}

/// `policy add KEY --title TITLE …` on `db`.
private func add(_ key: String, _ title: String, _ db: String) -> [String] {
  ["policy", "add", key, "--title", title, "--body", "Text of \(title).", "--effective-from", "2020-01-01", "--db", db]
}

/// Every row of `export KIND --format json`.
private func exported(_ kind: String, _ db: String) throws -> [[String: Any]] {
  let result = try CLI.run(["export", kind, "--format", "json", "--db", db])
  #expect(result.status == 0, "\(result.stderr)")
  return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
}

/// `show NAME --format json` as one object, or nil when the ledger has no such entry.
private func shown(_ name: String, _ db: String) throws -> [String: Any]? {
  let result = try CLI.run(["show", name, "--format", "json", "--db", db])
  if result.status != 0 {
    #expect(result.isRefusal && result.stderr.contains("no notice, correction or version '\(name)'"), "\(result.stderr)")
    return nil
  }
  let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
  #expect(rows.count == 1)
  return rows.first
}

/// `sha256sum FILE`, as a user would check a body.
private func sha256sum(_ path: String) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["sha256sum", path]
  let out = Pipe()
  process.standardOutput = out
  try process.run()
  let data = readToEnd(out.fileHandleForReading)
  process.waitUntilExit()
  return String(String(decoding: data, as: UTF8.self).prefix(64))
}

@Suite struct ReliabilityTests {
  // MARK: Crash

  @Test(.tags(.slow)) func killingANoticeSendLeavesTheNoticeWholeOrAbsent() throws {
    let settings = CrashSettings.current
    var random = SplitMix64(seed: settings.seed)
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    #expect(try CLI.run(add("crash", "Crash", db)).status == 0)
    let staff = dir.file("staff.txt")
    try Data((1...settings.recipients).map { "E\($0 + 1_000_000)\n" }.joined().utf8).write(to: URL(fileURLWithPath: staff))
    func send(_ id: String) -> [String] {
      [
        "notice", "send", "--id", id, "--subject", "To everyone", "--body", "Read the policy.", "--sent-at",
        "2020-07-10T08:00:00Z", "--sender", "hr", "--announces", "crash@1", "--recipients-file", staff, "--db", db,
      ]
    }
    /// Whether notice `id` is in the ledger, after checking that it is whole if it is.
    func isPresentWhole(_ id: String) throws -> Bool {
      guard let notice = try shown(id, db) else { return false }
      #expect(notice["recipient_count"] as? Int == settings.recipients, "notice \(id) is not whole (\(settings))")
      return true
    }

    // One send that runs to the end: its length sets the range of the kill moments.
    let start = Date()
    let whole = try CLI.run(send("whole"))
    let duration = Date().timeIntervalSince(start)
    #expect(whole.status == 0 && whole.stdout == "whole\n", "\(whole.stderr)")
    #expect(try isPresentWhole("whole"))

    var present = 0
    for kill in 0..<settings.kills {
      let delay = Double.random(in: 0..<(duration * 1.1), using: &random)
      let id = "crash-\(kill)"
      let run = try KilledRun.run(send(id), after: delay, in: dir)
      let verify = try CLI.run(["verify", "--db", db])
      #expect(verify.status == 0, "after a kill at \(delay) s (\(settings)): \(verify.stderr)")
      let isPresent = try isPresentWhole(id)
      if !run.killed { #expect(isPresent && run.status == 0, "a send that ended by itself must be there: \(run.stderr)") }
      if isPresent { present += 1 }
      let next = try CLI.run(add("crash", "After kill \(kill)", db))
      #expect(next.status == 0, "the next append after a kill at \(delay) s: \(next.stderr)")
    }
    print("crash (notice send): \(settings.kills) kills over \(String(format: "%.2f", duration * 1.1)) s, \(present) notices whole, \(settings.kills - present) absent (\(settings))")
  }

  @Test(.tags(.slow)) func killingAStreamOfAppendsLosesNoCommittedEntry() throws {
    let settings = CrashSettings.current
    var random = SplitMix64(seed: settings.seed &+ 1)
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    #expect(try CLI.run(add("stream", "t-0", db)).status == 0)
    // One append on the existing ledger, timed: kills land within 1.2 times that.
    let start = Date()
    #expect(try CLI.run(add("stream", "t-1", db)).status == 0)
    let duration = Date().timeIntervalSince(start)
    var completed: Set<String> = ["t-0", "t-1"]
    var killed: Set<String> = []
    for index in 2..<(settings.appends + 2) {
      let title = "t-\(index)"
      // About two in three appends get a kill: during start-up, opening, the transaction, the
      // commit or the exit, or after it ended.
      let delay = Double.random(in: 0..<(duration * 1.2), using: &random)
      let kill = Int.random(in: 0..<3, using: &random) < 2
      let run = try KilledRun.run(add("stream", title, db), after: kill ? delay : 3_600, in: dir)
      if run.killed {
        killed.insert(title)
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "after killing append \(index) at \(delay) s (\(settings)): \(verify.stderr)")
      } else {
        #expect(run.status == 0 && run.stdout.hasPrefix("stream@"), "\(run.stderr)")
        completed.insert(title)
      }
    }
    let versions = try exported("versions", db)
    let titles = versions.compactMap { $0["title"] as? String }
    #expect(versions.compactMap { $0["version"] as? Int } == Array(1...versions.count), "version numbers have a gap")
    #expect(Set(titles).count == titles.count)
    #expect(completed.isSubset(of: Set(titles)), "an append that ended by itself was lost")
    #expect(Set(titles).subtracting(completed).isSubset(of: killed))
    let verify = try CLI.run(["verify", "--db", db])
    #expect(verify.stdout.hasPrefix("ok: \(titles.count) entries verified"))
    #expect(try CLI.run(add("stream", "last", db)).stdout == "stream@\(titles.count + 1)\n")
    print("crash (appends): \(killed.count) of \(settings.appends) appends killed, \(titles.count - completed.count) of them committed first (\(settings))")
  }

  // MARK: Concurrency

  @Test(.tags(.slow)) func fourProcessesAppendingAtOnceLoseNothing() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")  // not there yet: the first appends also race to create it
    let results = Collected<(title: String, result: CLIResult)>()
    let failures = Collected<String>()
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      for index in 0..<50 {
        let title = "w\(worker)-\(index)"
        do {
          results.append((title, try CLI.run(add("shared", title, db))))
        } catch {
          failures.append("\(title): \(error)")
        }
      }
    }
    #expect(failures.all.isEmpty)
    let all = results.all
    #expect(all.count == 200)
    for (title, result) in all {
      #expect(result.status == 0, "\(title): \(result.stderr)")
      #expect(result.stderr.isEmpty, "\(title): \(result.stderr)")
      #expect(!result.stderr.contains("locked"))
    }
    #expect(Set(all.map(\.result.stdout)) == Set((1...200).map { "shared@\($0)\n" }))

    let versions = try exported("versions", db)
    #expect(Set(versions.compactMap { $0["title"] as? String }) == Set(all.map(\.title)))
    #expect(versions.compactMap { $0["version"] as? Int } == Array(1...200))
    let verify = try CLI.run(["verify", "--db", db])
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 200 entries verified"), "\(verify.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") } == [])
  }

  /// Commands racing to create one missing ledger leave no `.NAME.lock` behind: the one
  /// that finds the ledger made while it waited removes the lock file it made in turn.
  @Test func creatorsRacingOnAMissingPathLeaveNoLockFile() throws {
    let dir = try TemporaryDirectory()
    for round in 0..<24 {
      let db = dir.file("r\(round).db")
      // Each one's standard error goes to a file, so that a failure says what happened.
      let processes = try (0..<3).map { worker -> (Process, String) in
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = add("k\(worker)", "T", db)
        process.standardOutput = FileHandle.nullDevice
        let err = dir.file("r\(round)-\(worker).err")
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        return (process, err)
      }
      for (process, _) in processes { process.waitUntilExit() }
      for (process, err) in processes {
        let message = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        #expect(
          process.terminationReason == .exit && process.terminationStatus == 0,
          "round \(round): \(process.terminationReason == .exit ? "exit" : "signal") \(process.terminationStatus): \(message)")
        unlink(err)
      }
      let verified = try CLI.run(["verify", "--db", db])
      #expect(verified.stdout.hasPrefix("ok: 3 entries verified"), "round \(round): \(verified.stdout)\(verified.stderr)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") } == [])
  }

  // MARK: Hostile values

  @Test func sqlInKeysIdsAndTextIsStoredAsDataNeverRun() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    let key = "x'); DROP TABLE journal; --"
    let title = "Robert'); DROP TABLE policies; -- \"quoted\"; semi;colon"
    let body = "'; DELETE FROM versions WHERE '1'='1"
    let added = try CLI.run([
      "policy", "add", key, "--title", title, "--body", body, "--effective-from", "2020-01-01", "--by", "o'brien; --", "--db", db,
    ])
    #expect(added.status == 0 && added.stdout == "\(key)@1\n", "\(added.stderr)")

    let noticeID = "N'; DROP TABLE notices; --"
    let recipients = ["E'1", "E\"2", "E;3", "E,4", "'); DROP TABLE deliveries; --"]
    let file = try dir.write("staff.txt", recipients.joined(separator: "\n"))
    let sent = try CLI.run([
      "notice", "send", "--id", noticeID, "--subject", "\"; DROP TABLE acks; --", "--body", "x", "--sent-at", "2020-01-01",
      "--sender", "'); --", "--channel", "chat'--", "--announces", "\(key)@1", "--recipients-file", file, "--db", db,
    ])
    #expect(sent.status == 0 && sent.stdout == "\(noticeID)\n", "\(sent.stderr)")

    let version = try #require(try shown("\(key)@1", db))
    #expect(version["policy"] as? String == key)
    #expect(version["title"] as? String == title)
    #expect(version["body"] as? String == body)
    #expect(version["by"] as? String == "o'brien; --")
    let notice = try #require(try shown(noticeID, db))
    #expect(notice["subject"] as? String == "\"; DROP TABLE acks; --")
    #expect(notice["sender"] as? String == "'); --")
    #expect(notice["channel"] as? String == "chat'--")
    #expect(notice["announces"] as? [String] == ["\(key)@1"])
    let listed = try CLI.run(["recipients", noticeID, "--format", "json", "--db", db])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    #expect(Set(rows.compactMap { $0["employee"] as? String }) == Set(recipients))
    let timeline = try CLI.run(["timeline", "--employee", "' OR '1'='1", "--format", "json", "--db", db])
    #expect(timeline.stdout == "[]\n" || timeline.isOneLineError, "\(timeline)")

    // Nothing ran: the schema is intact and the chain verifies.
    let verify = try CLI.run(["verify", "--db", db])
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 2 entries verified"), "\(verify.stderr)")
  }

  @Test(.tags(.slow), arguments: ["nul", "10MB"])
  func bodiesAreStoredByteForByte(_ kind: String) throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    let text: String
    if kind == "nul" {
      text = "before\u{0}after\u{0}\n\u{0}"
    } else {
      let line = "Ünïcödé 'quotes' \"double\"; -- \u{0} 🙂 \t line\r\n"
      text = String(repeating: line, count: 10 * 1024 * 1024 / line.utf8.count + 1)
    }
    let file = dir.file("body.txt")
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    let expectedSHA = try sha256sum(file)

    let fromFile = try CLI.run(["policy", "add", "big", "--title", "T", "--body-file", file, "--effective-from", "2020-01-01", "--db", db])
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    let fromStdin = try CLI.run(
      ["policy", "add", "big", "--title", "T", "--body-file", "-", "--effective-from", "2020-01-01", "--db", db], stdin: text)
    #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
    for number in [1, 2] {
      let version = try #require(try shown("big@\(number)", db))
      #expect(version["body_sha256"] as? String == expectedSHA)
      #expect((version["body"] as? String).map { Array($0.utf8) == Array(text.utf8) } == true)
    }
  }

  @Test func invalidUTF8IsRefusedAndNothingIsWritten() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    #expect(try CLI.run(add("p", "P", db)).status == 0)
    let head = try CLI.run(["head", "--db", db]).stdout

    let body = dir.file("latin1.txt")
    // "café" in Latin-1 on line 2, after a valid line with a two-byte character.
    try Data([0x6E, 0xC3, 0xA9, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: body))
    let refused = try CLI.run(["policy", "add", "p", "--title", "T", "--body-file", body, "--effective-from", "2020-01-01", "--db", db])
    #expect(refused.isRefusal)
    #expect(refused.stderr == "policy-ledger: error: invalid --body-file '\(body)' line 2: not valid UTF-8 text\n")
    let pipe = [
      "/bin/sh", "-c",
      "printf 'ok\\n\\377\\n' | exec \"$0\" notice send --subject S --body-file - --sent-at 2020-01-01 --sender hr --to E1 --db \"$1\"",
    ]
    let piped = try CLI.run([db], launcher: pipe)
    #expect(piped.stderr == "policy-ledger: error: invalid --body-file 'standard input' line 2: not valid UTF-8 text\n")
    #expect(try CLI.run(["head", "--db", db]).stdout == head)

    // Process arguments are Strings, so a shell puts the bad bytes on the command line.
    let shell = ["/bin/sh", "-c", "exec \"$0\" policy add \"$(printf 'k\\377\\376')\" --title T --body b --effective-from 2020-01-01 --db \"$1\""]
    let argument = try CLI.run([db], launcher: shell)
    #expect(argument.isRefusal)
    #expect(argument.stderr == "policy-ledger: error: invalid argument 'k\\xFF\\xFE': not valid UTF-8 text\n")

    let staff = dir.file("staff.txt")
    try Data("E1\nE\u{0}2\n".utf8).write(to: URL(fileURLWithPath: staff))
    let nul = try CLI.run([
      "notice", "send", "--subject", "S", "--body", "b", "--sent-at", "2020-01-01", "--sender", "hr", "--recipients-file", staff,
      "--db", db,
    ])
    #expect(nul.isRefusal)
    #expect(nul.stderr == "policy-ledger: error: invalid recipient 'E\\u{0}2' (line 2 of \(staff)): control characters are not allowed\n")
    #expect(try CLI.run(["head", "--db", db]).stdout == head)
  }

  @Test func aLedgerPathWithQuotesAndURICharactersWorks() throws {
    let dir = try TemporaryDirectory()
    let folder = dir.file("it's; \"odd\" ?#%20 & more")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = folder + "/ledger?mode=memory#x.db"
    #expect(try CLI.run(add("p", "P", db)).status == 0)
    #expect(FileManager.default.fileExists(atPath: db))
    let verify = try CLI.run(["verify", "--db", db])
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 1 entries verified"), "\(verify.stderr)")
    #expect(try CLI.run(["history", "p", "--db", db]).status == 0)
  }

  // MARK: Read-only ledgers

  /// Every query command, on the ledger `LedgerFiles.makeFullLedger` records.
  static let queries: [[String]] = [
    ["in-force", "--at", "2021-06-01"],
    ["in-force", "mobile-devices", "--at", "2020-07-10T15:00:00-07:00", "--as-told-to", "E1004"],
    ["history", "mobile-devices"],
    ["show", "N-REMOTE", "--format", "json"],
    ["show", "remote-work@1"],
    ["timeline", "--employee", "E1001"],
    ["timeline", "--policy", "remote-work", "--format", "csv"],
    ["recipients", "N-2020-07-10-0800"],
    ["outstanding"],
    ["export", "versions"], ["export", "notices"], ["export", "recipients"], ["export", "corrections"],
    ["export", "acks"], ["export", "journal"],
    ["verify"],
    ["head"],
  ]

  /// Runs every query on `db` (with `launcher`), expecting each to answer and to leave the
  /// file's bytes as they were.
  private func expectQueriesAnswer(_ db: String, launcher: [String] = []) throws {
    let before = try #require(LedgerFiles.sha256(db))
    for query in Self.queries {
      let result = try CLI.run(query + ["--db", db], launcher: launcher)
      #expect(result.status == 0 && result.stderr.isEmpty && !result.stdout.isEmpty, "\(query): \(result.stderr)")
      #expect(LedgerFiles.sha256(db) == before, "\(query) changed the ledger file")
    }
  }

  @Test func queriesLeaveAReadOnlyLedgerUnchanged() throws {
    let dir = try TemporaryDirectory()
    let folder = dir.file("ledgers")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = folder + "/ledger.db"
    try LedgerFiles.makeFullLedger(at: db)
    #expect(!LedgerFiles.exists(db + "-wal"))
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: db)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }

    // Tests run as root, whom permission bits do not stop: the file's bytes are the proof.
    try expectQueriesAnswer(db)
    // SQLite's readers share a -wal and -shm beside a WAL ledger and create them where they
    // can; they hold no frames, keep the ledger's mode, and the next writer removes them.
    if LedgerFiles.exists(db + "-wal") {
      let size = try FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int
      #expect(size == 0, "a query wrote frames to the -wal")
      #expect(try LedgerFiles.mode(db + "-wal") == 0o444)
    }
  }

  /// Whether `setpriv` can run the built binary as `nobody` here (it needs root and a
  /// binary that `nobody` may read).
  static let canRunAsNobody: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
    return (try? CLI.run(["--version"], launcher: nobody).status) == 0
  }()

  static let nobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

  @Test(.enabled("setpriv cannot run the binary as the unprivileged user nobody here") { ReliabilityTests.canRunAsNobody })
  func queriesWorkInAReadOnlyFolderAsAnUnprivilegedUser() throws {
    let dir = try TemporaryDirectory()
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
    let folder = dir.file("ledgers")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = folder + "/ledger.db"
    try LedgerFiles.makeFullLedger(at: db)
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: db)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }

    // nobody cannot create the -shm that WAL readers share, so the ledger is read as immutable.
    try expectQueriesAnswer(db, launcher: Self.nobody)
    #expect(!LedgerFiles.exists(db + "-wal") && !LedgerFiles.exists(db + "-shm"))
    let append = try CLI.run(add("p", "P", db), launcher: Self.nobody)
    #expect(append.isRefusal, "\(append)")
    #expect(
      append.stderr
        == "policy-ledger: error: cannot write the ledger at \(db): the file is read-only for this user, and so is its folder, where SQLite keeps the ledger's -wal and -shm files; nothing was recorded\n"
    )
  }

  /// Read without locks (this user cannot create the -shm in the ledger's folder) while
  /// another user records: a query whose reads span the change is an error, exit 2, never
  /// an answer or a "damaged" verdict made of two states of the file. The export is held
  /// mid-stream by a FIFO while the owner records and checkpoints.
  @Test(.enabled("setpriv cannot run the binary as the unprivileged user nobody here") { ReliabilityTests.canRunAsNobody })
  func aQueryReadWithoutLocksWhileAnotherUserRecordsSaysSo() throws {
    let dir = try TemporaryDirectory()
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
    let folder = dir.file("ledgers")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = folder + "/ledger.db"
    let staff = try dir.write("staff.txt", (1...20_000).map { "E\($0)\n" }.joined())
    #expect(try CLI.run(add("p", "P", db)).status == 0)
    #expect(
      try CLI.run([
        "notice", "send", "--subject", "S", "--body", "b", "--sent-at", "2021-01-02", "--sender", "hr", "--recipients-file", staff,
        "--db", db,
      ]).status == 0)
    // Readable by everyone, written by its owner alone (an auditors' read-only account).
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
    let outputs = dir.file("out")
    try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o1777])
    let fifo = outputs + "/recipients.csv"
    try #require(mkfifo(fifo, 0o666) == 0)
    try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: fifo)

    /// An export by nobody, held mid-stream on the FIFO while `meanwhile` runs.
    func heldExport(meanwhile: () throws -> Void) throws -> (status: Int32, message: String) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Self.nobody[0])
      process.arguments = Array(Self.nobody.dropFirst()) + [CLI.binary.path, "export", "recipients", "--output", fifo, "--db", db]
      let err = Pipe()
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      process.standardError = err
      try process.run()
      let reader = try #require(FileHandle(forReadingAtPath: fifo))
      // The first rows: the export is now reading and blocked on the FIFO's full buffer.
      let first = try reader.read(upToCount: 4096) ?? Data()
      #expect(first.count > 0)
      Thread.sleep(forTimeInterval: 0.3)
      try meanwhile()
      _ = try reader.readToEnd()
      let message = String(decoding: readToEnd(err.fileHandleForReading), as: UTF8.self)
      process.waitUntilExit()
      return (process.terminationStatus, message)
    }
    // What writes no byte of the file changes nothing: a chmod to the same mode and a hard
    // link change only its status-change time.
    let untouched = try heldExport {
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
      try FileManager.default.linkItem(atPath: db, toPath: folder + "/backup.db")
    }
    #expect(untouched.status == 0 && untouched.message.isEmpty, "\(untouched)")
    // A ledger of two names is not recorded in (WritePathsCLITests): the link goes first.
    try FileManager.default.removeItem(atPath: folder + "/backup.db")
    // The owner records; its connection, the last one, checkpoints into the file.
    let changed = try heldExport {
      let recorded = try CLI.run(add("q", "Q", db))
      #expect(recorded.status == 0)
    }
    #expect(changed.status == 2, "\(changed.message)")
    #expect(
      changed.message.hasPrefix("policy-ledger: error: the ledger at \(db) changed while it was read: another process recorded meanwhile"),
      "\(changed.message)")
    // Once nothing changes while it reads, the same user's queries answer.
    let verify = try CLI.run(["verify", "--db", db], launcher: Self.nobody)
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 3 entries verified"), "\(verify)")
  }

  /// Read without locks while the owner records: `verify` reads the ledger again (now with
  /// locks, since the owner's query left the -shm) and answers; `export --all` into a folder
  /// holding an earlier copy leaves that copy whole rather than files of two states.
  @Test(.enabled("setpriv cannot run the binary as the unprivileged user nobody here") { ReliabilityTests.canRunAsNobody })
  func aChangeWhileReadWithoutLocksIsReadAgainOrLeavesTheOldFiles() throws {
    let dir = try TemporaryDirectory()
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
    let folder = dir.file("ledgers")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = folder + "/ledger.db"
    let staff = try dir.write("staff.txt", (1...200_000).map { "E\($0)\n" }.joined())
    let sent = try CLI.run([
      "notice", "send", "--subject", "S", "--body", "b", "--sent-at", "2021-01-02", "--sender", "hr", "--recipients-file", staff,
      "--db", db,
    ])
    try #require(sent.status == 0, "\(sent)")
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
    /// Runs `arguments` as nobody; 0.3 s in, the owner records an entry and queries.
    func whileTheOwnerRecords(_ key: String, _ arguments: [String]) throws -> CLIResult {
      let owner = Thread {
        Thread.sleep(forTimeInterval: 0.3)
        _ = try? CLI.run(add(key, "T", db))
        _ = try? CLI.run(["head", "--db", db])
      }
      owner.start()
      let result = try CLI.run(arguments + ["--db", db], launcher: Self.nobody)
      while owner.isExecuting || !owner.isFinished { Thread.sleep(forTimeInterval: 0.05) }
      return result
    }
    // The owner's connection is gone when verify starts: no -shm, so it reads without locks.
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    let verify = try whileTheOwnerRecords("p", ["verify"])
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 2 entries verified"), "\(verify)")
    #expect(verify.stderr.isEmpty, "\(verify.stderr)")

    let copy = dir.file("copy")
    try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o777])
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    try #require(try CLI.run(["export", "--all", copy, "--db", db], launcher: Self.nobody).status == 0)
    func files() throws -> [String: String] {
      var hashes: [String: String] = [:]
      for name in try FileManager.default.contentsOfDirectory(atPath: copy) { hashes[name] = LedgerFiles.sha256(copy + "/" + name) }
      return hashes
    }
    let before = try files()
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    let again = try whileTheOwnerRecords("q", ["export", "--all", copy])
    if again.status == 0 {
      // The reads were over before the owner's checkpoint: a whole copy of one state.
      #expect(try files() != before)
    } else {
      #expect(again.status == 2 && again.stderr.contains("changed while it was read"), "\(again)")
      #expect(try files() == before, "the earlier copy is left whole")
    }
  }

  /// A recording or an import that cannot write says so of the ledger (the folder's case
  /// is the test above); an import does not blame a line of its file for it.
  @Test(.enabled("setpriv cannot run the binary as the unprivileged user nobody here") { ReliabilityTests.canRunAsNobody })
  func aLedgerThatCannotBeWrittenSaysWhy() throws {
    let dir = try TemporaryDirectory()
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.path)
    let folder = dir.file("ledgers")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = folder + "/ledger.db"
    try LedgerFiles.makeFullLedger(at: db)
    let versions = try dir.write("v.csv", "policy,title,body,effective_from\nq,T,B,2021-01-01\n")
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: versions)
    // The folder writable by everyone, the file by its owner alone.
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
    let file = "policy-ledger: error: cannot write the ledger at \(db): the file is read-only for this user; nothing was recorded\n"
    #expect(try CLI.run(add("p", "P", db), launcher: Self.nobody).stderr == file)
    #expect(try CLI.run(["import", "versions", versions, "--db", db], launcher: Self.nobody).stderr == file)
  }

  @Test(.enabled("setpriv cannot run the binary as the unprivileged user nobody here") { ReliabilityTests.canRunAsNobody })
  func aReadOnlyFolderWithUncheckpointedEntriesIsRefusedNotMisread() throws {
    let dir = try TemporaryDirectory()
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
    let source = dir.file("source.db")
    try LedgerFiles.makeFullLedger(at: source)
    let folder = dir.file("ledgers")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = folder + "/ledger.db"
    do {
      // A writer that never checkpointed (as if killed): its last entry lives only in the -wal.
      let writer = try Ledger(path: source, access: .readWrite)
      try writer.addVersion(
        NewVersion(policy: "late", title: "Late", body: Array("b".utf8), effectiveFrom: LedgerFiles.time("2021-01-01")),
        actor: "hr")
      try FileManager.default.copyItem(atPath: source, toPath: db)
      try FileManager.default.copyItem(atPath: source + "-wal", toPath: db + "-wal")
    }
    for file in [db, db + "-wal"] { try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file) }
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }

    let head = try CLI.run(["head", "--db", db], launcher: Self.nobody)
    #expect(head.isRefusal)
    #expect(head.stderr.contains("\(db)-wal holds entries not yet in the ledger file"), "\(head.stderr)")
    // Where the -shm can be made (root here), the entry in the -wal is read.
    #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("11:"))
  }

  // MARK: File modes

  @Test(.tags(.slow)) func newLedgerFilesAreCreatedWithMode0600EvenUnderAPermissiveUmask() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    let permissive = ["/bin/sh", "-c", "umask 000; exec \"$0\" \"$@\""]
    let added = try CLI.run(add("p", "P", db), launcher: permissive)
    #expect(added.status == 0, "\(added.stderr)")
    #expect(try LedgerFiles.mode(db) == 0o600)

    // The -wal and -shm exist while a writer works: catch them during a long notice send.
    let staff = dir.file("staff.txt")
    try Data((1...100_000).map { "E\($0)\n" }.joined().utf8).write(to: URL(fileURLWithPath: staff))
    var modes: [String: Int] = [:]
    _ = try KilledRun.run(
      [
        "notice", "send", "--subject", "S", "--body", "b", "--sent-at", "2020-01-01", "--sender", "hr", "--recipients-file",
        staff, "--db", db,
      ], after: 60, in: dir, launcher: permissive,
      until: {
        guard LedgerFiles.exists(db + "-wal"), LedgerFiles.exists(db + "-shm") else { return false }
        modes["-wal"] = try? LedgerFiles.mode(db + "-wal")
        modes["-shm"] = try? LedgerFiles.mode(db + "-shm")
        return true
      })
    #expect(modes == ["-wal": 0o600, "-shm": 0o600])
    #expect(try CLI.run(["verify", "--db", db]).status == 0)
  }
}
