import Foundation
import PolicyLedgerSQLite

/// `verify`'s ``ProjectionStore``: every row the journal's replay gives is compared with
/// the ledger's next stored row of that table. Each projected table is read once, in
/// journal order, by one cursor (its primary key or a unique index gives that order), so
/// nothing is copied into a scratch database and nothing is sorted.
///
/// What earlier entries numbered is looked up in the ledger itself, through its indexes,
/// limited to rows of earlier entries: every such row was compared when its own entry was
/// replayed, so while nothing has differed yet the ledger's answer is the replay's, and
/// once something has, only the first difference is reported. Policy numbers are kept in
/// memory (one per policy) because every version needs one.
final class ProjectionCheck: ProjectionStore {
  private let store: LedgerStore
  /// Keyed by the key's UTF-8 bytes, as SQLite compares them: Swift's `String` equality
  /// would make "café" and "cafe\u{301}", two policies, one.
  private var policies: [[UInt8]: Int64] = [:]
  /// Stored policy rows numbered below the next one expected: rows no entry accounts for.
  private var extraPolicies: Int64 = 0
  private let policyRows: Cursor
  private let cursors: [Cursor]
  /// The first difference in each table (rows come in entry order, so it is the earliest).
  private(set) var findings: [VerifyFailure] = []

  /// One stored table, read in entry order.
  private final class Cursor {
    let table: String
    let statement: Statement
    let entryColumn: Int
    var hasRow: Bool
    /// Set at the table's first difference: later rows are not compared.
    var differed = false

    init(_ db: Connection, table: String, sql: String, entryColumn: Int) throws {
      self.table = table
      self.entryColumn = entryColumn
      statement = try db.prepare(sql)
      try statement.bind([])
      hasRow = try statement.step()
    }

    var row: Row { statement.row }
    var entry: Int64 { statement.row.int64(entryColumn) }
    func advance() throws { hasRow = try statement.step() }
  }

  init(store: LedgerStore) throws {
    self.store = store
    let db = store.db
    policyRows = try Cursor(db, table: "policies", sql: "SELECT id, key FROM policies ORDER BY id", entryColumn: 0)
    cursors = try ProjectedTable.allCases.map {
      try Cursor(db, table: $0.name, sql: $0.scanSQL, entryColumn: $0.entryColumn)
    }
  }

  /// Notes a difference that belongs to entry `seq` (nil: to no entry).
  func found(_ seq: Int64?, _ message: String) {
    findings.append(VerifyFailure(seq, message))
  }

  private func differs(_ cursor: Cursor, at seq: Int64?) {
    cursor.differed = true
    found(seq, "the \(cursor.table) table does not match the journal")
  }

  // MARK: ProjectionStore

  func policyID(_ key: String) throws -> Int64? { policies[Array(key.utf8)] }

  /// Policies are numbered 1, 2, 3… as their keys first appear (SQLite gives a new row the
  /// highest number plus one, and no row is ever removed).
  func addPolicy(_ key: String, entry seq: Int64) throws -> Int64 {
    let id = Int64(policies.count) + 1
    policies[Array(key.utf8)] = id
    let cursor = policyRows
    guard !cursor.differed else { return id }
    // Every earlier number matched: a lower one here is a row added beside them.
    while cursor.hasRow && cursor.row.int64(0) < id {
      extraPolicies += 1
      try cursor.advance()
    }
    if !cursor.hasRow || cursor.row.int64(0) != id || !cursor.row.holds(.text(key), at: 1) {
      differs(cursor, at: seq)
    } else {
      try cursor.advance()
    }
    return id
  }

  func version(_ ref: VersionRef, before seq: Int64) throws -> (seq: Int64, policy: Int64)? {
    try store.version(ref, before: seq)
  }

  func notice(_ id: String, before seq: Int64) throws -> (seq: Int64, announces: Int64?, policy: Int64?)? {
    try store.notice(id, before: seq)
  }

  func message(_ id: String, before seq: Int64) throws -> Int64? {
    try store.message(id, before: seq)
  }

  /// The directory number the ledger has for the employee; employees are numbered as
  /// recipients arrive, which the journal does not record, so the name is what is checked
  /// (and -1, which no row holds, when the directory lacks it).
  func employee(_ name: String) throws -> Int64 { try store.employeeID(name) ?? -1 }

  func add(_ table: ProjectedTable, entry seq: Int64, _ values: [any SQLiteBindable]) throws {
    let cursor = cursors[table.index]
    guard !cursor.differed else { return }
    guard cursor.hasRow else { return differs(cursor, at: seq) }
    let stored = cursor.entry
    // A stored row of an earlier entry that the replay did not give is one too many; one of
    // a later entry means this entry's row is missing.
    if stored != seq { return differs(cursor, at: min(stored, seq)) }
    for (index, value) in values.enumerated() where !cursor.row.holds(value.sqliteValue, at: index) {
      return differs(cursor, at: seq)
    }
    try cursor.advance()
  }

  /// After the last entry: stored rows that no entry gave.
  func finish() throws {
    for cursor in cursors where !cursor.differed && cursor.hasRow { differs(cursor, at: cursor.entry) }
    var extra = extraPolicies
    if !policyRows.differed {
      while policyRows.hasRow {
        extra += 1
        try policyRows.advance()
      }
    }
    if extra > 0 {
      found(nil, "the policies table has \(extra == 1 ? "1 row" : "\(extra) rows") that no entry accounts for")
    }
  }
}

extension Row {
  /// Whether the column holds exactly `value`: the same storage class and, for text and
  /// blobs, the same bytes (Swift's `==` on strings would accept another normalisation).
  func holds(_ value: SQLiteValue, at index: Int) -> Bool {
    let column = Int32(index)
    let type = sqlite3_column_type(handle, column)
    switch value {
    case .null: return type == SQLITE_NULL
    case .integer(let n): return type == SQLITE_INTEGER && sqlite3_column_int64(handle, column) == n
    case .real(let d): return type == SQLITE_FLOAT && sqlite3_column_double(handle, column) == d
    case .text(var text):
      guard type == SQLITE_TEXT else { return false }
      let stored = self.text(index)
      return text.withUTF8 { Row.sameBytes(stored, UnsafeRawBufferPointer($0)) }
    case .blob(let bytes):
      guard type == SQLITE_BLOB else { return false }
      let pointer = sqlite3_column_blob(handle, column)
      let stored = UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
      return bytes.withUnsafeBytes { Row.sameBytes(stored, $0) }
    }
  }

  private static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
  }
}
