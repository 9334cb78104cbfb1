import Foundation

/// A ledger file that is being created: nothing appears at the ledger's path until its
/// first entry has committed, so that a refused first command leaves no file and a process
/// killed at any moment leaves either no ledger or a whole one (contract sections 5 and 7).
///
/// The schema and the first transaction are written into a new file (mode 0600) under a
/// hidden name in the same folder, `.NAME.PID.RANDOM.new`; when that transaction commits,
/// the file is hard-linked to the ledger's path and the hidden name removed. Creators of
/// one path take turns, holding an exclusive `flock(2)` on `.NAME.lock` beside it from the
/// moment they find the path missing until their file is in place (the lock file is removed
/// then; a waiter that finds its lock file removed takes the new one): a second creator
/// then finds the first one's ledger and appends to it. The hidden files of a process that
/// died before its first commit are removed by the next creator of the same path.
struct Creation {
  /// The hidden file the new ledger is written into.
  let temporary: String
  /// `.NAME.lock`, held while this ledger is created.
  private let lockPath: String
  private let lock: Int32
  /// The hidden files' places in ``TemporaryOutputs``' table: SIGINT or SIGTERM before the
  /// file is linked in place removes them (the command line's handlers), as the next
  /// creator of the path would.
  private var slots: [Int?] = []

  /// Starts creating the ledger at `path` when nothing is there; nil when a file exists.
  /// - Throws: `LedgerError` for a symbolic link that points nowhere (the ledger would be
  ///   created through it with SQLite's defaults), or a folder that cannot be written.
  static func begin(_ path: String) throws -> Creation? {
    var info = stat()
    if lstat(path, &info) == 0 {
      if info.st_mode & S_IFMT == S_IFLNK && stat(path, &info) != 0 {
        if let loop = Ledger.linkLoop(path, errno) { throw loop }
        throw LedgerError(
          .invalidInput,
          "'\(path)' is a symbolic link to a file that does not exist; create the ledger where it points, or remove the link")
      }
      return nil
    }
    if let (database, suffix) = SQLiteNames.database(besideWhich: path) {
      throw LedgerError(
        .conflict,
        "cannot create a ledger at \(path): it is where SQLite keeps the \(suffix) file of the database '\(database)', whose next writer would destroy the new ledger; choose another name; nothing was recorded")
    }
    let (folder, name) = split(path)
    func failure(_ code: Int32) -> LedgerError {
      var info = stat()
      if code == ENOENT, stat(folder, &info) != 0 {
        return LedgerError(.ioFailure, "cannot create a ledger at \(path): there is no folder '\(folder)'")
      }
      return LedgerError(.ioFailure, "cannot create a ledger at \(path): \(String(cString: strerror(code)))")
    }
    let lockPath = "\(folder)/.\(name).lock"
    let (lock, lockSlot) = try takeLock(lockPath, failure)
    // Another creator may have finished while this one waited: append to its ledger. The
    // lock file this one holds was made after that creator removed its own (takeLock made
    // it anew), so it is removed here too; a waiter on it finds it gone and looks again.
    if lstat(path, &info) == 0 {
      releaseLock(lockPath, lock, lockSlot)
      return nil
    }
    if let leftover = leftover(besideLedgerAt: path) {
      releaseLock(lockPath, lock, lockSlot)
      throw leftover
    }
    removeAbandoned(folder: folder, name: name)
    let temporary = "\(folder)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).new"
    // Made and put in the signal handlers' table with SIGINT and SIGTERM held: a signal
    // comes before the file exists or after the handler knows to remove it.
    return try TemporaryOutputs.holdingSignals {
      let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
      guard fd >= 0 else {
        let code = errno
        releaseLock(lockPath, lock, lockSlot)
        throw failure(code)
      }
      close(fd)
      var creation = Creation(temporary: temporary, lockPath: lockPath, lock: lock)
      creation.slots = [lockSlot] + SQLiteNames.everyFile.map { TemporaryOutputs.register(temporary + $0) }
      return creation
    }
  }

  /// Opens and locks `.NAME.lock`, waiting for another creator; retries when the file it
  /// locked was removed meanwhile by the creator it waited for. The lock file is made,
  /// locked and put in the signal handlers' table with SIGINT and SIGTERM held, so that a
  /// signal never leaves a lock file this process made; the wait for another creator's lock
  /// is outside that, where a signal ends the wait and leaves that creator's file alone.
  /// Returns the descriptor and the file's place in the table.
  private static func takeLock(_ lockPath: String, _ failure: (Int32) -> LedgerError) throws -> (Int32, Int?) {
    enum Attempt { case held(Int32, Int?), busy(Int32), replaced }
    while true {
      let attempt: Attempt = try TemporaryOutputs.holdingSignals {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(errno) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
          if errno == EWOULDBLOCK { return .busy(fd) }
          guard errno == EINTR else {
            let code = errno
            close(fd)
            throw failure(code)
          }
        }
        var held = stat(), named = stat()
        if fstat(fd, &held) == 0, stat(lockPath, &named) == 0, held.st_dev == named.st_dev, held.st_ino == named.st_ino {
          return .held(fd, TemporaryOutputs.register(lockPath))
        }
        close(fd)
        return .replaced
      }
      switch attempt {
      case .held(let fd, let slot): return (fd, slot)
      case .replaced: continue
      case .busy(let fd):
        // Another creator holds it: wait for it, then look again, since it removes the
        // file when it is done.
        while flock(fd, LOCK_EX) != 0 {
          guard errno == EINTR else {
            let code = errno
            close(fd)
            throw failure(code)
          }
        }
        close(fd)
      }
    }
  }

  /// Removes the lock file this process made and holds, and releases it, with SIGINT and
  /// SIGTERM held: out of the handlers' table and off the disk together, so that a signal
  /// cannot remove a lock file another creator has made under the same name since.
  private static func releaseLock(_ lockPath: String, _ lock: Int32, _ slot: Int?) {
    try? TemporaryOutputs.holdingSignals {
      TemporaryOutputs.unregister(slot)
      unlink(lockPath)
      close(lock)
    }
  }

  /// Puts the committed file in place at `path`: the hard link is made only when nothing is
  /// there, and the hidden name is removed. The caller has folded the `-wal` into the file.
  func publish(at path: String) throws {
    defer { abandon() }
    if let leftover = Creation.leftover(besideLedgerAt: path) { throw leftover }
    if link(temporary, path) != 0 {
      let code = errno
      throw LedgerError(
        .ioFailure,
        code == EEXIST
          ? "a file appeared at \(path) while this ledger was being created; nothing was recorded there"
          : "cannot create a ledger at \(path): \(String(cString: strerror(code)))")
    }
  }

  /// Removes the hidden file and the lock file, and releases the lock: with SIGINT and
  /// SIGTERM held, so that a signal finds them either in the handlers' table or gone.
  func abandon() {
    try? TemporaryOutputs.holdingSignals {
      for slot in slots { TemporaryOutputs.unregister(slot) }
      for suffix in SQLiteNames.everyFile { unlink(temporary + suffix) }
      unlink(lockPath)
      close(lock)
    }
  }

  /// The refusal for a `-wal` or `-journal` with content beside a path where no ledger
  /// is: an earlier database's, left by a process killed or still running (Litestream
  /// keeps one open), or by `rm` of the file alone. SQLite would take it for the new
  /// file's own and apply it, and the entry just recorded would be lost behind the old
  /// database's pages. Nil when there is none.
  ///
  /// A database of its own under one of those names (a ledger created there while no file
  /// was at `path`) is refused too: SQLite would delete it as a stale log, or overwrite it
  /// as the new file's shared memory.
  static func leftover(besideLedgerAt path: String) -> LedgerError? {
    for suffix in SQLiteNames.sidecars where SQLiteNames.isDatabase(path + suffix) {
      return LedgerError(
        .conflict,
        "cannot create a ledger at \(path): \(path)\(suffix) is an SQLite database of its own, which SQLite would take for the new ledger's \(suffix) file and destroy; give one of the two another name; nothing was recorded")
    }
    for suffix in ["-wal", "-journal"] {
      var info = stat()
      guard lstat(path + suffix, &info) == 0, info.st_size > 0 || info.st_mode & S_IFMT != S_IFREG else { continue }
      return LedgerError(
        .conflict,
        "cannot create a ledger at \(path): \(path)\(suffix) is left from an earlier database at that path, and SQLite would apply it to the new one; if that database is gone for good, remove \(path)\(suffix) and \(path)-shm, else put the database back; nothing was recorded"
      )
    }
    return nil
  }

  /// Waits while a creator of `path` holds `.NAME.lock`: between linking its file in place
  /// and removing the hidden name, the ledger has two names (``publish(at:)``), and that
  /// creator removes the lock file only after the hidden name.
  static func waitForCreator(of path: String) {
    let (folder, name) = split(path)
    let lock = open("\(folder)/.\(name).lock", O_RDWR | O_CLOEXEC)
    guard lock >= 0 else { return }
    defer { close(lock) }
    while flock(lock, LOCK_EX) != 0, errno == EINTR {}
  }

  private static func split(_ path: String) -> (folder: String, name: String) {
    (OutputFile.folder(of: path), OutputFile.lastComponent(of: path))
  }

  /// After the ledger at `path` was opened for recording: the hidden files of a creator
  /// killed after its file was linked in place and before it removed them (its `.new`
  /// name and `.NAME.lock`) are removed, as a creator removes those of one killed earlier.
  /// The lock file goes only when no creator holds it; one waiting on it finds it removed
  /// and looks again (``takeLock(_:_:)``), then finds the ledger.
  static func removeAbandoned(besideLedgerAt path: String) {
    let (folder, name) = split(path)
    removeAbandoned(folder: folder, name: name)
    let lockPath = "\(folder)/.\(name).lock"
    let lock = open(lockPath, O_RDWR | O_CLOEXEC)
    guard lock >= 0 else { return }
    defer { close(lock) }
    if flock(lock, LOCK_EX | LOCK_NB) == 0 { unlink(lockPath) }
  }

  /// Removes the hidden files of earlier creators of `name` whose process no longer exists.
  private static func removeAbandoned(folder: String, name: String) {
    for (entry, rest) in AbandonedFiles.entries(in: folder, prefix: ".\(name).") {
      let parts = rest.split(separator: ".", maxSplits: 2)
      guard parts.count == 3, parts[2].hasPrefix("new") || parts[2].contains(".new"), let pid = pid_t(parts[0]) else { continue }
      if AbandonedFiles.isGone(pid) { unlink(folder + "/" + entry) }
    }
  }
}

extension Ledger {
  /// After a new ledger's first transaction committed: folds its `-wal` into the file, puts
  /// the file in place at `path`, and reopens it there, so that the rest of the command (and
  /// any other process) works on the ledger under its own name.
  func publishIfNew() throws {
    guard let creation = takeCreation() else { return }
    do {
      // Out of WAL mode: the file alone holds every committed page when it is linked.
      try db.execute("PRAGMA journal_mode = DELETE")
      // The path holds the ledger from the link on: a signal is handled before it, or after
      // the host has learnt that the entry exists.
      if let afterCommit {
        try TemporaryOutputs.holdingSignals {
          try creation.publish(at: path)
          afterCommit()
        }
      } else {
        try creation.publish(at: path)
      }
    } catch let error as SQLiteError {
      creation.abandon()
      throw Ledger.describe(error, path: path)
    } catch {
      creation.abandon()
      throw error
    }
    try reopen()
  }
}

/// Hidden files that a process killed outright left behind, named with its process id
/// (`.NAME.PID.N.new`, `.NAME.PID.N.tmp`): how their names are found and their writers
/// known to be gone.
enum AbandonedFiles {
  /// The entries of `folder` whose names begin with `prefix`, with the rest of each name.
  static func entries(in folder: String, prefix: String) -> [(entry: String, rest: Substring)] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
    return names.filter { $0.hasPrefix(prefix) }.map { ($0, $0.dropFirst(prefix.count)) }
  }

  /// Whether no process of id `pid` exists here (never this one).
  static func isGone(_ pid: pid_t) -> Bool {
    pid > 0 && pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
  }
}
