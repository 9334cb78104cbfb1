import PolicyLedgerSQLite

extension Ledger {
  /// Recomputes the hash chain, rebuilds every projection and the Merkle tree from the
  /// journal and compares them with the ledger's tables, and every index with its table;
  /// with `expect`, also checks that the ledger still begins with that history; with
  /// `checkpoint`, that the ledger is an append-only extension of it (an RFC 6962
  /// consistency proof from the checkpoint's size). Reports the first bad entry.
  ///
  /// Whatever the file's bytes, it ends with a verdict: SQLite finding the file damaged
  /// while it is read is a failure, "the ledger file is damaged: …", not an error.
  /// - Throws: only for what is not the file's content: the file busy, unreadable, or
  ///   memory exhausted.
  public func verify(
    expect: VerifyResult.Head? = nil, checkpoint: SignedCheckpoint? = nil, progress: ((Int64) -> Void)? = nil
  ) throws -> VerifyResult {
    func checks() throws -> VerifyResult {
      try verifyJournal(expect: expect, checkpoint: checkpoint, progress: progress)
    }
    do {
      // One snapshot, and SQLite's own errors unchanged for the test below.
      return db.isAutocommit ? try db.inTransaction(.deferred, checks) : try checks()
    } catch let error as SQLiteError where Ledger.isDamage(error) {
      return VerifyResult(entries: 0, head: nil, failure: .init(seq: nil, message: "the ledger file is damaged: \(error.message)"))
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path)
    }
  }

  /// Whether SQLite's error comes from the bytes it read rather than from the machine:
  /// a malformed page or schema, a value of the wrong size or type.
  static func isDamage(_ error: SQLiteError) -> Bool {
    switch error.code {
    case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_FULL,
      SQLITE_INTERRUPT, SQLITE_READONLY, SQLITE_ABORT:
      false
    default: true
    }
  }
}
