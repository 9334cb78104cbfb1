/// Reads a text file one physical line at a time (recipients files: one employee id a line).
///
/// Lines end with LF or CRLF (the line end is not part of the text); the last line may have none.
/// Each line must be valid UTF-8 and at most 1 MiB; a UTF-8 byte order mark at the very start is
/// skipped. Trimming and skipping blank lines are the caller's. Reads 1 MiB at a time. After a
/// refusal every later call throws the same error.
///
/// Its initialisers are ``CSVReader``'s, over the same ``ByteSource``: the two readers share
/// their input and differ in what a record is, and a protocol for three one-line
/// initialisers would cost more lines than it saves.
package final class LineReader {
  /// The longest line accepted, in bytes (without its line end).
  package static let maxLineBytes = 1024 * 1024

  private let source: ByteSource
  private var line = 0
  private var pending: [UInt8] = []
  private var failure: CSVError?

  /// Reads the file at `path`, or standard input when `path` is `-`; `field` names the
  /// option or argument that gave the path in a refusal to open it.
  package convenience init(path: String, field: String? = nil) throws {
    self.init(source: try ByteSource(path: path, field: field))
  }

  /// Reads bytes in memory (tests).
  package convenience init(bytes: [UInt8]) {
    self.init(source: ByteSource(bytes: bytes, chunkSize: ByteSource.defaultChunkSize))
  }

  /// Reads bytes in memory in chunks of `chunkSize`, to test chunk boundaries.
  convenience init(bytes: [UInt8], chunkSize: Int) {
    self.init(source: ByteSource(bytes: bytes, chunkSize: chunkSize))
  }

  private init(source: ByteSource) {
    self.source = source
  }

  /// The next line and its 1-based number, or nil at the end of the input.
  package func next() throws(CSVError) -> (line: Int, text: String)? {
    if let failure { throw failure }
    do {
      return try readLine()
    } catch {
      failure = error
      throw error
    }
  }

  private func readLine() throws(CSVError) -> (line: Int, text: String)? {
    if !source.started { try source.start(line: line + 1) }
    guard try source.available(line: line + 1) else { return nil }
    line += 1
    pending.removeAll(keepingCapacity: true)
    var carried = false
    while true {
      let base = source.buffer
      let start = source.position
      let end = source.end
      var p = start
      while p < end && base[p] != 0x0A { p += 1 }
      if p < end {
        source.position = p + 1
        if !carried {
          var length = p - start
          if length > 0 && base[p - 1] == 0x0D { length -= 1 }
          guard length <= LineReader.maxLineBytes else { throw tooLong() }
          return (line, try decode(UnsafeBufferPointer(start: base + start, count: length)))
        }
        try collect(base + start, p - start)
        if pending.last == 0x0D { pending.removeLast() }
        return (line, try decodePending())
      }
      // No line end in this chunk: keep what there is (one more byte is allowed for a CR).
      try collect(base + start, end - start)
      carried = true
      source.position = end
      if try !source.available(line: line) {
        return (line, try decodePending())
      }
    }
  }

  private func collect(_ start: UnsafePointer<UInt8>, _ count: Int) throws(CSVError) {
    if pending.count + count > LineReader.maxLineBytes + 1 { throw tooLong() }
    pending.append(contentsOf: UnsafeBufferPointer(start: start, count: count))
  }

  private func decodePending() throws(CSVError) -> String {
    guard pending.count <= LineReader.maxLineBytes else { throw tooLong() }
    return try pending.withUnsafeBufferPointer { (bytes) throws(CSVError) -> String in try decode(bytes) }
  }

  private func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVError) -> String {
    if CSVReader.isValidUTF8(bytes) { return String(decoding: bytes, as: UTF8.self) }
    throw CSVError(line: line, message: "invalid UTF-8")
  }

  private func tooLong() -> CSVError {
    CSVError(line: line, message: "line longer than \(LineReader.maxLineBytes) bytes")
  }
}
