import PolicyLedgerSQLite

extension Ledger {
  /// Runs `verify`'s checks in one read transaction, as ``read(_:)`` does, except that an
  /// SQLite error that comes from the file's bytes ends them with a verdict rather than an
  /// error: "the ledger file is damaged: …" (exit 1, as for any other mismatch).
  func readVerdict(_ checks: () throws -> VerifyResult) throws -> VerifyResult {
    do {
      // SQLite's own error, not yet described, for the test below.
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
