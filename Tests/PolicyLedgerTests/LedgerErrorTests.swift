import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger
import PolicyLedgerSQLite

/// Each kind of failure carries its code, for a caller to switch on; the message stays the
/// one line the command line prints.
@Suite struct LedgerErrorTests {
  @Test func aNameTheLedgerNeverRecordedIsNotFound() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    expectLedgerError("no policy 'nope'", code: .notFound) { try ledger.history("nope") }
    expectLedgerError(
      "no notice 'N404' in this ledger (list notices with 'policy-ledger notices')", code: .notFound
    ) { try ledger.outstanding(notice: "N404") { _ in } }
    expectLedgerError(
      "no notice 'N404' in this ledger (list notices with 'policy-ledger notices')", code: .notFound
    ) { try ledger.acknowledge(notice: "N404", employee: "E1", at: at("2020-08-01T00:00:00Z"), actor: "t") }
    expectLedgerError(
      "no notice, correction or version 'nope' in this ledger (name a version as KEY@N)", code: .notFound
    ) { try ledger.show("nope") }
    expectLedgerError(
      "no notice, correction or version 'nope' in this ledger (name a version as KEY@N)", code: .notFound
    ) { try ledger.seq(ofEntry: "nope") }
    expectLedgerError("policy 'mobile-devices' has no version 9 (its latest is 2)", code: .notFound) { try ledger.show("mobile-devices@9") }
  }

  @Test func badInputAClashAndARuleEachHaveTheirCode() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    expectLedgerError("invalid --title '': must not be empty", code: .invalidInput) {
      try ledger.addVersion(
        NewVersion(policy: "p", title: "", body: [], effectiveFrom: at("2020-01-01T00:00:00Z")), actor: "t")
    }
    expectLedgerError(
      "invalid --id '\(WorkedExample.noticeID)': a notice or correction with that id already exists", code: .conflict
    ) {
      try ledger.sendNotice(
        NewNotice(id: WorkedExample.noticeID, subject: "S", body: [], sentAt: at("2020-08-01T00:00:00Z"), sender: "hr"),
        recipients: RecipientList(["E1"]), actor: "t")
    }
    let readOnly = try Ledger(path: ledger.path, access: .readOnly)
    expectLedgerError("the ledger at \(ledger.path) is open read-only", code: .refused) {
      try readOnly.addVersion(NewVersion(policy: "p", title: "T", body: [], effectiveFrom: at("2020-01-01T00:00:00Z")), actor: "t")
    }
  }

  @Test func aProofThatDoesNotFitItsTreeIsInvalidInput() throws {
    expectLedgerError("the inclusion proof has fewer hashes than a tree of 4 leaves needs", code: .invalidInput) {
      try MerkleProof.root(fromInclusionProof: [], index: 0, size: 4, leafHash: Merkle.leafHash([1]))
    }
  }

  @Test func aPayloadThatDoesNotDecodeIsDamage() throws {
    let error = #expect(throws: LedgerError.self) { try EntryPayload.decode(kind: "rumour", bytes: []) }
    #expect(error?.code == .damaged)
  }

  /// A correction of a kind this version does not know is refused, not read as an
  /// amendment: the queries that read corrections say so instead of answering.
  @Test func aStoredCorrectionOfAnUnknownKindIsRefusedByTheQueries() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    try db.execute("DROP TRIGGER corrections_no_update")
    try db.execute("PRAGMA ignore_check_constraints = ON")
    try db.execute("UPDATE corrections SET kind = 'withdrawal'")
    let message = "the corrections table holds a correction of unknown kind 'withdrawal'; run 'policy-ledger verify'"
    let reader = try Ledger(path: ledger.path, access: .readOnly)
    expectLedgerError(message, code: .damaged) { try reader.history(WorkedExample.policy) }
    expectLedgerError(message, code: .damaged) { try reader.timeline(policy: WorkedExample.policy) }
    expectLedgerError(message, code: .damaged) { try reader.outstanding { _ in } }
  }

  /// SQLite's failures of the file or the machine are the ledger's, in words, never
  /// "database is locked" or a line of an imported file; "nothing was recorded" only where
  /// no commit can have come before (a recording's transaction).
  @Test func failuresOfTheFileAreDescribedAsTheLedgers() throws {
    // A path this process may not write (it does not exist), as SQLite would have found it.
    func described(_ code: Int32, recording: Bool = true) -> String {
      "\(Ledger.describe(SQLiteError(extendedCode: code, message: "m"), path: "/nonexistent/l.db", recording: recording))"
    }
    #expect(
      described(SQLITE_BUSY)
        == "the ledger at /nonexistent/l.db stayed locked by another process past the 60-second wait; nothing was recorded (a program holding a transaction open on it, such as an sqlite3 shell after BEGIN?)"
    )
    #expect(
      described(SQLITE_BUSY, recording: false)
        == "the ledger at /nonexistent/l.db stayed locked by another process past the 60-second wait (a program holding a transaction open on it, such as an sqlite3 shell after BEGIN?)",
      "a query records nothing and says nothing of it")
    #expect(described(SQLITE_FULL) == "cannot write the ledger at /nonexistent/l.db: the disk is full; nothing was recorded")
    #expect(
      described(1544)
        == "cannot write the ledger at /nonexistent/l.db: the file is read-only for this user, and so is its folder, where SQLite keeps the ledger's -wal and -shm files; nothing was recorded")
    // A file this process may write, in a folder it may write: SQLite's own reason.
    let writable = FileManager.default.temporaryDirectory.appendingPathComponent("policy-ledger-\(UUID().uuidString).db").path
    #expect(FileManager.default.createFile(atPath: writable, contents: Data()))
    defer { try? FileManager.default.removeItem(atPath: writable) }
    #expect(
      "\(Ledger.describe(SQLiteError(extendedCode: 1544, message: "m"), path: writable, recording: true))"
        == "cannot write the ledger at \(writable): its folder cannot be written, and SQLite keeps the ledger's -wal and -shm files there; nothing was recorded")
    #expect(
      "\(Ledger.describe(SQLiteError(extendedCode: 520, message: "attempt to write a readonly database"), path: writable))"
        == "cannot write the ledger at \(writable): attempt to write a readonly database (SQLite error 520)")
    #expect(Ledger.machineFailure(SQLiteError(extendedCode: SQLITE_CONSTRAINT, message: "m"), path: "l.db") == nil, "an input's fault stays the line's")
    #expect(Ledger.machineFailure(SQLiteError(extendedCode: SQLITE_BUSY, message: "m"), path: "l.db") != nil)
  }

  /// The host learns of a commit that wrote an entry, and of nothing else: a read's COMMIT
  /// is no entry (`ack --receipt --origin` reads before it records).
  @Test func afterCommitIsCalledForWritesAlone() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    var commits = 0
    ledger.afterCommit = { commits += 1 }
    _ = try ledger.policies(at: Instant(microseconds: 0))
    _ = try ledger.history(WorkedExample.policy)
    #expect(commits == 0)
    _ = try ledger.addVersion(
      NewVersion(policy: "p", title: "T", body: Array("B".utf8), effectiveFrom: Instant(microseconds: 0)), actor: "t")
    #expect(commits == 1)
  }
}
