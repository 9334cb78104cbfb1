import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file that a command writes (`--output`, `--receipt`, `--manifest`): checked when the
/// command starts, before anything is recorded or read, and then written whole or not at all.
///
/// The checks (contract section 5, "Output files"):
/// - never the ledger, nor its `-wal`, `-shm` or `-journal`: an existing file is compared by
///   device and inode (so `./l.db`, a symbolic link and a hard link are all caught), a new one
///   by its folder's resolved path and its name (so that an export cannot become the ledger's
///   `-wal` either);
/// - never two outputs of one command on the same file (``checkDistinct(_:)``), standard
///   output included;
/// - a folder, a missing folder or one that cannot be written is refused.
///
/// Writing: `-`, `/dev/stdout` and `/dev/fd/1` are standard output. A regular file (or a new
/// one) is written to a temporary file in the same folder and renamed over the target, so
/// that readers see the old bytes or the new, never a part; an existing file keeps its
/// permission bits, a new one gets 0644 less the umask; a symbolic link to a regular file
/// keeps the link and replaces the file it points to. Anything else — a character or block
/// device, a FIFO, a socket — is opened and written through, never replaced by a rename, so
/// `--output /dev/null` leaves `/dev/null` a device. When writing fails the temporary file is
/// removed: a full disk never leaves a 0-byte output behind.
///
///     let output = try OutputFile("versions.csv", field: "--output", ledger: "l.db")
///     try output.write { sink in try ledger.export(.versions, to: CSVWriter(sink: sink)) }
public struct OutputFile: Sendable {
  /// Where the bytes go.
  enum Destination: Equatable, Sendable {
    case standardOutput
    /// A regular file, existing or new, replaced by a rename; the path has its symbolic
    /// links resolved.
    case regularFile(String)
    /// A device, FIFO or socket, written through.
    case special
  }

  /// The path as given.
  public let path: String
  /// The option that named it, for messages (`--output`).
  public let field: String
  let destination: Destination
  /// The device and inode of an existing file; for a new one, nil.
  let identity: FileIdentity?
  /// The file's full path with every symbolic link resolved (for a new file: its folder's).
  let resolvedPath: String

  /// Standard output as an output of a command that has no `--output`: checked by
  /// ``checkDistinct(_:)`` against the others.
  public static let standardOutput = OutputFile(
    path: "-", field: "standard output", destination: .standardOutput, identity: nil, resolvedPath: "-")

  /// Called when a file is written whole, before it replaces its target: a throw leaves
  /// the target as it was, and the error is the write's. The command line checks here that
  /// a ledger read without locks did not change while the file was written
  /// (``Ledger/changedWhileRead()``), so that `export --all` leaves the old files rather
  /// than files of two states.
  nonisolated(unsafe) public static var beforeReplacing: (() throws -> Void)?

  /// Runs `body` holding an exclusive `flock(2)` on this output's folder: two commands that
  /// each write several files there (`export --all`, an export and its manifest) take
  /// turns, so the folder never holds some files of one and some of the other, each
  /// renamed into place in turn. Standard output and special files take no turn.
  /// - Throws: `LedgerError` when the turn does not come within ``turnWaitSeconds``
  ///   (any process that can read the folder can hold it), with nothing written.
  public func takingTurns<T>(_ body: () throws -> T) throws -> T {
    guard case .regularFile(let resolved) = destination else { return try body() }
    return try OutputFile.takingTurns(in: OutputFile.folder(of: resolved), field: field, body)
  }

  /// How long a command waits for its turn in a folder.
  public static let turnWaitSeconds = 60

  /// ``takingTurns(_:)`` for a folder given by its path (`export --all DIR`).
  public static func takingTurns<T>(in folder: String, field: String, _ body: () throws -> T) throws -> T {
    let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    // A folder that cannot be opened has been refused already, or will be by the write.
    guard descriptor >= 0 else { return try body() }
    defer { close(descriptor) }
    var waited = 0
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR else { return try body() }
      if waited >= turnWaitSeconds * 10 {
        throw LedgerError(
          .ioFailure,
          "invalid \(field): another process has held the folder '\(folder)' for \(turnWaitSeconds) seconds (an export writing several files there takes it, so that two such exports take turns); nothing was written")
      }
      usleep(100_000)
      waited += 1
    }
    return try body()
  }

  private init(path: String, field: String, destination: Destination, identity: FileIdentity?, resolvedPath: String) {
    self.path = path
    self.field = field
    self.destination = destination
    self.identity = identity
    self.resolvedPath = resolvedPath
  }

  /// Checks `path` as the output of option `field`.
  /// - Parameters:
  ///   - path: the file to write; `-` (or `/dev/stdout`) is standard output.
  ///   - field: the option that named it, for messages (`--output`).
  ///   - ledger: the path of the ledger the command opens, which the output must not be.
  /// - Throws: `LedgerError` "invalid FIELD 'PATH': REASON".
  public init(_ path: String, field: String, ledger: String?) throws {
    func refuse(_ reason: String) -> LedgerError { LedgerError("invalid \(field) '\(path)': \(reason)") }
    let ledgerFiles = ledger.map(LedgerFiles.init) ?? LedgerFiles()
    if OutputFile.standardOutputNames.contains(path) {
      if let identity = FileIdentity(descriptor: 1), let name = ledgerFiles.name(of: identity) {
        throw refuse("standard output is \(name)")
      }
      self.init(path: path, field: field, destination: .standardOutput, identity: nil, resolvedPath: "-")
      return
    }
    guard !path.isEmpty else { throw refuse("no file named") }
    if let name = OutputFile.ledgerName(of: path, in: ledgerFiles) { throw refuse("that is \(name); choose another file") }
    var info = stat()
    if stat(path, &info) == 0 {
      let identity = FileIdentity(info)
      let resolved = OutputFile.realPath(path) ?? path
      switch info.st_mode & S_IFMT {
      case S_IFDIR: throw refuse("it is a folder")
      case S_IFREG:
        try OutputFile.checkFolder(of: resolved, refuse)
        try OutputFile.checkReplaceable(resolved, owner: info.st_uid, refuse)
        self.init(path: path, field: field, destination: .regularFile(resolved), identity: identity, resolvedPath: resolved)
      default:
        self.init(path: path, field: field, destination: .special, identity: identity, resolvedPath: resolved)
      }
      return
    }
    let code = errno
    guard code == ENOENT else { throw refuse("cannot write it (\(String(cString: strerror(code))))") }
    // A new file: named by its folder's resolved path and its own name. A symbolic link
    // that points nowhere is replaced by the new file.
    let folder = OutputFile.folder(of: path)
    try OutputFile.checkFolder(of: path, refuse)
    let resolved = (OutputFile.realPath(folder) ?? folder) + "/" + OutputFile.lastComponent(of: path)
    self.init(path: path, field: field, destination: .regularFile(resolved), identity: nil, resolvedPath: resolved)
  }

  /// The target's name as the start of its temporary file's, cut to 200 bytes (at a
  /// character's start) so that the temporary name, with its dot, process id, random number
  /// and `.tmp`, stays within the 255 bytes a name may have: an output whose name is close
  /// to that limit would otherwise be refused only after the command recorded its entry.
  static func temporaryStem(of target: String) -> String {
    let name = lastComponent(of: target)
    guard name.utf8.count > 200 else { return name }
    var stem = ""
    for character in name.unicodeScalars {
      if stem.utf8.count + String(character).utf8.count > 200 { break }
      stem.unicodeScalars.append(character)
    }
    return stem
  }

  /// Refuses a folder that a command would create or write into (`export --all DIR`)
  /// when it is the ledger, or where SQLite keeps or would keep the ledger's `-wal`,
  /// `-shm` or `-journal`: a folder of that name stops SQLite from opening the ledger.
  /// - Throws: `LedgerError` "invalid FIELD 'PATH': that is the ledger's -journal file; choose another folder".
  public static func checkOutputFolder(_ path: String, field: String, ledger: String) throws {
    var trimmed = path
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    if let name = ledgerName(of: trimmed, in: LedgerFiles(path: ledger)) {
      throw LedgerError("invalid \(field) '\(path)': that is \(name); choose another folder")
    }
  }

  /// Which of the ledger's files `path` is, if any: by device and inode or by its resolved
  /// path when it exists, else by its folder's resolved path and its name (a file SQLite
  /// has not made yet, such as a `-journal`).
  private static func ledgerName(of path: String, in files: LedgerFiles) -> String? {
    var info = stat()
    if stat(path, &info) == 0 {
      return files.name(of: FileIdentity(info)) ?? realPath(path).flatMap(files.name(ofPath:))
    }
    let folder = folder(of: path)
    return files.name(ofPath: (realPath(folder) ?? folder) + "/" + lastComponent(of: path))
  }

  /// Names that mean standard output.
  static let standardOutputNames: Set<String> = ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]

  /// Whether the bytes go to standard output.
  public var isStandardOutput: Bool { destination == .standardOutput }

  /// The file as messages name it: its path, or "standard output".
  public var name: String { isStandardOutput ? "standard output" : path }

  /// Refuses two outputs of one command on the same file: the same device and inode, the
  /// same new path, or standard output twice. Nil entries (options not given) are skipped.
  /// - Throws: `LedgerError` "invalid FIELD 'PATH': it is the same file as OTHER".
  public static func checkDistinct(_ outputs: [OutputFile?]) throws {
    let given = outputs.compactMap { $0 }
    for (index, later) in given.enumerated() {
      for earlier in given[..<index] {
        let same =
          if let a = earlier.identity, let b = later.identity { a == b } else { earlier.resolvedPath == later.resolvedPath }
        guard same else { continue }
        throw LedgerError(
          "invalid \(later.field) '\(later.path)': it is the same file as \(earlier.field); give each output its own file")
      }
    }
  }

  /// Standard output as the data output of a command without `--output`, refused when the
  /// shell has pointed it (or standard error) at the ledger or its `-wal`, `-shm` or
  /// `-journal` (`policy-ledger export versions >> l.db` would otherwise append to the
  /// ledger): ``checkStandardStreams(ledger:)``, for a program that embeds the library (the
  /// command line makes that check once, first of all).
  /// - Throws: `LedgerError` "invalid standard output: it is the ledger …".
  public static func standardOutput(ledger: String?) throws -> OutputFile {
    if let ledger { try checkStandardStreams(ledger: ledger) }
    return .standardOutput
  }

  /// Refuses standard output or standard error that the shell has pointed at the ledger
  /// or its `-wal`, `-shm` or `-journal` (`policy-ledger history p 1<>l.db`, `… 2>>l.db`):
  /// the command line checks this first of all, before it parses its arguments, reads or
  /// writes, since any line it printed (an error included) would overwrite the ledger's bytes. Only a regular file can be the
  /// ledger, so a terminal or a pipe costs one `fstat` each and nothing more. Standard
  /// error pointed at the ledger is first pointed at `/dev/null`, so that the error
  /// itself cannot be written into the ledger.
  /// - Throws: `LedgerError` "invalid standard output: it is the ledger …; send the output elsewhere".
  public static func checkStandardStreams(ledger: String) throws {
    var files: LedgerFiles? = nil
    var found: [(descriptor: Int32, ledgerName: String)] = []
    for descriptor: Int32 in [1, 2] {
      var info = stat()
      guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
      if files == nil { files = LedgerFiles(path: ledger) }
      if let ledgerName = files?.name(of: FileIdentity(info)) { found.append((descriptor, ledgerName)) }
    }
    guard let first = found.first else { return }
    // Both are judged before anything is said: with `1<>l.db 2>&1` standard error is the
    // ledger too, and the refusal must not be written there.
    if found.contains(where: { $0.descriptor == 2 }) {
      let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
      if null >= 0 {
        dup2(null, 2)
        close(null)
      }
    }
    let name = first.descriptor == 1 ? "standard output" : "standard error"
    throw LedgerError(.invalidInput, "invalid \(name): it is \(first.ledgerName); send the output elsewhere")
  }

  /// Refuses an output that is one of the command's own input files: writing it would
  /// destroy what the command reads, as `ack --receipt hr.key --sign-key hr.key` would
  /// replace the private key. The signing key's public key beside it (`KEY.pub`, as
  /// `keygen` writes it) is refused too: no command can write it again from the private key.
  /// Compared by device and inode, so links are caught; a new output is no input.
  /// - Throws: `LedgerError` "invalid FIELD 'PATH': it is the file given to --sign-key; choose another file".
  public static func checkNotSigningKey(_ outputs: [OutputFile?], signingKey: String?) throws {
    guard let signingKey else { return }
    let inputs = [
      (what: "the file given to --sign-key", path: signingKey),
      (what: "the public key of the file given to --sign-key", path: signingKey + ".pub"),
    ]
    for output in outputs.compactMap({ $0 }) {
      guard let identity = output.identity else { continue }
      for (what, path) in inputs {
        guard let input = FileIdentity(path: path), input == identity else { continue }
        throw LedgerError(.invalidInput, "invalid \(output.field) '\(output.path)': it is \(what); choose another file")
      }
    }
  }

  /// Writes `bytes`, whole or not at all.
  /// - Throws: ``OutputError`` when the bytes cannot be written.
  public func write(_ bytes: [UInt8]) throws {
    try write { sink in bytes.withUnsafeBytes { sink.write($0) } }
  }

  /// Writes what `body` writes into the sink it is given, whole or not at all: a regular
  /// file is replaced only once everything was written (not `fsync`ed: docs/reliability.md
  /// says why); when `body` or
  /// the writing fails, the temporary file is removed and the target left as it was.
  /// - Throws: ``OutputError`` when the bytes cannot be written; whatever `body` throws
  ///   for another reason.
  public func write(_ body: (ByteSink) throws -> Void) throws {
    try WrittenOutput.putInPlace([prepare(body)])
  }

  /// Writes what `body` writes, like ``write(_:)-((ByteSink)->Void)``, but leaves a regular
  /// file beside its target, written whole and closed, until
  /// ``WrittenOutput/putInPlace(_:)`` renames it: so that several outputs are all written
  /// before any replaces its target. Standard output and special files are written through
  /// at once.
  /// - Throws: ``OutputError`` when the bytes cannot be written; whatever `body` throws
  ///   for another reason. The temporary file is then removed.
  public func prepare(_ body: (ByteSink) throws -> Void) throws -> WrittenOutput {
    switch destination {
    case .standardOutput:
      let sink = ByteSink.standardOutput
      try written(sink) {
        try body(sink)
        try sink.flush()
      }
    case .special:
      var fd: Int32
      repeat {
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
      } while fd < 0 && errno == EINTR
      guard fd >= 0 else { throw OutputError(name: name, reason: String(cString: strerror(errno))) }
      let sink = ByteSink(fileDescriptor: fd, closesDescriptor: true)
      try written(sink) {
        try body(sink)
        try sink.close()
      }
    case .regularFile(let target):
      return try prepareReplacement(of: target, body)
    }
    return WrittenOutput(name: name, temporary: nil, target: path, slot: nil)
  }

  private func prepareReplacement(of target: String, _ body: (ByteSink) throws -> Void) throws -> WrittenOutput {
    let folder = OutputFile.folder(of: target)
    let temporary = "\(folder)/.\(OutputFile.temporaryStem(of: target)).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    var existing = stat()
    let keepsMode = stat(target, &existing) == 0
    let slot = TemporaryOutputs.register(temporary)
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      // Nothing was made, so nothing is removed: a file already there is not this one's.
      let reason = String(cString: strerror(errno))
      TemporaryOutputs.unregister(slot)
      throw OutputError(name: name, reason: reason)
    }
    // From here the temporary file is the result's to remove (or rename), and its slot
    // the result's to release.
    let result = WrittenOutput(name: name, temporary: temporary, target: target, slot: slot)
    // The sink closes the descriptor, once (close(2) releases it even when it fails, and the
    // number may then be another thread's file), here or, on a failure, as it goes.
    let sink = ByteSink(fileDescriptor: fd, closesDescriptor: true)
    try written(sink) {
      if keepsMode { _ = fchmod(fd, existing.st_mode & 0o7777) }
      try body(sink)
      // No fsync: an export is measured against `sqlite3 -csv`, which does none, and
      // every output can be made again from the ledger. A process stopped midway by
      // SIGINT or SIGTERM removes the temporary file (``TemporaryOutputs``); one killed
      // with SIGKILL leaves the target as it was and a hidden temporary file beside it,
      // which the next write of the same target removes.
      try sink.close()
    }
    return result
  }

  /// Removes the temporary files that writers of `target` killed outright (SIGKILL, a
  /// crash) left beside it, once this one's file is in place: nothing else would ever
  /// remove them. Only `.NAME.PID.N.tmp` of a process id that no longer exists here, and
  /// unwritten for an hour: a writer in another PID namespace (a container sharing the
  /// folder) has an id this process cannot see, and its file must not go while it writes.
  static func removeAbandonedTemporaries(of target: String, in folder: String) {
    let anHourAgo = time(nil) - 3_600
    for (entry, rest) in AbandonedFiles.entries(in: folder, prefix: ".\(temporaryStem(of: target)).") where rest.hasSuffix(".tmp") {
      let parts = rest.dropLast(4).split(separator: ".")
      guard parts.count == 2, let pid = pid_t(parts[0]), UInt32(parts[1]) != nil else { continue }
      let path = folder + "/" + entry
      var info = stat()
      guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mtim.tv_sec < anHourAgo else { continue }
      if AbandonedFiles.isGone(pid) { unlink(path) }
    }
  }

  /// Runs `body`; a failure of `sink` becomes an ``OutputError`` naming this file.
  private func written(_ sink: ByteSink, _ body: () throws -> Void) throws {
    do {
      try body()
    } catch let error as OutputError {
      throw error
    } catch {
      if let reason = sink.failureReason { throw OutputError(name: name, reason: reason) }
      throw error
    }
  }

  // MARK: Paths

  private static func checkFolder(of path: String, _ refuse: (String) -> LedgerError) throws {
    let folder = folder(of: path)
    var info = stat()
    guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw refuse("there is no folder '\(folder)'") }
    guard access(folder, W_OK) == 0 else {
      throw refuse("cannot write in '\(folder)' (\(String(cString: strerror(errno))))")
    }
  }

  /// Refuses, before anything is written, a file this user cannot replace by renaming over
  /// it: another user's file in a sticky folder (`/tmp`, a shared drop folder), where
  /// only the file's or the folder's owner (or root) may. The rename would fail only at the
  /// end, and for `export --all` after the files renamed before it had been replaced.
  private static func checkReplaceable(_ resolved: String, owner: uid_t, _ refuse: (String) -> LedgerError) throws {
    let me = geteuid()
    guard me != 0, owner != me else { return }
    var folderInfo = stat()
    guard stat(folder(of: resolved), &folderInfo) == 0, folderInfo.st_mode & S_ISVTX != 0, folderInfo.st_uid != me else { return }
    throw refuse("another user owns it, in a folder where only a file's owner may replace it (the sticky bit, as on /tmp)")
  }

  static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  static func lastComponent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}

/// An output that could not be written: its name and the system's reason.
public struct OutputError: Error, CustomStringConvertible, Sendable {
  /// The file as given, or "standard output".
  public let name: String
  /// Why, as the system says it (`No space left on device`).
  public let reason: String

  /// The failure to write `name`, for `reason`.
  public init(name: String, reason: String) {
    self.name = name
    self.reason = reason
  }

  /// `cannot write 'NAME': REASON`.
  public var description: String { "cannot write to \(name == "standard output" ? name : "'\(name)'"): \(reason)" }
}

/// A file's device and inode: one file whatever path, link or hard link names it.
struct FileIdentity: Equatable, Sendable {
  var device: UInt64
  var inode: UInt64

  init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }

  init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    self.init(info)
  }

  init?(descriptor: Int32) {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { return nil }
    self.init(info)
  }
}

/// The ledger's file and the files SQLite keeps beside it, which no output may be.
private struct LedgerFiles {
  var identities: [(FileIdentity, String)] = []
  var paths: [(String, String)] = []

  init() {}

  init(path: String) {
    // SQLite names the -wal and -shm after the path with symbolic links resolved; a new
    // ledger's files are named after its folder's resolved path.
    var bases = [path]
    if let resolved = OutputFile.realPath(path) {
      bases.append(resolved)
    } else if let folder = OutputFile.realPath(OutputFile.folder(of: path)) {
      bases.append(folder + "/" + OutputFile.lastComponent(of: path))
    }
    for base in bases {
      for suffix in SQLiteNames.everyFile {
        let name = suffix.isEmpty ? "the ledger (\(path))" : "the ledger's \(suffix) file"
        if let identity = FileIdentity(path: base + suffix) { identities.append((identity, name)) }
        paths.append((base + suffix, name))
      }
    }
  }

  func name(of identity: FileIdentity) -> String? { identities.first { $0.0 == identity }?.1 }
  func name(ofPath path: String) -> String? { paths.first { $0.0 == path }?.1 ?? sidecarName(ofPath: path) }

  /// A `-wal`, `-shm` or `-journal` beside another name of the ledger (a hard link): the
  /// process that opened the ledger by that name keeps its write-ahead log there, so
  /// replacing it would drop committed entries.
  func sidecarName(ofPath path: String) -> String? {
    guard let ledger = identities.first?.0, identities.first?.1.hasPrefix("the ledger (") == true else { return nil }
    guard let (database, suffix) = SQLiteNames.sidecar(path), FileIdentity(path: database) == ledger else { return nil }
    return "the ledger's \(suffix) file (beside another name of the ledger)"
  }
}

/// The temporary files of outputs being written, and the folders made for them, removed
/// when SIGINT or SIGTERM ends the process (a cron job's `timeout`, Ctrl-C on a long export):
/// the targets are left as they were, as for any failure, and no hidden `.NAME.PID.N.tmp`
/// is left for the user to find. The handler then ends the process by the same signal, so
/// the exit status is still 130 or 143. It only reads fixed tables of C strings and calls
/// unlink(2), rmdir(2), signal(2) and raise(3), which are safe in a signal handler.
///
/// The command line turns this on (``removesOnSignals``); a program that embeds the library
/// keeps its own signal handling. A handler or mask the process already set (a recording
/// command's "nothing was recorded", a signal a background job ignores) is left in place.
public enum TemporaryOutputs {
  /// Whether the first output written installs the handler (the command line sets it).
  nonisolated(unsafe) public static var removesOnSignals = false
  /// Whether the handler also clears standard error's line (`\r`, erase to end of line)
  /// before the process ends, when standard error is a terminal: the command line sets it,
  /// as it shows a progress line there, which would otherwise stay on the screen.
  nonisolated(unsafe) public static var clearsLineOnSignals = false
  /// `clearsLineOnSignals` and standard error a terminal, read when the handler is installed.
  nonisolated(unsafe) static var clearsLine = false

  /// Makes the tables now, so that ``removeAllInSignalHandler()`` allocates nothing: for a
  /// handler of the caller's own that calls it.
  public static func prepareForSignals() {
    _ = files
    _ = folders
  }

  /// Removes every temporary output and created folder registered now; safe in a signal
  /// handler once ``prepareForSignals()`` has run (unlink(2) and rmdir(2) on fixed tables).
  /// A recording command's handler calls it, since its handler is the one installed.
  public static func removeAllInSignalHandler() {
    for index in 0..<capacity {
      if let path = files[index] { unlink(path) }
    }
    for index in 0..<capacity {
      if let path = folders[index] { rmdir(path) }
    }
  }

  static let capacity = 32
  nonisolated(unsafe) static let files = table()
  nonisolated(unsafe) static let folders = table()
  nonisolated(unsafe) static var installed = false
  /// Claims and frees slots; the handler reads the tables without it (a slot holds a
  /// pointer or nil, written whole).
  static let lock = NSLock()

  private static func table() -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
    let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    table.initialize(repeating: nil, count: capacity)
    return table
  }

  /// Adds a temporary file (nil when the table is full: that file is then only removed
  /// on failures the process sees).
  static func register(_ path: String) -> Int? { claim(path, in: files) }

  /// Takes the file out of the table once it is renamed into place or removed.
  static func unregister(_ slot: Int?) { release(slot, in: files) }

  /// Adds a folder the command created for its outputs, removed (when empty) after the
  /// files on a signal.
  public static func register(folder path: String) -> Int? { claim(path, in: folders) }

  /// Takes the folder out of the table once the outputs are in place.
  public static func unregister(folder slot: Int?) { release(slot, in: folders) }

  /// Runs `body`, which makes a file or folder and registers it, with SIGINT and SIGTERM
  /// held: a signal is then handled before the thing exists or once the handler knows to
  /// remove it, never between the two. The handlers are installed first, since installing
  /// them unblocks the two signals (a pending one would run a handler whose table does not
  /// yet name the thing). The signals are held in the calling thread, which is enough for
  /// a program of one thread, as the command line is; in a program of several, another
  /// thread can still take them.
  public static func holdingSignals<T>(_ body: () throws -> T) throws -> T {
    installHandlers()
    return try Connection.holdingInterrupts(body)
  }

  private static func claim(_ path: String, in table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int? {
    guard removesOnSignals else { return nil }
    lock.lock()
    defer { lock.unlock() }
    installIfNeeded()
    guard let slot = (0..<capacity).first(where: { table[$0] == nil }) else { return nil }
    table[slot] = strdup(path)
    return slot
  }

  private static func release(_ slot: Int?, in table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) {
    guard let slot else { return }
    lock.lock()
    defer { lock.unlock() }
    guard let path = table[slot] else { return }
    table[slot] = nil
    free(path)
  }

  /// Waits 20 ms, in a signal handler (nanosleep(2) is safe there), before writing to a
  /// terminal. Ctrl-C makes the terminal flush its output queue as it sends SIGINT; on a
  /// busy machine the handler's bytes could reach the queue before that flush and be
  /// discarded with it, leaving the progress line on the screen (seen once in a loaded
  /// run of `tmuxAnInterruptedImportOrExportClearsItsProgressLine`).
  public static func pauseForTheTerminalsFlush() {
    var pause = timespec(tv_sec: 0, tv_nsec: 20_000_000)
    _ = nanosleep(&pause, nil)
  }

  /// Unblocks `signals` for this thread. A process can start with them blocked (a
  /// parent's mask is inherited across exec, as Foundation's `Process` passes it on), and
  /// they would then wait until it ends. Call it once their handlers are in place, so that
  /// one already pending runs its handler rather than the default action.
  public static func unblock(_ signals: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for number in signals { sigaddset(&set, number) }
    sigprocmask(SIG_UNBLOCK, &set, nil)
  }

  /// Installs the SIGINT and SIGTERM handlers now, for a command that writes no file but
  /// draws a progress line (`verify`): Ctrl-C then clears the line, as it does for an
  /// export, instead of leaving it with the shell's prompt run on after it.
  public static func clearLineOnSignals() { installHandlers() }

  private static func installHandlers() {
    guard removesOnSignals else { return }
    lock.lock()
    defer { lock.unlock() }
    installIfNeeded()
  }

  private static func installIfNeeded() {
    guard !installed else { return }
    installed = true
    clearsLine = clearsLineOnSignals && isEscapeTerminal(2)
    // Both tables are made now, not lazily at their first use, which could otherwise be
    // inside the handler (an output that made no folder): no allocation happens there.
    _ = files
    _ = folders
    for number in [SIGINT, SIGTERM] {
      // A signal the caller ignores (a background job's SIGINT) or handles stays so.
      var current = sigaction()
      guard sigaction(number, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
      _ = signal(number) { number in
        TemporaryOutputs.removeAllInSignalHandler()
        if TemporaryOutputs.clearsLine {
          TemporaryOutputs.pauseForTheTerminalsFlush()
          let clear: StaticString = "\r\u{1B}[K"
          _ = write(2, clear.utf8Start, clear.utf8CodeUnitCount)
        }
        signal(number, SIG_DFL)
        raise(number)
      }
      unblock([number])
    }
  }
}

/// An output that ``OutputFile/prepare(_:)`` wrote whole: for a regular file, a temporary
/// file beside its target, closed, which ``putInPlace(_:)`` renames over the target; dropped
/// without that, the temporary file is removed and the target left as it was. Standard
/// output and special files were written through already: putting them in place does
/// nothing.
public final class WrittenOutput {
  let name: String
  /// The temporary file while it waits; nil once renamed or removed, or for an output
  /// written through.
  private var temporary: String?
  private let target: String
  private var slot: Int?

  init(name: String, temporary: String?, target: String, slot: Int?) {
    self.name = name
    self.temporary = temporary
    self.target = target
    self.slot = slot
  }

  /// Puts `outputs` in place: after ``OutputFile/beforeReplacing``, each temporary file is
  /// renamed over its target, one after the other, with SIGINT and SIGTERM held, so that a
  /// signal leaves every target new or every target as it was (the outputs are written and
  /// closed already: nothing held waits on a reader or the disk). Then the temporary files
  /// that writers of the same targets killed outright left behind are removed. What can
  /// still part the targets: a rename failing after an earlier one succeeded, or the
  /// process killed outright (SIGKILL) between two renames.
  /// - Throws: what `beforeReplacing` throws, before any rename; ``OutputError`` when a
  ///   rename fails. The temporary files not yet renamed are then removed.
  public static func putInPlace(_ outputs: [WrittenOutput]) throws {
    let waiting = outputs.filter { $0.temporary != nil }
    guard !waiting.isEmpty else { return }
    do {
      try OutputFile.beforeReplacing?()
    } catch {
      for output in waiting { output.discard() }
      throw error
    }
    try TemporaryOutputs.holdingSignals {
      do {
        for output in waiting { try output.moveIntoPlace() }
      } catch {
        for output in waiting { output.discard() }
        throw error
      }
    }
    for output in waiting {
      OutputFile.removeAbandonedTemporaries(of: output.target, in: OutputFile.folder(of: output.target))
    }
  }

  /// Renames the temporary file over the target.
  private func moveIntoPlace() throws {
    guard let temporary else { return }
    guard rename(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw OutputError(name: name, reason: reason)
    }
    self.temporary = nil
    TemporaryOutputs.unregister(slot)
    slot = nil
  }

  private func discard() {
    if let temporary { unlink(temporary) }
    temporary = nil
    TemporaryOutputs.unregister(slot)
    slot = nil
  }

  deinit { discard() }
}
