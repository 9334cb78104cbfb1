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
  /// How a ledger is opened.
  public enum Access: Sendable {
    /// Queries only: the file must exist, and is never created or changed.
    case readOnly
    /// Recording and queries: a missing file is created (mode 0600), pending migrations applied.
    case readWrite
  }

  /// The ledger file's path, as given.
  public let path: String
  /// Whether this ledger may record (``Access/readWrite``) or only answer (``Access/readOnly``).
  public let access: Access
  private(set) var db: Connection {
    didSet { watchCommits() }
  }

  /// Called once this ledger's entry is in it, as soon as it is: for a ledger file that
  /// exists, when the recording's transaction commits (before SQLite checkpoints its WAL);
  /// for a new one, when its file is in place at ``path``, since until
  /// then the path holds nothing. Until it is called, an interrupted recording leaves
  /// nothing recorded; once it is, the entry exists whatever happens to the process.
  /// The command line switches its SIGINT and SIGTERM message here.
  public var afterCommit: (() -> Void)? {
    didSet { watchCommits() }
  }

  private func watchCommits() {
    db.afterCommit = nil
    guard afterCommit != nil else { return }
    db.afterCommit = { [unowned self] in
      if self.creation == nil { self.afterCommit?() }
    }
  }
  /// Every statement that names the schema: the domain asks it questions.
  private(set) var store: LedgerStore
  /// Set while this ledger is new: its file is under a hidden name beside `path` until its
  /// first transaction commits (``publishIfNew()``).
  private var creation: Creation? = nil
  /// True inside ``batch(_:)``: each recording call then runs in a savepoint of the batch's transaction.
  private var inBatch = false
  /// What `now` in an imported file means during a ``batch(_:)``: one instant for all of it.
  private var batchNow: Instant?

  /// What `now` in an imported file means: one instant for the whole import, or for every
  /// import of a batch (`import --all`), however long it takes to read.
  var importNow: Instant { batchNow ?? Instant.now() }

  /// Opens the ledger at `path`.
  /// - Throws: `LedgerError` "no ledger at PATH" for a read-only open of a missing file,
  ///   and a clear error for a file that is not a ledger or comes from a newer version;
  ///   for recording, also for a file of more than one name (hard links) and for a missing
  ///   file named as SQLite's `-wal`, `-shm` or `-journal` of a database beside it.
  ///
  /// A missing file is created whole, never half: with `createsOnFirstCommit`, it appears at
  /// `path` only when the first transaction commits (a refused first entry leaves no file, as
  /// the command line promises); otherwise at once, holding the schema and no entry.
  public init(path: String, access: Access, createsOnFirstCommit: Bool = false) throws {
    self.path = path
    self.access = access
    switch access {
    case .readOnly:
      // stat(2), as `FileManager.fileExists(atPath:)` does it (a broken symbolic link is
      // missing), without building `FileManager.default` on a query's start-up.
      var info = stat()
      guard stat(path, &info) == 0 else { throw Ledger.linkLoop(path, errno) ?? LedgerError(.notFound, "no ledger at \(path)") }
      try Ledger.checkFileType(path)
      (db, unlockedSnapshot) = try Ledger.openReadOnly(path)
    case .readWrite:
      try Ledger.checkFileType(path)
      if let creation = try Creation.begin(path) {
        // A new ledger: its schema, then its first entry, are written into the hidden file,
        // which becomes `path` only when that entry commits.
        self.creation = creation
        do {
          db = try Connection(path: creation.temporary, mode: .readWriteCreate)
          try LedgerStore.configure(db)
          try Migrator().migrate(db, path: path)
        } catch {
          creation.abandon()
          throw (error as? SQLiteError).map { Ledger.describe($0, path: path, recording: true) } ?? error
        }
        store = LedgerStore(db)
        if !createsOnFirstCommit { try publishIfNew() }
        return
      }
      try Ledger.checkOneName(path)
      // An empty file is no ledger: writing the schema into it before the command's own
      // transaction would leave it changed even when that transaction is refused. (A
      // ledger's main file is never empty: it is linked in place only once it holds its
      // first entry.)
      var info = stat()
      if stat(path, &info) == 0, info.st_size == 0, info.st_mode & S_IFMT == S_IFREG, !Ledger.hasWALHeader(path + "-wal") {
        throw LedgerError(.invalidInput, "'\(path)' is empty, not a policy-ledger ledger")
      }
      do {
        db = try Connection(path: path, mode: .readWriteCreate)
        // Know what the file is before changing anything in it: an unrelated database, or a
        // ledger that a newer policy-ledger wrote, is refused with its bytes untouched
        // (switching to WAL below would rewrite its header).
        _ = try Migrator().pending(in: db, path: path)
        try LedgerStore.configure(db)
        try Migrator().migrate(db, path: path)
      } catch let error as SQLiteError {
        throw Ledger.describe(error, path: path, recording: true)
      }
      Creation.removeAbandoned(besideLedgerAt: path)
    }
    store = LedgerStore(db)
  }

  /// The creation under way, handed over once (``publishIfNew()``).
  func takeCreation() -> Creation? {
    defer { creation = nil }
    return creation
  }

  /// Opens the file at `path` again for writing, in place of the connection to the hidden
  /// file a new ledger was written into.
  func reopen() throws {
    do {
      let connection = try Connection(path: path, mode: .readWriteCreate)
      try LedgerStore.configure(connection)
      db = connection
      store = LedgerStore(connection)
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path)
    }
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
    creation?.abandon()
    guard removesFilesOnDeinit else { return }
    for suffix in SQLiteNames.everyFile { unlink(path + suffix) }
  }

  /// The ledger file as it was when it was opened without locks (the immutable fallback of
  /// ``openReadOnly(_:)``); nil when SQLite's locks keep the reads consistent.
  private var unlockedSnapshot: FileSnapshot?

  /// Whether this read-only ledger is read without SQLite's locks: its folder does not let
  /// this user create the `-shm` file that readers and writers share, so it was opened as
  /// immutable. Another user who can write there may still record meanwhile, and a
  /// checkpoint then changes the file under the reads; ``changedWhileRead()`` says so.
  public var readsWithoutLocks: Bool { unlockedSnapshot != nil }

  /// For a ledger read without locks (``readsWithoutLocks``): whether its file changed since
  /// it was opened (another process recorded and checkpointed), so that what was read may
  /// mix two states, and a "damaged" verdict may be of a healthy file. False otherwise.
  public func changedWhileRead() -> Bool {
    guard let unlockedSnapshot else { return false }
    return FileSnapshot(path: path) != unlockedSnapshot
  }

  /// The error for a read that ``changedWhileRead()``.
  public var changedWhileReadError: LedgerError {
    LedgerError(
      .ioFailure,
      "the ledger at \(path) changed while it was read: another process recorded meanwhile, and this user reads it without SQLite's locks, since it cannot create \(path)-shm in the ledger's folder; run the command again, or where that folder is writable (anything printed above may mix two states)")
  }

  private static func openReadOnly(_ path: String) throws -> (Connection, FileSnapshot?) {
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
      return (try attempt(immutable: false), nil)
    } catch let error as SQLiteError where error.code == SQLITE_CANTOPEN || error.code == SQLITE_READONLY {
      // A WAL ledger in a folder this user cannot write: SQLite cannot create the -shm
      // file that readers share, so read the file as immutable, without locks.
      // https://www.sqlite.org/wal.html#readonly
      // Another user may write there all the same: the file as it is now is kept, and a
      // change found after the reads (a writer's checkpoint) makes them an error rather
      // than an answer or a "damaged" verdict (changedWhileRead()). Taken before the
      // open, so that a change in between counts too.
      // Immutable reads see the main file only: entries still in a -wal (a writer was
      // killed before its checkpoint) would be silently missing, so refuse instead.
      let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
      if wal > 0 {
        throw LedgerError(.ioFailure,
          "cannot read the ledger at \(path): \(path)-wal holds entries not yet in the ledger file, and SQLite cannot create \(path)-shm to read them (a read-only folder); open it once where its folder is writable")
      }
      let snapshot = FileSnapshot(path: path)
      do {
        return (try attempt(immutable: true), snapshot)
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

  /// Refuses to record in a ledger file that has more than one name (hard links). SQLite
  /// keeps a writer's log and shared memory beside the name it opened, so writers through
  /// two names do not see each other's locks or uncheckpointed entries: each commits over
  /// the other's, and entries reported recorded are lost. A symbolic link is one name
  /// (SQLite follows it to the file). The creator of a new ledger gives it a second name
  /// for a moment (``Creation/publish(at:)``): that one is waited for.
  static func checkOneName(_ path: String) throws {
    var info = stat()
    guard stat(path, &info) == 0, info.st_nlink > 1 else { return }
    Creation.waitForCreator(of: path)
    guard stat(path, &info) == 0, info.st_nlink > 1 else { return }
    throw LedgerError(
      .refused,
      "cannot record in the ledger at \(path): the file has \(info.st_nlink) names (hard links), and SQLite keeps a writer's log beside the name it opened, so entries recorded through two names would be lost; record through one name and remove the others (find them with 'find / -xdev -samefile \(path)'), or use a symbolic link; nothing was recorded")
  }

  static func describe(_ error: SQLiteError, path: String, recording: Bool = false) -> any Error {
    // Said only where a refusal comes before any commit: opening for recording, the
    // recording's transaction.
    let nothing = recording ? "; nothing was recorded" : ""
    switch error.code {
    case SQLITE_NOTADB: return LedgerError(.invalidInput, "'\(path)' is not a policy-ledger ledger (not an SQLite database)")
    case SQLITE_CORRUPT: return LedgerError(.damaged, "the ledger at \(path) is damaged (\(error.message)); restore it from a copy")
    case SQLITE_CANTOPEN: return LedgerError(.ioFailure, "cannot open the ledger at \(path): \(error.message)")
    case SQLITE_READONLY:
      // SQLITE_READONLY_DIRECTORY (1544): the folder, where the -wal and -shm are made.
      let folderReadOnly = error.extendedCode == 1544 || !isWritable(OutputFile.folder(of: path))
      switch (isWritable(path), folderReadOnly) {
      case (false, true):
        return LedgerError(
          .ioFailure,
          "cannot write the ledger at \(path): the file is read-only for this user, and so is its folder, where SQLite keeps the ledger's -wal and -shm files\(nothing)")
      case (false, false):
        return LedgerError(.ioFailure, "cannot write the ledger at \(path): the file is read-only for this user\(nothing)")
      case (true, true):
        return LedgerError(
          .ioFailure,
          "cannot write the ledger at \(path): its folder cannot be written, and SQLite keeps the ledger's -wal and -shm files there\(nothing)")
      case (true, false):
        return LedgerError(.ioFailure, "cannot write the ledger at \(path): \(error.message) (SQLite error \(error.extendedCode))\(nothing)")
      }
    case SQLITE_BUSY, SQLITE_LOCKED:
      return LedgerError(
        .ioFailure,
        "the ledger at \(path) stayed locked by another process past the \(Connection.busyTimeoutMilliseconds / 1000)-second wait\(nothing) (a program holding a transaction open on it, such as an sqlite3 shell after BEGIN?)")
    case SQLITE_FULL:
      if let limit = fileSizeLimit() {
        return LedgerError(.ioFailure, "cannot write the ledger at \(path): the disk is full, or \(limit)\(nothing)")
      }
      return LedgerError(.ioFailure, "cannot write the ledger at \(path): the disk is full\(nothing)")
    case SQLITE_IOERR:
      // The operating system's reason, where SQLite kept it: "disk I/O error" alone does
      // not say whether to free space, raise `ulimit -f`, or fix the disk.
      let reason = error.systemErrno == 0 ? "" : ": \(String(cString: strerror(error.systemErrno)))"
      return LedgerError(
        .ioFailure,
        "cannot read or write the ledger at \(path): \(error.message) (SQLite error \(error.extendedCode)\(reason))\(fileSizeLimit().map { ", or \($0)" } ?? "")\(nothing)")
    default: return error
    }
  }

  /// This process's file-size limit (`ulimit -f`), said where SQLite's "disk I/O error" or
  /// "disk is full" may be it: SQLite reads a short write as a full disk, and does not
  /// always keep the errno (`EFBIG`) of the write that failed, a rollback's own calls
  /// coming after it. Nil when there is no limit.
  static func fileSizeLimit() -> String? {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
    return "this process's file-size limit (ulimit -f) of \(limit.rlim_cur) bytes is reached"
  }

  /// Whether the file at `path` begins as a WAL file does (its magic number, 0x377f0682 or
  /// 0x377f0683): an empty main file beside one may hold a database in its frames.
  static func hasWALHeader(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    guard let magic = try? handle.read(upToCount: 4), magic.count == 4 else { return false }
    return magic[magic.startIndex..<magic.startIndex + 3].elementsEqual([0x37, 0x7F, 0x06]) && (magic.last == 0x82 || magic.last == 0x83)
  }

  /// A failure of the file or the machine, not of the input (the ledger read-only, locked,
  /// full, damaged): described as the ledger's, never as a line of an imported file.
  static func machineFailure(_ error: SQLiteError, path: String) -> LedgerError? {
    switch error.code {
    case SQLITE_NOTADB, SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL, SQLITE_IOERR:
      describe(error, path: path, recording: true) as? LedgerError
    default: nil
    }
  }

  /// Runs `body` in one immediate transaction, turning SQLite's failures into ledger errors.
  /// Inside ``batch(_:)`` it runs in a savepoint instead, so that a refused entry leaves
  /// nothing behind while the entries before it stay in the batch.
  func write<T>(_ body: () throws -> T) throws -> T {
    guard access == .readWrite else { throw LedgerError(.refused, "the ledger at \(path) is open read-only") }
    do {
      if inBatch { return try db.inSavepoint(body) }
      let result = try db.inTransaction(.immediate, body)
      try publishIfNew()
      return result
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path, recording: true)
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
    batchNow = Instant.now()
    defer {
      inBatch = false
      batchNow = nil
    }
    do {
      let result = try db.inTransaction(.immediate, body)
      try publishIfNew()
      return result
    } catch let error as SQLiteError {
      throw Ledger.describe(error, path: path, recording: true)
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

/// Whether this process may write the file at `path` (access(2)).
private func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }

/// What a checkpoint changes in a file: its size, or its modification time at least (and a
/// file put in its place, the inode). Not its status-change time, which a `chmod`, a hard
/// link or a backup tool resetting the access time changes without writing a byte.
struct FileSnapshot: Equatable {
  var inode: UInt64 = 0
  var size: Int64 = 0
  var modified = timespec()

  /// The file at `path` now; one that cannot be read (removed, replaced by nothing) has the
  /// zero snapshot, unlike any file.
  init(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return }
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    modified = info.st_mtim
  }

  static func == (a: FileSnapshot, b: FileSnapshot) -> Bool {
    a.inode == b.inode && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
  }
}

extension Ledger {
  /// The refusal of a path that is a loop of symbolic links (`stat` failed with `code`
  /// ELOOP), or nil: such a path names no file, and no ledger can be created through it.
  static func linkLoop(_ path: String, _ code: Int32) -> LedgerError? {
    guard code == ELOOP else { return nil }
    return LedgerError(
      .invalidInput, "'\(path)' is a symbolic link that leads back to itself through other links; point it at a ledger, or remove it")
  }
}
