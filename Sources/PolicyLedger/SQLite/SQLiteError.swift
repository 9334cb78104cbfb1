import PolicyLedgerSQLite

/// A failure reported by SQLite.
///
/// It carries the extended result code, SQLite's message and the SQL text — never the
/// bound values, which may be personal data.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
  /// The extended result code (https://www.sqlite.org/rescode.html).
  public let extendedCode: Int32
  /// SQLite's message.
  public let message: String
  /// The SQL text that failed, when there was one (never the bound values).
  public let sql: String?
  /// The operating system's error number behind an I/O failure (`sqlite3_system_errno`),
  /// 0 when there was none or it is not known.
  public let systemErrno: Int32

  package init(extendedCode: Int32, message: String, sql: String? = nil, systemErrno: Int32 = 0) {
    self.extendedCode = extendedCode
    self.message = message
    self.sql = sql
    self.systemErrno = systemErrno
  }

  /// The primary result code: the low byte of the extended one.
  public var code: Int32 { extendedCode & 0xff }

  package var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
  package var isConstraint: Bool { code == SQLITE_CONSTRAINT }

  /// `SQLite error CODE: MESSAGE`, with the statement that failed.
  public var description: String {
    var text = "SQLite error \(extendedCode): \(message)"
    if let sql { text += " (while running: \(sql.split(whereSeparator: \.isNewline).joined(separator: " ")))" }
    return text
  }
}
