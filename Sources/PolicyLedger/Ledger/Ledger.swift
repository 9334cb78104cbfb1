import Foundation
import PolicyLedgerSQLite

/// An open ledger file: the journal, its projections, and every query over them.
///
/// Recording opens the file for writing (creating it with mode 0600 when missing and
/// applying pending migrations); queries open it read-only and never create it.
///
///     let ledger = try Ledger(path: "policy-ledger.db", access: .readWrite)
///     let ref = try ledger.addVersion(NewVersion(policy: "mobile-devices", ...), actor: "hr")
public final class Ledger {
  public enum Access: Sendable {
    case readOnly
    case readWrite
  }

  public let path: String
  public let access: Access
  let db: Connection
  /// Every statement that names the schema: the domain asks it questions.
  let store: LedgerStore
  /// True inside ``batch(_:)``: each recording call then runs in a savepoint of the batch's transaction.
  private var inBatch = false

  /// Opens the ledger at `path`.
  /// - Throws: `LedgerError` "no ledger at PATH" for a read-only open of a missing file,
  ///   and a clear error for a file that is not a ledger or comes from a newer version.
  public init(path: String, access: Access) throws {
    self.path = path
    self.access = access
    switch access {
    case .readOnly:
      guard FileManager.default.fileExists(atPath: path) else { throw LedgerError(.notFound, "no ledger at \(path)") }
      try Ledger.checkFileType(path)
      db = try Ledger.openReadOnly(path)
    case .readWrite:
      try Ledger.checkFileType(path)
      try Ledger.createFileIfMissing(path)
      do {
        db = try Connection(path: path, mode: .readWriteCreate)
        // Know what the file is before changing anything in it: an unrelated database, or a
        // ledger that a newer policy-ledger wrote, is refused with its bytes untouched
        // (switching to WAL below would rewrite its header).
        _ = try Migrator().pending(in: db, path: path)
        try LedgerStore.configure(db)
        try Migrator().migrate(db, path: path)
      } catch let error as SQLiteError {
        throw Ledger.describe(error, path: path)
      }
    }
    store = LedgerStore(db)
  }

  /// Set for a ``temporary(directory:)`` ledger: its files go with it.
  private var removesFilesOnDeinit = false

  /// A ledger in a new temporary file (in `directory`, default the system's temporary
  /// folder), removed with its `-wal` and `-shm` files when the ledger is released.
  public static func temporary(directory: URL? = nil) throws -> Ledger {
    let folder = directory ?? FileManager.default.temporaryDirectory
    let path = folder.appendingPathComponent("policy-ledger-\(UUID().uuidString).db").path
    let ledger = try Ledger(path: path, access: .readWrite)
    ledger.removesFilesOnDeinit = true
    return ledger
  }

  deinit {
    guard removesFilesOnDeinit else { return }
    for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
  }

  private static func openReadOnly(_ path: String) throws -> Connection {
    func attempt(immutable: Bool) throws -> Connection {
      let db = try Connection(path: path, mode: .readOnly, immutable: immutable)
      try LedgerStore.configure(db)
      let pending = try Migrator().pending(in: db, path: path)
      if !pending.isEmpty {
        let names = pending.map(\.name).joined(separator: ", ")
        if pending.count == Migrator().migrations.count {
          throw LedgerError(.invalidInput, "'\(path)' is empty, not a policy-ledger ledger")
        }
        throw LedgerError(.refused, "the ledger at \(path) needs migration \(names); run 'policy-ledger migrate --db \(path)'")
      }
      return db
    }
    do {
      return try attempt(immutable: false)
    } catch let error as SQLiteError where error.code == SQLITE_CANTOPEN || error.code == SQLITE_READONLY {
      // A WAL ledger in a read-only folder: SQLite cannot create the -shm file that
      // readers share, so read the file as immutable (nobody can write it there).
      // https://www.sqlite.org/wal.html#readonly
      // Immutable reads see the main file only: entries still in a -wal (a writer was
      // killed before its checkpoint) would be silently missing, so refuse instead.
      let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
      if wal > 0 {
        throw LedgerError(.ioFailure,
          "cannot read the ledger at \(path): \(path)-wal holds entries not yet in the ledger file, and SQLite cannot create \(path)-shm to read them (a read-only folder); open it once where its folder is writable")
      }
      do {
        return try attempt(immutable: true)
      } catch let error as SQLiteError {
        throw describeOpening(error, path: path)
      }
    } catch let error as SQLiteError {
      throw describeOpening(error, path: path)
    }
  }

  /// ``describe(_:path:)`` for the checks made when a ledger is opened: their SQL is fixed
  /// and reads only the bookkeeping every ledger has, so an SQL error there ("no such column")
  /// means a schema that is not the migrations' — a damaged file, not a fault of the program.
  private static func describeOpening(_ error: SQLiteError, path: String) -> any Error {
    guard error.code == SQLITE_ERROR else { return describe(error, path: path) }
    return LedgerError(.damaged, "the ledger at \(path) is damaged (\(error.message)); restore it from a copy")
  }

  /// Refuses, before SQLite opens it, a path that is not a regular file: SQLite would wait
  /// forever on a FIFO, say "disk I/O error" on a device (and leave a `-journal` beside it),
  /// and "SQLite error 10" on a folder. A missing path passes (recording creates it).
  /// - Throws: `LedgerError` "'PATH' is a FIFO, not a ledger file".
  static func checkFileType(_ path: String) throws {
    var info = stat()
    guard stat(path, &info) == 0 else { return }
    let kind: String? =
      switch info.st_mode & S_IFMT {
      case S_IFREG: nil
      case S_IFDIR: "a directory"
      case S_IFIFO: "a FIFO"
      case S_IFCHR: "a character device"
      case S_IFBLK: "a block device"
      case S_IFSOCK: "a socket"
      default: "not a regular file"
      }
    if let kind { throw LedgerError(.invalidInput, "'\(path)' is \(kind), not a ledger file") }
  }

  /// Creates a missing ledger whole: the schema is written into a new file (mode 0600) beside
  /// `path` under a hidden temporary name, and only then linked to `path`, so that a process
  /// killed meanwhile leaves no ledger rather than a file that needs migrating. When another
  /// process links its new ledger first, that one is used.
  private static func createFileIfMissing(_ path: String) throws {
    func failure(_ code: Int32) -> LedgerError {
      LedgerError(.ioFailure, "cannot create a ledger at \(path): \(String(cString: strerror(code)))")
    }
    var existing = stat()
    if stat(path, &existing) == 0 { return }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let temporary = "\(folder)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).new"
    let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw failure(errno) }
    close(fd)
    defer {
      for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
    }
    do {
      // Closed at the end of the block: SQLite checkpoints the -wal into the file.
      let db = try Connection(path: temporary, mode: .readWriteCreate)
      try LedgerStore.configure(db)
      try Migrator().migrate(db, path: path)
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path)
    }
    if link(temporary, path) != 0 && errno != EEXIST { throw failure(errno) }
  }

  static func describe(_ error: SQLiteError, path: String) -> any Error {
    switch error.code {
    case SQLITE_NOTADB: LedgerError(.invalidInput, "'\(path)' is not a policy-ledger ledger (not an SQLite database)")
    case SQLITE_CORRUPT: LedgerError(.damaged, "the ledger at \(path) is damaged (\(error.message)); restore it from a copy")
    case SQLITE_CANTOPEN: LedgerError(.ioFailure, "cannot open the ledger at \(path): \(error.message)")
    default: error
    }
  }

  /// Runs `body` in one immediate transaction, turning SQLite's failures into ledger errors.
  /// Inside ``batch(_:)`` it runs in a savepoint instead, so that a refused entry leaves
  /// nothing behind while the entries before it stay in the batch.
  func write<T>(_ body: () throws -> T) throws -> T {
    guard access == .readWrite else { throw LedgerError(.refused, "the ledger at \(path) is open read-only") }
    do {
      return try inBatch ? db.inSavepoint(body) : db.inTransaction(.immediate, body)
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path)
    }
  }

  /// Records several entries in one transaction: all of them, or none when `body` throws.
  ///
  /// Each recording call inside `body` still appends exactly one entry together with the
  /// rows it projects, and a call that throws leaves nothing of its entry behind; the
  /// batch commits once, so a bulk load pays for one sync to disk rather than one per
  /// entry.
  ///
  ///     try ledger.batch {
  ///       for new in versions { try ledger.addVersion(new, actor: "hr") }
  ///     }
  public func batch<T>(_ body: () throws -> T) throws -> T {
    guard access == .readWrite else { throw LedgerError(.refused, "the ledger at \(path) is open read-only") }
    guard !inBatch else { return try body() }
    inBatch = true
    defer { inBatch = false }
    do {
      return try db.inTransaction(.immediate, body)
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path)
    }
  }

  /// Runs `body` in one read transaction so that every query sees one snapshot.
  func read<T>(_ body: () throws -> T) throws -> T {
    if !db.isAutocommit { return try body() }
    do {
      return try db.inTransaction(.deferred, body)
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path)
    }
  }

  /// The name recorded as the actor when none is given: `$POLICY_LEDGER_ACTOR`, else the login name.
  public static func defaultActor(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let actor = environment["POLICY_LEDGER_ACTOR"], !actor.isEmpty { return actor }
    if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
    return environment["USER"] ?? "unknown"
  }
}
