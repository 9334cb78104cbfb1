import Foundation
import PolicyLedger

/// Standard input, output and error as a script may leave them: closed (`2>&-`), full
/// (`2>/dev/full`), or a pipe whose reader has gone.
enum StandardStreams {
  /// Gives each of descriptors 0, 1 and 2 that the shell left closed (`<&-`, `>&-`, `2>&-`)
  /// a stand-in that fails as the closed one would: `/dev/null` opened the other way round,
  /// so a write to 1 or 2, or a read from 0, still fails with `EBADF`. Run first of all.
  ///
  /// Otherwise the next file the command opens takes the free number: an export's
  /// `--output` opened as descriptor 2 would receive the command's messages among its
  /// rows, and a `.lock` or receipt file those of every later line. (SQLite does the same
  /// for its own files, which it never opens below 3.)
  static func occupyClosed() {
    for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
      if descriptor == 0 { standardInputWasClosed = true }
      let standIn = open("/dev/null", descriptor == 0 ? O_WRONLY : O_RDONLY)
      if standIn >= 0 && standIn != descriptor {
        dup2(standIn, descriptor)
        close(standIn)
      }
    }
  }

  /// Whether the shell left standard input closed (`<&-`): its stand-in, `/dev/null`, would
  /// read as empty when opened again by name (`/dev/stdin`), so ``readAll(_:field:)`` reads
  /// those names as `-`, whose read fails as a closed descriptor's does.
  nonisolated(unsafe) static var standardInputWasClosed = false

  /// The names of standard input that open it anew.
  static let standardInputNames = ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]

  /// Writes `text` to standard error with write(2), retried on `EINTR` and after a partial
  /// write; returns false when it could not be written. A message that cannot be written is
  /// dropped: `FileHandle.write` would end the process with a trap instead, after a
  /// recording command's commit as easily as before it.
  @discardableResult
  static func writeError(_ text: String) -> Bool {
    // A message meets a pipe nobody reads as EPIPE, not as SIGPIPE ending the process with
    // status 141: the exit status a script reads stays the command's own.
    signal(SIGPIPE, SIG_IGN)
    var text = text
    return text.withUTF8 { bytes in
      guard let base = bytes.baseAddress else { return true }
      var offset = 0
      while offset < bytes.count {
        let written = write(2, base + offset, bytes.count - offset)
        if written > 0 {
          offset += written
        } else if written < 0 && errno == EINTR {
          continue
        } else {
          return false
        }
      }
      return true
    }
  }

  /// The whole of a file given to an option (`--body-file`, `--statement-file`), `-` being
  /// standard input, read with read(2) so that each failure has its own reason: a folder
  /// is `Is a directory`, a closed standard input `Bad file descriptor`.
  /// - Throws: `LedgerError` "invalid FIELD 'PATH': cannot open it (REASON)" or "… cannot read it (REASON)".
  static func readAll(_ path: String, field: String) throws -> [UInt8] {
    let shown = Identifier.printable(path)
    let descriptor: Int32
    if path == "-" || (standardInputWasClosed && standardInputNames.contains(path)) {
      descriptor = 0
    } else {
      var opened: Int32
      repeat { opened = open(path, O_RDONLY | O_CLOEXEC) } while opened < 0 && errno == EINTR
      guard opened >= 0 else {
        throw LedgerError("invalid \(field) '\(shown)': cannot open it (\(String(cString: strerror(errno))))")
      }
      descriptor = opened
    }
    defer { if descriptor != 0 { close(descriptor) } }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count > 0 {
        bytes += chunk[0..<count]
      } else if count == 0 {
        return bytes
      } else if errno != EINTR {
        throw LedgerError("invalid \(field) '\(shown)': cannot read it (\(String(cString: strerror(errno))))")
      }
    }
  }
}
