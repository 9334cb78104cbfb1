import PolicyLedgerSQLite

/// The current row of a stepping statement. Valid only until the next step.
@_spi(Benchmarks) public struct Row {
  let handle: OpaquePointer

  package var count: Int { Int(sqlite3_column_count(handle)) }

  package func isNull(_ index: Int) -> Bool {
    sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
  }

  /// Column `index` (0-based) as a 64-bit integer.
  @_spi(Benchmarks) public func int64(_ index: Int) -> Int64 {
    sqlite3_column_int64(handle, Int32(index))
  }

  /// Column `index` (0-based) as an `Int`.
  @_spi(Benchmarks) public func int(_ index: Int) -> Int { Int(int64(index)) }

  package func optionalInt64(_ index: Int) -> Int64? {
    isNull(index) ? nil : int64(index)
  }

  /// The column as text; exact bytes, embedded NULs included.
  package func string(_ index: Int) -> String {
    let bytes = sqlite3_column_text(handle, Int32(index))
    let count = Int(sqlite3_column_bytes(handle, Int32(index)))
    guard let bytes else { return "" }
    return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
  }

  /// The column's text bytes, without making a String: valid only until the next step.
  func text(_ index: Int) -> UnsafeRawBufferPointer {
    let bytes = sqlite3_column_text(handle, Int32(index))
    let count = Int(sqlite3_column_bytes(handle, Int32(index)))
    guard let bytes else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: bytes, count: count)
  }

  package func optionalString(_ index: Int) -> String? {
    isNull(index) ? nil : string(index)
  }

  package func blob(_ index: Int) -> [UInt8] {
    // > The pointer returned by sqlite3_column_blob() ... call sqlite3_column_bytes()
    // > after sqlite3_column_blob() to find the size.
    // https://www.sqlite.org/c3ref/column_blob.html
    let pointer = sqlite3_column_blob(handle, Int32(index))
    let count = Int(sqlite3_column_bytes(handle, Int32(index)))
    guard let pointer, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
  }

  package func value(_ index: Int) -> SQLiteValue {
    switch sqlite3_column_type(handle, Int32(index)) {
    case SQLITE_INTEGER: .integer(int64(index))
    case SQLITE_FLOAT: .real(sqlite3_column_double(handle, Int32(index)))
    case SQLITE_TEXT: .text(string(index))
    case SQLITE_BLOB: .blob(blob(index))
    default: .null
    }
  }
}

/// A query's result columns by name: each case is a column, at its place in the
/// declaration, so a reader names the column it wants instead of counting to it.
protocol NamedColumns: RawRepresentable where RawValue == Int {}

/// ``NamedColumns`` that also carry their SQL expression `sql`, so that the SELECT list
/// is built from the same cases and the list and its readers cannot drift apart.
///
///     enum Columns: Int, ResultColumns { case seq, id; var sql: String { ... } }
///     let select = "SELECT \(Columns.selectList) FROM ..."   // kept in a static let
///     row.int64(Columns.seq)
protocol ResultColumns: NamedColumns, CaseIterable {
  var sql: String { get }
}

extension ResultColumns {
  /// The columns' expressions, in order, for a SELECT list.
  ///
  /// Joined by hand: `joined(separator:)` here ran unspecialised, and its first use looks up
  /// the associated types of `[String]` through the Swift runtime, a scan of every
  /// conformance record in the binary (0.27 M instructions of a one-query CLI run).
  static var selectList: String {
    var list = ""
    for column in allCases {
      if !list.isEmpty { list += ", " }
      list += column.sql
    }
    return list
  }

  /// The same list with `NULL` in place of each column `isNull` picks: for a variant of a
  /// statement that leaves out the joins those columns read, whose readers keep their places.
  static func selectList(nullWhere isNull: (Self) -> Bool) -> String {
    selectList { isNull($0) ? "NULL" : $0.sql }
  }

  /// The list with each column's expression as `expression` gives it: for a variant of a
  /// statement whose columns come from other tables, whose readers keep their places.
  static func selectList(_ expression: (Self) -> String) -> String {
    var list = ""
    for column in allCases {
      if !list.isEmpty { list += ", " }
      list += expression(column)
    }
    return list
  }
}

extension Row {
  func int64<C: NamedColumns>(_ column: C) -> Int64 { int64(column.rawValue) }
  func optionalInt64<C: NamedColumns>(_ column: C) -> Int64? { optionalInt64(column.rawValue) }
  func string<C: NamedColumns>(_ column: C) -> String { string(column.rawValue) }
  func optionalString<C: NamedColumns>(_ column: C) -> String? { optionalString(column.rawValue) }
  func blob<C: NamedColumns>(_ column: C) -> [UInt8] { blob(column.rawValue) }
  func bool<C: NamedColumns>(_ column: C) -> Bool { int64(column.rawValue) != 0 }
}
