import Foundation
import PolicyLedgerSQLite

/// One SQLite connection. It owns its handle and closes it when released.
///
/// A connection is used from one thread at a time; the ledger opens one per process.
@_spi(Benchmarks) public final class Connection {
  @_spi(Benchmarks) public enum Mode: Sendable {
    /// Open an existing file for reading only; never create one.
    case readOnly
    /// Open for reading and writing, creating the file (mode 0600) when missing.
    case readWriteCreate
    /// A private, temporary database that lives only as long as the connection.
    case temporary
  }

  package enum TransactionKind: String, Sendable {
    case deferred = "DEFERRED"
    case immediate = "IMMEDIATE"
  }

  let handle: OpaquePointer
  package let path: String
  package let mode: Mode
  /// Opened with `immutable=1`: a read-only file in a read-only folder.
  package let isImmutable: Bool
  /// The statements of ``cached(_:)``, found by their SQL. A list rather than a
  /// `[String: Statement]`: the first dictionary with `String` keys makes the Swift runtime
  /// look up `String: Hashable` by scanning every conformance record in the binary
  /// (0.38 M instructions of a one-query CLI run; docs/performance.md). A connection caches
  /// a few dozen statements at most; a lookup compares the SQL's length, then its text (at
  /// once when it is the same string object), and never hashes it.
  private var cache: [Statement] = []

  /// How long a writer waits for another process's lock before giving up.
  package static let busyTimeoutMilliseconds: Int32 = 60_000

  /// Process-wide settings, applied once before the first connection initializes SQLite.
  /// Without memory statistics an allocation takes no global mutex; Debian's SQLite is
  /// built without lookaside memory, so each statement run allocates and frees several times.
  /// Without the page cache's bulk allocation a connection does not fault in 20 pages'
  /// worth of cache that a read through the memory map leaves unused.
  private static let configureProcess: Void = {
    _ = policy_ledger_sqlite3_disable_memstatus()
    _ = policy_ledger_sqlite3_no_page_cache_bulk_allocation()
  }()

  /// Opens the database at `path` in `mode`; `immutable` reads a file that nobody can change without locking.
  @_spi(Benchmarks) public init(path: String, mode: Mode, immutable: Bool = false) throws {
    Connection.configureProcess
    var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
    switch mode {
    case .readOnly: flags |= SQLITE_OPEN_READONLY
    case .readWriteCreate, .temporary: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
    }
    let name: String
    switch mode {
    case .temporary: name = ""
    case .readOnly where immutable: name = Connection.fileURI(path) + "?mode=ro&immutable=1"
    default: name = Connection.fileURI(path)
    }
    var handle: OpaquePointer?
    let code = sqlite3_open_v2(name, &handle, flags, nil)
    guard code == SQLITE_OK, let handle else {
      // > Whether or not an error occurs when it is opened, resources associated with
      // > the database connection handle should be released by passing it to
      // > sqlite3_close() when it is no longer required.
      // https://www.sqlite.org/c3ref/open.html
      let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
      let systemErrno = handle.map { sqlite3_system_errno($0) } ?? 0
      sqlite3_close_v2(handle)
      throw SQLiteError(extendedCode: code, message: message, systemErrno: systemErrno)
    }
    self.handle = handle
    self.path = path
    self.mode = mode
    self.isImmutable = immutable
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_timeout(handle, Connection.busyTimeoutMilliseconds)
  }

  deinit {
    sqlite3_wal_hook(handle, nil, nil)
    cache.removeAll()
    sqlite3_close_v2(handle)
  }

  /// Called as soon as a write transaction has committed, with SIGINT and SIGTERM held
  /// (blocked) from before `COMMIT` until it has returned: a handler for them runs either
  /// before the commit was attempted, or after `afterCommit` (or a failed `COMMIT`), never
  /// while the outcome is unknown. A command line that says "nothing was recorded" when
  /// interrupted learns here that this is no longer so.
  ///
  /// SQLite's write of the WAL reaches the kernel before its `fsync` returns, so a process
  /// that ended during that `fsync` would still have committed: hence the held signals. The
  /// checkpoint SQLite runs inside a `COMMIT` once the WAL holds 1,000 pages (its WAL hook)
  /// is moved after it, so that the signals are held only for the commit itself.
  package var afterCommit: (() -> Void)? {
    didSet {
      if afterCommit == nil {
        // SQLite's own hook back: its automatic checkpoint at 1,000 pages.
        if oldValue != nil { sqlite3_wal_autocheckpoint(handle, 1000) }
        return
      }
      guard oldValue == nil else { return }
      sqlite3_wal_hook(
        handle,
        { context, _, _, pages in
          if let context {
            let connection = Unmanaged<Connection>.fromOpaque(context).takeUnretainedValue()
            connection.walPages = pages
            connection.wroteWAL = true
          }
          return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }
  }

  /// The WAL's size in pages after the last commit, while ``afterCommit`` replaces SQLite's
  /// automatic checkpoint.
  private var walPages: Int32 = 0
  /// Set by the WAL hook, which SQLite calls only for a commit that wrote: a read
  /// transaction's `COMMIT` (`Ledger.read`) is no entry recorded.
  private var wroteWAL = false

  /// Commits the open transaction; with ``afterCommit`` set, with the signals held around
  /// it, and then checkpoints as SQLite's own WAL hook would have inside the commit.
  private func commit() throws {
    guard let afterCommit else { return try execute("COMMIT") }
    wroteWAL = false
    try Connection.holdingInterrupts {
      try execute("COMMIT")
      if wroteWAL { afterCommit() }
    }
    if walPages >= 1000 {
      walPages = 0
      sqlite3_wal_checkpoint(handle, nil)
    }
  }

  /// Runs `body` with SIGINT and SIGTERM blocked in this thread (the command line's only
  /// one while it records); one that arrives meanwhile is delivered when `body` returns or
  /// throws.
  package static func holdingInterrupts<T>(_ body: () throws -> T) throws -> T {
    var held = sigset_t()
    var previous = sigset_t()
    sigemptyset(&held)
    sigaddset(&held, SIGINT)
    sigaddset(&held, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &held, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
  }

  /// A `file:` URI for a path, with the characters that URIs reserve escaped.
  /// https://www.sqlite.org/uri.html
  ///
  /// Every UTF-8 byte that `keepsInURIPath` refuses becomes `%XX`: the same text as Foundation's
  /// `addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)` (without `?#%`), which
  /// a test checks, written out because Foundation's went through NSString and
  /// initialised CoreFoundation — a tenth of the instructions of a one-query CLI run.
  static func fileURI(_ path: String) -> String {
    var bytes = Array("file:".utf8)
    bytes.reserveCapacity(bytes.count + path.utf8.count)
    let hex = Array("0123456789ABCDEF".utf8)
    for byte in path.utf8 {
      if keepsInURIPath(byte) {
        bytes.append(byte)
      } else {
        bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Whether a URI path keeps `byte` as it is: RFC 3986's unreserved characters, the
  /// sub-delimiters but `;`, and `:`, `@` and `/`.
  static func keepsInURIPath(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    default:
      return "-._~!$&'()*+,=:@/".utf8.contains(byte)
    }
  }

  func error(code: Int32, sql: String?) -> SQLiteError {
    let extended = sqlite3_extended_errcode(handle)
    let message = String(cString: sqlite3_errmsg(handle))
    return SQLiteError(
      extendedCode: (extended & 0xff) == (code & 0xff) ? extended : code, message: message, sql: sql,
      systemErrno: sqlite3_system_errno(handle))
  }

  /// Runs one or more statements that take no parameters.
  package func execute(_ sql: String) throws {
    let code = sqlite3_exec(handle, sql, nil, nil, nil)
    guard code == SQLITE_OK else { throw error(code: code, sql: sql) }
  }

  /// A new prepared statement, owned by the caller.
  @_spi(Benchmarks) public func prepare(_ sql: String) throws -> Statement {
    try Statement(connection: self, sql: sql)
  }

  /// A prepared statement kept for reuse on hot paths.
  package func cached(_ sql: String) throws -> Statement {
    let length = sql.utf8.count
    for statement in cache where statement.sql.utf8.count == length && statement.sql == sql { return statement }
    let statement = try Statement(connection: self, sql: sql)
    cache.append(statement)
    return statement
  }

  /// Whether the main database has a table, not a view, named `name`. SQLite's column
  /// metadata lookup: it reads the schema but prepares no statement.
  /// https://www.sqlite.org/c3ref/table_column_metadata.html
  /// > If the column-name parameter to sqlite3_table_column_metadata() is a NULL pointer,
  /// > then this routine simply checks for the existence of the table and returns SQLITE_OK
  /// > if the table exists and SQLITE_ERROR if it does not.
  /// > If the specified table is actually a view, an error code is returned.
  /// Any other code (a schema that cannot be read) is thrown.
  package func hasTable(_ name: String) throws -> Bool {
    let code = sqlite3_table_column_metadata(handle, "main", name, nil, nil, nil, nil, nil, nil)
    if code == SQLITE_OK { return true }
    if code == SQLITE_ERROR { return false }
    throw error(code: code, sql: nil)
  }

  package var changes: Int { Int(sqlite3_changes64(handle)) }
  package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
  package var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

  /// Copies the write-ahead log into the database file. Waiting for readers (TRUNCATE), it
  /// copies every page and empties the log, so that the file alone holds every commit;
  /// otherwise (PASSIVE) it copies what it can at once. False when it could not finish.
  /// https://www.sqlite.org/pragma.html#pragma_wal_checkpoint
  /// > TRUNCATE: This mode works the same way as RESTART with the addition that it also
  /// > truncates the log file to zero bytes just prior to a successful return.
  /// > PASSIVE: Checkpoint as many frames as possible without waiting for any database
  /// > readers or writers to finish
  /// The first column of its row is 1 when the checkpoint was blocked.
  ///
  /// TRUNCATE waits for the readers at most ``checkpointWaitMilliseconds``, not the
  /// 60-second busy timeout: while it waits it holds the write lock, so every recording
  /// command of every process waited with it, behind any long query (an export read by a
  /// slow pipe, an sqlite3 shell left in a transaction). Past that wait it copies what it can
  /// (PASSIVE), and the rest reaches the file with SQLite's next checkpoint.
  @discardableResult
  package func checkpoint(waitingForReaders: Bool) throws -> Bool {
    guard waitingForReaders else { return try checkpoint("PASSIVE") }
    sqlite3_busy_timeout(handle, Connection.checkpointWaitMilliseconds)
    defer { sqlite3_busy_timeout(handle, Connection.busyTimeoutMilliseconds) }
    do {
      if try checkpoint("TRUNCATE") { return true }
    } catch let error as SQLiteError where error.isBusy {}
    return try checkpoint("PASSIVE")
  }

  /// How long a checkpoint that empties the log waits for readers.
  package static let checkpointWaitMilliseconds: Int32 = 1_000

  private func checkpoint(_ mode: String) throws -> Bool {
    try prepare("PRAGMA wal_checkpoint(\(mode))").first { $0.int64(0) == 0 } ?? true
  }

  /// Runs `body`, and again after a pause (up to five times) while it fails with
  /// `SQLITE_BUSY`: what SQLite answers at once, without its busy handler, when waiting
  /// could deadlock (two connections that both hold a read lock and both want the file),
  /// and what escapes when the busy timeout ran out.
  package func retryingBusy<T>(_ body: () throws -> T) throws -> T {
    var attempt = 0
    while true {
      do {
        return try body()
      } catch let error as SQLiteError where error.isBusy && attempt < 5 {
        attempt += 1
        usleep(useconds_t(50_000 * attempt))
      }
    }
  }

  /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
  ///
  /// `.immediate` takes the write lock at once, so that two writers never deadlock on
  /// a lock upgrade; SQLite's busy handler waits for the other writer. A `SQLITE_BUSY`
  /// that still escapes (the timeout ran out) is retried a few times with a pause.
  package func inTransaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
    try retryingBusy { try execute("BEGIN \(kind.rawValue)") }
    do {
      let result = try body()
      try commit()
      return result
    } catch {
      if !isAutocommit { try? execute("ROLLBACK") }
      throw error
    }
  }

  /// Runs `body` inside the open transaction as a savepoint: released when it returns,
  /// rolled back (and released) when it throws, leaving the rest of the transaction as it was.
  /// https://www.sqlite.org/lang_savepoint.html
  package func inSavepoint<T>(_ body: () throws -> T) throws -> T {
    try execute("SAVEPOINT entry")
    do {
      let result = try body()
      try execute("RELEASE entry")
      return result
    } catch {
      try? execute("ROLLBACK TO entry")
      try? execute("RELEASE entry")
      throw error
    }
  }
}
