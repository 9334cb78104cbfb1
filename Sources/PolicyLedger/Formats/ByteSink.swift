import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A buffered byte writer over a file descriptor: the one road from the formats to a file or stdout.
///
/// Writes go into a 64 KiB buffer that is handed to `write(2)` when full, on ``flush()`` and on
/// ``close()``; nothing is allocated per call. `write(2)` is retried on `EINTR` and after partial
/// writes.
///
/// The `write` methods do not throw, so a row can be written without a `try` per field. The first
/// failed `write(2)` (`EPIPE`, `ENOSPC`, `EIO`, …) is kept: from then on output is discarded, and
/// ``throwIfFailed()``, ``flush()`` and ``close()`` throw it as a ``LedgerError`` such as
/// `cannot write to standard output: Broken pipe`. The row writers check after every row, so an
/// export stops at the first row after the failure.
///
/// `EPIPE` is only seen when the process ignores `SIGPIPE` (otherwise the signal ends it first);
/// ``failedWithBrokenPipe`` lets a CLI stay quiet when its reader (`| head`) went away.
///
/// A sink is used from one thread at a time.
public final class ByteSink {
  /// The process's standard output, shared so that everything written to it goes through
  /// one buffer, in order.
  nonisolated(unsafe) public static let standardOutput = ByteSink(fileDescriptor: 1)

  /// Size of the buffer in bytes.
  public static let bufferCapacity = 64 * 1024

  private let fd: Int32
  private let ownsDescriptor: Bool
  private let name: String
  private let buffer: UnsafeMutableRawPointer
  private var count = 0
  private var closed = false
  private var failure: LedgerError?
  /// The system's reason for the kept failure (`No space left on device`), if any.
  public private(set) var failureReason: String?
  /// True when the kept failure is `EPIPE`: the reading end of a pipe was closed.
  public private(set) var failedWithBrokenPipe = false
  /// Between ``startDigest()`` and ``finishDigest()``: the SHA-256 and count of the bytes
  /// handed to the kernel (an export manifest's hash of exactly what was written).
  private var digest: SHA256Hasher? = nil
  private var digestCount: Int64 = 0

  /// A sink over an open descriptor, e.g. 1 for stdout. The descriptor is not closed by
  /// ``close()`` unless `closesDescriptor` is true.
  public init(fileDescriptor: Int32, closesDescriptor: Bool = false) {
    self.fd = fileDescriptor
    self.ownsDescriptor = closesDescriptor
    switch fileDescriptor {
    case 1: self.name = "standard output"
    case 2: self.name = "standard error"
    default: self.name = "file descriptor \(fileDescriptor)"
    }
    self.buffer = UnsafeMutableRawPointer.allocate(byteCount: ByteSink.bufferCapacity, alignment: 16)
  }

  private init(ownedDescriptor: Int32, path: String) {
    self.fd = ownedDescriptor
    self.ownsDescriptor = true
    self.name = "'\(path)'"
    self.buffer = UnsafeMutableRawPointer.allocate(byteCount: ByteSink.bufferCapacity, alignment: 16)
  }

  /// Creates (or truncates) the file at `path` with mode 0644 and returns a sink that owns it.
  public static func create(path: String) throws -> ByteSink {
    var fd: Int32
    repeat {
      fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    } while fd < 0 && errno == EINTR
    guard fd >= 0 else {
      throw LedgerError("cannot open '\(path)': \(String(cString: strerror(errno)))")
    }
    return ByteSink(ownedDescriptor: fd, path: path)
  }

  deinit {
    if !closed {
      drain()
      if ownsDescriptor { _ = systemClose(fd) }
    }
    buffer.deallocate()
  }

  // MARK: Writing

  /// Appends raw bytes.
  @inline(__always)
  public func write(_ bytes: UnsafeRawBufferPointer) {
    let n = bytes.count
    if n <= ByteSink.bufferCapacity - count {
      if n > 0 { (buffer + count).copyMemory(from: bytes.baseAddress!, byteCount: n) }
      count += n
    } else {
      writeLarge(bytes)
    }
  }

  /// Appends the UTF-8 bytes of `string`.
  @inline(__always)
  public func write(_ string: String) {
    var string = string
    string.withUTF8 { write(UnsafeRawBufferPointer($0)) }
  }

  /// Appends one byte.
  @inline(__always)
  public func write(byte: UInt8) {
    if count == ByteSink.bufferCapacity { drain() }
    buffer.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
    count += 1
  }

  /// Appends the decimal digits of `value` (with a leading `-` when negative).
  func writeDecimal(_ value: Int64) {
    if ByteSink.bufferCapacity - count < 20 { drain() }
    let p = (buffer + count).assumingMemoryBound(to: UInt8.self)
    var magnitude = value.magnitude
    var n = 0
    repeat {
      p[n] = 48 &+ UInt8(truncatingIfNeeded: magnitude % 10)
      magnitude /= 10
      n += 1
    } while magnitude > 0
    if value < 0 {
      p[n] = 45  // -
      n += 1
    }
    var i = 0
    var j = n - 1
    while i < j {
      let t = p[i]
      p[i] = p[j]
      p[j] = t
      i += 1
      j -= 1
    }
    count += n
  }

  private func writeLarge(_ bytes: UnsafeRawBufferPointer) {
    drain()
    if bytes.count < ByteSink.bufferCapacity {
      (buffer + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
      count += bytes.count
    } else if failure == nil {
      writeAll(bytes.baseAddress!, bytes.count)
    }
  }

  // MARK: Flushing and errors

  /// Throws the kept write failure, if any.
  @inline(__always)
  public func throwIfFailed() throws {
    if let failure { throw failure }
  }

  /// Hands everything buffered to the kernel; throws the first write failure.
  public func flush() throws {
    drain()
    try throwIfFailed()
  }

  /// Flushes, then closes the descriptor when the sink owns it (sinks from ``create(path:)``).
  /// Closing twice does nothing.
  public func close() throws {
    guard !closed else { return }
    drain()
    closed = true
    if ownsDescriptor {
      // On Linux the descriptor is released even when close(2) fails with EINTR: never retry.
      if systemClose(fd) != 0 && errno != EINTR && failure == nil {
        failureReason = String(cString: strerror(errno))
        failure = LedgerError("cannot write to \(name): \(failureReason!)")
      }
    }
    try throwIfFailed()
  }

  /// Starts counting and hashing the bytes written from now on.
  public func startDigest() {
    drain()
    digest = SHA256Hasher()
    digestCount = 0
  }

  /// Flushes, then returns the count and SHA-256 of the bytes written since ``startDigest()``.
  public func finishDigest() throws -> (count: Int64, sha256: [UInt8]) {
    try flush()
    guard var digest else { preconditionFailure("finishDigest() without startDigest()") }
    self.digest = nil
    return (digestCount, digest.finish())
  }

  /// Writes out the buffer. After a failure the buffer is emptied and output is discarded.
  private func drain() {
    defer { count = 0 }
    guard count > 0, failure == nil else { return }
    writeAll(buffer, count)
  }

  private func writeAll(_ base: UnsafeRawPointer, _ length: Int) {
    var offset = 0
    while offset < length {
      let n = systemWrite(fd, base + offset, length - offset)
      if n > 0 {
        if digest != nil {
          digest!.update(UnsafeRawBufferPointer(start: base + offset, count: n))
          digestCount += Int64(n)
        }
        offset += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        let code = n < 0 ? errno : EIO
        failedWithBrokenPipe = code == EPIPE
        failureReason = String(cString: strerror(code))
        failure = LedgerError("cannot write to \(name): \(failureReason!)")
        return
      }
    }
  }
}

// The methods above shadow the C functions; these give them back under other names.
@inline(__always)
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
  write(fd, p, n)
}

@inline(__always)
private func systemClose(_ fd: Int32) -> Int32 {
  close(fd)
}

/// Whether `descriptor` is a terminal that takes escape sequences: a terminal, and `TERM` is
/// not `dumb` (Emacs's shell buffer, some CI logs), where `\r\u{1B}[K` and colours would show
/// as text, as git and less leave them off there.
public func isEscapeTerminal(_ descriptor: Int32) -> Bool {
  guard isatty(descriptor) == 1 else { return false }
  guard let term = getenv("TERM") else { return true }
  return strcmp(term, "dumb") != 0
}
