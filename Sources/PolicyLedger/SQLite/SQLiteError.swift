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

  package init(extendedCode: Int32, message: String, sql: String? = nil) {
    self.extendedCode = extendedCode
    self.message = message
    self.sql = sql
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
