import PolicyLedgerSQLite

/// A prepared statement. It owns its handle and finalizes it when released.
@_spi(Benchmarks) public final class Statement {
  let handle: OpaquePointer
  package let sql: String
  unowned let connection: Connection

  init(connection: Connection, sql: String) throws {
    var handle: OpaquePointer?
    let code = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
    guard code == SQLITE_OK, let handle else {
      sqlite3_finalize(handle)
      throw connection.error(code: code, sql: sql)
    }
    self.handle = handle
    self.sql = sql
    self.connection = connection
  }

  deinit { sqlite3_finalize(handle) }

  /// Resets the statement and binds `values` to its parameters, in order.
  @discardableResult
  package func bind(_ values: [any SQLiteBindable]) throws -> Statement {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
    for (offset, value) in values.enumerated() {
      try bind(value.sqliteValue, at: Int32(offset + 1))
    }
    return self
  }

  private func bind(_ value: SQLiteValue, at index: Int32) throws {
    // SQLITE_TRANSIENT: SQLite copies the bytes before bind returns.
    // https://www.sqlite.org/c3ref/bind_blob.html
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    let code: Int32
    switch value {
    case .null:
      code = sqlite3_bind_null(handle, index)
    case .integer(let value):
      code = sqlite3_bind_int64(handle, index, value)
    case .real(let value):
      code = sqlite3_bind_double(handle, index, value)
    case .text(var text):
      code = text.withUTF8 { buffer in
        buffer.withMemoryRebound(to: CChar.self) { chars in
          // A zero-length text needs a non-NULL pointer to stay text rather than NULL.
          sqlite3_bind_text64(
            handle, index, chars.baseAddress ?? UnsafePointer(bitPattern: 1)!, sqlite3_uint64(chars.count), transient,
            UInt8(SQLITE_UTF8))
        }
      }
    case .blob(let bytes):
      code = bytes.withUnsafeBytes { buffer in
        // A zero-length blob needs a non-NULL pointer to stay a blob rather than NULL.
        sqlite3_bind_blob64(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, sqlite3_uint64(buffer.count), transient)
      }
    }
    guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
  }

  // MARK: Hot paths
  //
  // Binding through `[any SQLiteBindable]` boxes every value and allocates an array per
  // call; a loop that runs a statement a million times binds by index instead.

  /// Binds an integer to parameter `index` (1-based), keeping the other bindings.
  func bind(_ value: Int64, at index: Int32) throws {
    let code = sqlite3_bind_int64(handle, index, value)
    guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
  }

  /// Binds an integer, or NULL when nil, to parameter `index` (1-based), keeping the other bindings.
  func bind(_ value: Int64?, at index: Int32) throws {
    guard let value else {
      let code = sqlite3_bind_null(handle, index)
      guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
      return
    }
    try bind(value, at: index)
  }

  /// Binds a copy of `text` to parameter `index` (1-based), keeping the other bindings.
  func bind(text: String, at index: Int32) throws {
    var text = text
    let code = text.withUTF8 { utf8 in
      utf8.withMemoryRebound(to: CChar.self) { chars in
        sqlite3_bind_text64(
          handle, index, chars.baseAddress ?? UnsafePointer(bitPattern: 1)!, sqlite3_uint64(chars.count),
          unsafeBitCast(-1, to: sqlite3_destructor_type.self), UInt8(SQLITE_UTF8))
      }
    }
    guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
  }

  /// Binds `text` to parameter `index` without copying it, runs the statement to
  /// completion and resets it — all while SQLite may still read the bytes.
  func run(text: String, at index: Int32) throws {
    var text = text
    try text.withUTF8 { utf8 in
      // SQLITE_STATIC: the bytes stay valid until the statement is reset, below.
      // https://www.sqlite.org/c3ref/bind_blob.html
      let code = utf8.withMemoryRebound(to: CChar.self) { chars in
        sqlite3_bind_text64(
          handle, index, chars.baseAddress ?? UnsafePointer(bitPattern: 1)!, sqlite3_uint64(chars.count), nil, UInt8(SQLITE_UTF8))
      }
      guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
      defer {
        sqlite3_reset(handle)
        sqlite3_bind_null(handle, index)
      }
      while try step() {}
    }
  }

  /// Runs the statement with the parameters bound so far, then resets it.
  func runBound() throws {
    defer { sqlite3_reset(handle) }
    while try step() {}
  }

  /// Calls `body` for each row, with the parameters bound so far, then resets the statement.
  func forEachBound(_ body: (Row) throws -> Void) throws {
    defer { sqlite3_reset(handle) }
    while try step() { try body(row) }
  }

  /// Resets the statement, keeping its bindings: a read that stopped early lets go of its cursor.
  func reset() { sqlite3_reset(handle) }

  /// Steps once: true while a row is available, false when done.
  package func step() throws -> Bool {
    let code = sqlite3_step(handle)
    switch code {
    case SQLITE_DONE: return false
    case SQLITE_ROW: return true
    default:
      let error = connection.error(code: code, sql: sql)
      sqlite3_reset(handle)
      throw error
    }
  }

  package var row: Row { Row(handle: handle) }

  /// Runs the statement to completion, ignoring rows.
  package func run(_ values: [any SQLiteBindable] = []) throws {
    try bind(values)
    while try step() {}
    sqlite3_reset(handle)
  }

  /// Calls `body` for each row; stops early when it returns false.
  package func forEach(_ values: [any SQLiteBindable] = [], _ body: (Row) throws -> Void) throws {
    try bind(values)
    defer { sqlite3_reset(handle) }
    while try step() { try body(row) }
  }

  /// Maps every row.
  package func map<T>(_ values: [any SQLiteBindable] = [], _ transform: (Row) throws -> T) throws -> [T] {
    var result: [T] = []
    try forEach(values) { result.append(try transform($0)) }
    return result
  }

  /// The first row, mapped, or nil when there is none.
  @_spi(Benchmarks) public func first<T>(_ transform: (Row) throws -> T) throws -> T? {
    try first([], transform)
  }

  /// The first row, mapped, or nil when there is none.
  package func first<T>(_ values: [any SQLiteBindable], _ transform: (Row) throws -> T) throws -> T? {
    try bind(values)
    defer { sqlite3_reset(handle) }
    return try step() ? transform(row) : nil
  }
}
