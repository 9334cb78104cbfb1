import Foundation

/// SQLite's own files beside a database `DB`: `DB-wal`, `DB-shm` and `DB-journal`. SQLite
/// reads whatever is at those names as its own: it deletes or truncates a log that is not
/// one, and rewrites the shared memory. The one list of those names, for the checks that
/// keep the project's files (a ledger, an output, a key) away from them.
enum SQLiteNames {
  /// The suffixes of SQLite's files beside a database.
  static let sidecars = ["-wal", "-shm", "-journal"]
  /// Every file of one database: its own name (`""`), then its sidecars'.
  static let everyFile = [""] + sidecars

  /// For a path named as one of SQLite's files beside another (`l.db-wal`): that other
  /// path (`l.db`) and the suffix. Nil for any other name.
  static func sidecar(_ path: String) -> (database: String, suffix: String)? {
    guard let suffix = sidecars.first(where: { path.hasSuffix($0) }) else { return nil }
    return (String(decoding: path.utf8.dropLast(suffix.utf8.count), as: UTF8.self), suffix)
  }

  /// ``sidecar(_:)`` when the path beside it is an SQLite database (``isDatabase(_:)``).
  static func database(besideWhich path: String) -> (database: String, suffix: String)? {
    guard let sidecar = sidecar(path), isDatabase(sidecar.database) else { return nil }
    return sidecar
  }

  /// Whether `path` is a regular file that begins with SQLite's 16-byte header.
  static func isDatabase(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size >= 16 else { return false }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var header = [UInt8](repeating: 0, count: 16)
    guard read(fd, &header, 16) == 16 else { return false }
    return header == Array("SQLite format 3\0".utf8)
  }
}
