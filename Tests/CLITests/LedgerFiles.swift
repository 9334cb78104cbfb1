import Foundation
import PolicyLedger
import Testing

/// Helpers the reliability and tamper tests share: a ledger holding every kind of entry,
/// the system `sqlite3` shell, and file fingerprints.
enum LedgerFiles {
  /// Records into a new ledger at `path` one of everything, so that every table and every
  /// nullable column holds a value, and returns its head. The ledger is closed on return
  /// (its -wal checkpointed and removed).
  ///
  ///     seq 1-5  the worked example: mobile-devices@1, @2, notice N-2020-07-10-0800 (to
  ///              E1001-E1004), E1004's ack, retraction R-2020-07-10-1400 (void_version)
  ///     seq 6    remote-work@1, with effective_until and an earlier announced_at
  ///     seq 7    notice N-REMOTE announcing it, by portal, to E1001, E3001, E3002
  ///     seq 8    amendment A-REMOTE of version remote-work@1 (both bounds), to the defaults
  ///     seq 9    E3001's ack of N-REMOTE (the last entry)
  ///
  /// Employees are numbered as they first arrive: E1001…E1004 are 1-4, E3001 5, E3002 6.
  @discardableResult
  static func makeFullLedger(at path: String) throws -> VerifyResult.Head {
    let ledger = try Ledger(path: path, access: .readWrite)
    try WorkedExample.record(into: ledger)
    let remote = VersionRef(policy: "remote-work", number: 1)
    try ledger.addVersion(
      NewVersion(
        policy: "remote-work", title: "Remote work", body: Array("Up to two days a week from home.\n".utf8),
        effectiveFrom: time("2021-01-01"), effectiveUntil: time("2022-01-01"), announcedAt: time("2020-12-01")),
      actor: "hr")
    try ledger.sendNotice(
      NewNotice(
        id: "N-REMOTE", subject: "Remote work from January", body: Array("See the new policy.\n".utf8),
        sentAt: time("2020-12-01T09:00:00Z"), sender: "hr", channel: "portal", announces: remote),
      recipients: RecipientList(["E1001", "E3001", "E3002"]), actor: "hr")
    try ledger.correct(
      NewCorrection(
        id: "A-REMOTE", kind: .amendment, target: .version(remote), issuedAt: time("2020-12-15"),
        statement: "Remote work starts in February.", reason: "wrong dates", effectiveFrom: time("2021-02-01"),
        effectiveUntil: time("2022-02-01")),
      recipients: .defaults, actor: "hr")
    try ledger.acknowledge(notice: "N-REMOTE", employee: "E3001", at: time("2020-12-02T10:00:00Z"), actor: "E3001")
    // Entry 10: the amendment delivered again, to a newcomer (rule 16).
    try ledger.resend("A-REMOTE", kind: .correction, sentAt: time("2020-12-16"), recipients: .named(RecipientList(["E4001"])), actor: "hr")
    return try #require(try ledger.head())
  }

  /// The worked example's story without its roster: its 5 entries, the welcome email (6)
  /// and the retraction's resend (7), as `demo` records them: for the suites whose proofs
  /// and checkpoints count on those 7 entries.
  static func makeStoryLedger(at path: String) throws {
    let ledger = try Ledger(path: path, access: .readWrite)
    try WorkedExample.record(into: ledger)
    try WorkedExample.recordNewStarter(into: ledger)
    try WorkedExample.resendRetraction(into: ledger)
  }

  static func time(_ text: String) -> Instant {
    try! Instant.parse(text)
  }

  /// `verify` of a full ledger (``makeFullLedger(at:)``) after the sqlite3 shell ran `sql`
  /// on it, as someone holding the file would.
  static func verifyFullLedger(after sql: String) throws -> CLIResult {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    try makeFullLedger(at: path)
    try sqlite3(path, sql)
    return try CLI.run(["verify", "--db", path])
  }

  /// Runs the system `sqlite3` shell on `path` with `sql`, behind the ledger's back.
  @discardableResult
  static func sqlite3(_ path: String, _ sql: String, options: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", "-bail"] + options + [path, sql]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    nonisolated(unsafe) var error = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      error = readToEnd(err.fileHandleForReading)
      group.leave()
    }
    let output = readToEnd(out.fileHandleForReading)
    group.wait()
    process.waitUntilExit()
    let message = String(decoding: error, as: UTF8.self)
    guard process.terminationStatus == 0, message.isEmpty else {
      throw LedgerError("sqlite3 \(path) failed (\(process.terminationStatus)): \(message) while running: \(sql)")
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// Changes the ledger with `sql` as an attacker would: drops `table`'s append-only
  /// triggers, runs `sql` (which must change at least one row), then puts the triggers back
  /// exactly as they were, so that only the data differs.
  static func tamper(_ path: String, table: String, _ sql: String) throws {
    // Trigger SQL spans lines: fields and rows are split on the ASCII unit and record separators.
    let triggers = try sqlite3(
      path, "SELECT 'DROP TRIGGER ' || name || ';', sql || ';' FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = '\(table)'",
      options: ["-separator", "\u{1F}", "-newline", "\u{1E}"]
    ).split(separator: "\u{1E}").map { $0.split(separator: "\u{1F}", maxSplits: 1).map(String.init) }
    // Every table is append-only but outstanding_people, which a delivery of a correction shrinks.
    #expect(triggers.count == (table == "outstanding_people" ? 0 : 2), "\(table) should have two append-only triggers")
    let drops = triggers.map { $0[0] }.joined(), creates = triggers.map { $0[1] }.joined(separator: " ")
    let changed = try sqlite3(path, "\(drops) \(sql); SELECT changes(); \(creates)")
    let count = Int(changed.split(separator: "\n").last.map(String.init) ?? "") ?? 0
    #expect(count >= 1, "the tampering changed nothing: \(sql)")
  }

  /// The SHA-256 of a file's bytes, in hex; nil when it does not exist.
  static func sha256(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return SHA256Hasher.hex(Array(data))
  }

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  /// The permission bits of a file.
  static func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
  }
}

extension CLIResult {
  /// The one line a refusal or a failed check prints: `policy-ledger: error: …`, nothing on
  /// stdout, and exit status 2 (an error) or 1 (a check found a mismatch).
  var isOneLineError: Bool {
    (status == 1 || status == 2) && stdout.isEmpty && stderr.hasPrefix("policy-ledger: error: ")
      && stderr.hasSuffix("\n") && stderr.dropLast().contains("\n") == false
  }

  /// A refusal: one line on stderr and exit status 2.
  var isRefusal: Bool { isOneLineError && status == 2 }
}
