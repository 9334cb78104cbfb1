import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// The byte layer under CSVReader and LineReader: chunked reads from a descriptor or from
// memory, and the UTF-8 check both apply to what they read.

// MARK: - UTF-8

extension CSVReader {
  /// Whether `bytes` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
  ///
  /// `String(validating:as:)` does the same, but through unspecialized generic code that costs more
  /// than the parsing; this one checks 8 ASCII bytes at a time.
  static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    let count = bytes.count
    var i = 0
    while i < count {
      if i + 8 <= count {
        let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
        if word & 0x8080_8080_8080_8080 == 0 {
          i += 8
          continue
        }
      }
      let lead = base[i]
      if lead < 0x80 {
        i += 1
        continue
      }
      @inline(__always) func continuation(_ offset: Int) -> Bool {
        i + offset < count && base[i + offset] & 0xC0 == 0x80
      }
      switch lead {
      case 0xC2...0xDF:
        guard continuation(1) else { return false }
        i += 2
      case 0xE0...0xEF:
        guard continuation(1), continuation(2) else { return false }
        let second = base[i + 1]
        if lead == 0xE0 && second < 0xA0 { return false }  // overlong
        if lead == 0xED && second > 0x9F { return false }  // surrogate
        i += 3
      case 0xF0...0xF4:
        guard continuation(1), continuation(2), continuation(3) else { return false }
        let second = base[i + 1]
        if lead == 0xF0 && second < 0x90 { return false }  // overlong
        if lead == 0xF4 && second > 0x8F { return false }  // past U+10FFFF
        i += 4
      default:
        return false
      }
    }
    return true
  }
}

// MARK: - ByteSource

/// Bytes from a descriptor or from memory, one chunk at a time, for ``CSVReader`` and ``LineReader``.
final class ByteSource {
  static let defaultChunkSize = 1024 * 1024

  private enum Origin {
    case descriptor(Int32, owned: Bool)
    case memory([UInt8], offset: Int)
  }

  private var origin: Origin
  private let name: String
  let buffer: UnsafeMutablePointer<UInt8>
  private let capacity: Int
  /// The most bytes one read from memory gives (to test chunk boundaries).
  private var chunkLimit = Int.max
  /// The next unread byte in `buffer`.
  var position = 0
  /// One past the last byte read into `buffer`.
  var end = 0
  private var atEOF = false
  private(set) var started = false

  init(fileDescriptor: Int32, owned: Bool, name: String) {
    origin = .descriptor(fileDescriptor, owned: owned)
    self.name = name
    capacity = ByteSource.defaultChunkSize
    buffer = .allocate(capacity: capacity)
  }

  init(bytes: [UInt8], chunkSize: Int) {
    precondition(chunkSize > 0)
    origin = .memory(bytes, offset: 0)
    name = "input"
    chunkLimit = chunkSize
    // Room for a byte order mark even with tiny test chunks.
    capacity = max(chunkSize, 3)
    buffer = .allocate(capacity: capacity)
  }

  /// Opens `path` for reading; `-` is standard input. A file that cannot be opened is
  /// refused as `cannot open 'PATH': REASON`, or with `field` (the option or argument that
  /// named it) as `invalid FIELD 'PATH': cannot open it (REASON)`.
  convenience init(path: String, field: String? = nil) throws {
    if path == "-" {
      self.init(fileDescriptor: 0, owned: false, name: "standard input")
      return
    }
    var fd: Int32
    repeat {
      fd = open(path, O_RDONLY | O_CLOEXEC)
    } while fd < 0 && errno == EINTR
    guard fd >= 0 else { throw Self.cannotOpen(path, field, errno) }
    var status = stat()
    if fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
      _ = close(fd)
      throw Self.cannotOpen(path, field, EISDIR)
    }
    self.init(fileDescriptor: fd, owned: true, name: "'\(path)'")
  }

  private static func cannotOpen(_ path: String, _ field: String?, _ code: Int32) -> LedgerError {
    let reason = String(cString: strerror(code))
    guard let field else { return LedgerError("cannot open '\(path)': \(reason)") }
    return LedgerError("invalid \(field) '\(Identifier.printable(path))': cannot open it (\(reason))")
  }

  deinit {
    if case .descriptor(let fd, owned: true) = origin { _ = close(fd) }
    buffer.deallocate()
  }

  /// Skips a UTF-8 byte order mark at the very start.
  func start(line: Int) throws(CSVError) {
    started = true
    while end < 3 && !atEOF {
      let n = try read(into: buffer + end, count: min(capacity - end, chunkLimit), line: line)
      if n == 0 { atEOF = true }
      end += n
    }
    if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
  }

  /// True when a byte is ready at `buffer[position]`, reading the next chunk when needed.
  @inline(__always)
  func available(line: Int) throws(CSVError) -> Bool {
    if position < end { return true }
    return try refill(line: line)
  }

  private func refill(line: Int) throws(CSVError) -> Bool {
    position = 0
    end = 0
    guard !atEOF else { return false }
    let n = try read(into: buffer, count: min(capacity, chunkLimit), line: line)
    if n == 0 { atEOF = true }
    end = n
    return n > 0
  }

  private func read(into destination: UnsafeMutablePointer<UInt8>, count: Int, line: Int) throws(CSVError) -> Int {
    guard count > 0 else { return 0 }
    switch origin {
    case .descriptor(let fd, _):
      while true {
        let n = systemRead(fd, destination, count)
        if n >= 0 { return n }
        if errno == EINTR { continue }
        throw CSVError(line: line, message: "cannot read \(name): \(String(cString: strerror(errno)))")
      }
    case .memory(let bytes, let offset):
      let n = min(count, bytes.count - offset)
      guard n > 0 else { return 0 }
      bytes.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + offset, count: n) }
      origin = .memory(bytes, offset: offset + n)
      return n
    }
  }
}

// ByteSource.read(into:count:line:) shadows read(2) inside the class.
@inline(__always)
private func systemRead(_ fd: Int32, _ destination: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
  read(fd, destination, count)
}
