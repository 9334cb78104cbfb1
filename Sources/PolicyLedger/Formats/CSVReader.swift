import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A refusal from `CSVReader`, `CSVTable` or `LineReader` (reading an import file), naming the physical line (1-based).
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The physical line of the file (1-based) where the problem is.
  public let line: Int
  /// What is wrong there.
  public let message: String
  /// The field of the record at fault (0-based), when one is: a table names its column.
  public let field: Int?

  /// A refusal at `line` saying `message`, in `field` when given.
  public init(line: Int, message: String, field: Int? = nil) {
    self.line = line
    self.message = message
    self.field = field
  }

  /// `line N: message`
  public var description: String { "line \(line): \(message)" }

  /// Two refusals are the same when they say the same of the same line (`field` only
  /// helps a table word it).
  public static func == (a: CSVError, b: CSVError) -> Bool { a.line == b.line && a.message == b.message }
}

/// A strict, streaming RFC 4180 reader.
///
/// It reads 1 MiB at a time and parses bytes. Records end with LF or CRLF; the last one may have
/// no line end. Fields may be quoted, with `""` for a quote and commas, CR and LF inside. A UTF-8
/// byte order mark at the very start is skipped. An empty line is a record of one empty field.
///
/// It refuses, naming the line: a quote inside an unquoted field, a CR that does not end a line in
/// an unquoted field, anything but a comma or a line end after a closing quote, a quoted field
/// still open at the end of the input (naming the line where it began), a field that is not valid
/// UTF-8, and a field longer than ``maxFieldBytes``. NUL bytes are passed on: callers decide.
/// After a refusal every later call throws the same error.
package final class CSVReader {
  /// The longest field accepted by default, in bytes (16 MiB): also the longest text a
  /// ledger records (a body, a statement, a title), so that every export imports again.
  package static let defaultMaxFieldBytes = 16 * 1024 * 1024
  /// The longest field accepted, in bytes.
  package var maxFieldBytes = CSVReader.defaultMaxFieldBytes
  /// The physical line (1-based) where the record last returned, or refused, began.
  public private(set) var recordLine: Int = 0
  /// How many of a record's fields are kept; the rest are counted (``recordFieldCount``),
  /// not kept, so a line of a hundred million commas costs no memory. nil keeps all.
  package var maxFieldsKept: Int?
  /// How many fields the record last returned has, kept or not.
  package private(set) var recordFieldCount = 0
  /// The input's first byte after a byte order mark, once the first record is read: what
  /// a refusal of the header looks at to say the file is JSON.
  package private(set) var firstByte: UInt8?

  private let source: ByteSource
  /// The physical line of the next unread byte.
  private var line = 1
  /// Bytes of a field that is quoted or spans chunks; reused.
  private var field: [UInt8] = []
  private var fieldIndex = 0
  /// Fields in the last record: room to reserve for the next.
  private var lastFieldCount = 4
  private var failure: CSVError?

  private enum End {
    case comma, lineEnd, input
  }

  /// Reads the file at `path`, or standard input when `path` is `-`; `field` names the
  /// option or argument that gave the path in a refusal to open it.
  package convenience init(path: String, field: String? = nil) throws {
    self.init(source: try ByteSource(path: path, field: field))
  }

  /// Reads an open descriptor, which is not closed.
  package convenience init(fileDescriptor: Int32) {
    self.init(source: ByteSource(fileDescriptor: fileDescriptor, owned: false, name: "file descriptor \(fileDescriptor)"))
  }

  /// Reads bytes in memory (tests, fuzzing).
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

  /// The next record's fields, or nil at the end of the input.
  package func readRecord() throws(CSVError) -> [String]? {
    if let failure { throw failure }
    do {
      return try parseRecord()
    } catch {
      failure = error
      throw error
    }
  }

  private func parseRecord() throws(CSVError) -> [String]? {
    if !source.started { try source.start(line: line) }
    recordLine = line
    guard try source.available(line: line) else { return nil }
    if line == 1, firstByte == nil { firstByte = source.buffer[source.position] }
    var fields: [String] = []
    fields.reserveCapacity(lastFieldCount)
    fieldIndex = 0
    let keep = maxFieldsKept ?? Int.max
    while true {
      let (value, end) = try parseField()
      if fieldIndex < keep { fields.append(value) }
      fieldIndex += 1
      if end != .comma {
        lastFieldCount = fields.count
        recordFieldCount = fieldIndex
        return fields
      }
    }
  }

  private func parseField() throws(CSVError) -> (String, End) {
    guard try source.available(line: line) else { return ("", .input) }
    if source.buffer[source.position] == 0x22 {
      source.position += 1
      return try parseQuotedField()
    }
    var carried = false
    while true {
      let base = source.buffer
      let start = source.position
      let end = source.end
      var p = start
      while p < end {
        let b = base[p]
        if b == 0x2C || b == 0x0A || b == 0x0D || b == 0x22 { break }
        p += 1
      }
      guard p < end else {
        try collect(base + start, end - start, startLine: line)
        carried = true
        source.position = end
        if try source.available(line: line) { continue }
        return (try decodeField(startLine: line), .input)
      }
      let b = base[p]
      if b == 0x22 {
        // The bytes before the quote count first, as they do when they arrive in several
        // chunks: the error must not depend on where a chunk ends.
        if carried {
          try collect(base + start, p - start, startLine: line)
        } else if p - start > maxFieldBytes {
          throw tooLong(line)
        }
        throw CSVError(line: line, message: "bare quote in unquoted field", field: fieldIndex)
      }
      let value: String
      if carried {
        try collect(base + start, p - start, startLine: line)
        value = try decodeField(startLine: line)
      } else {
        if p - start > maxFieldBytes { throw tooLong(line) }
        value = try decode(UnsafeBufferPointer(start: base + start, count: p - start), startLine: line)
      }
      source.position = p + 1
      switch b {
      case 0x2C:
        return (value, .comma)
      case 0x0A:
        line += 1
        return (value, .lineEnd)
      default:  // CR
        if try source.available(line: line), source.buffer[source.position] == 0x0A {
          source.position += 1
          line += 1
          return (value, .lineEnd)
        }
        throw CSVError(line: line, message: "bare CR in unquoted field", field: fieldIndex)
      }
    }
  }

  /// Parses after an opening quote.
  private func parseQuotedField() throws(CSVError) -> (String, End) {
    let startLine = line
    field.removeAll(keepingCapacity: true)
    while true {
      guard try source.available(line: line) else {
        throw CSVError(line: startLine, message: "unterminated quoted field", field: fieldIndex)
      }
      let base = source.buffer
      let start = source.position
      let end = source.end
      var p = start
      while p < end {
        let b = base[p]
        if b == 0x22 { break }
        if b == 0x0A { line += 1 }
        p += 1
      }
      try collect(base + start, p - start, startLine: startLine)
      guard p < end else {
        source.position = end
        continue
      }
      // A quote: doubled, closing, or wrong.
      source.position = p + 1
      guard try source.available(line: line) else {
        return (try decodeField(startLine: startLine), .input)
      }
      let next = source.buffer[source.position]
      switch next {
      case 0x22:
        source.position += 1
        if field.count + 1 > maxFieldBytes { throw tooLong(startLine) }
        field.append(0x22)
      case 0x2C:
        source.position += 1
        return (try decodeField(startLine: startLine), .comma)
      case 0x0A:
        source.position += 1
        let value = try decodeField(startLine: startLine)
        line += 1
        return (value, .lineEnd)
      case 0x0D:
        source.position += 1
        if try source.available(line: line), source.buffer[source.position] == 0x0A {
          source.position += 1
          let value = try decodeField(startLine: startLine)
          line += 1
          return (value, .lineEnd)
        }
        throw CSVError(line: line, message: "unexpected '\\r' after closing quote", field: fieldIndex)
      default:
        throw CSVError(line: line, message: "unexpected \(CSVReader.describe(next)) after closing quote", field: fieldIndex)
      }
    }
  }

  @inline(__always)
  private func collect(_ start: UnsafePointer<UInt8>, _ count: Int, startLine: Int) throws(CSVError) {
    guard count > 0 else { return }
    if field.count + count > maxFieldBytes { throw tooLong(startLine) }
    field.append(contentsOf: UnsafeBufferPointer(start: start, count: count))
  }

  private func decodeField(startLine: Int) throws(CSVError) -> String {
    defer { field.removeAll(keepingCapacity: true) }
    return try field.withUnsafeBufferPointer { (bytes) throws(CSVError) -> String in
      try decode(bytes, startLine: startLine)
    }
  }

  @inline(__always)
  private func decode(_ bytes: UnsafeBufferPointer<UInt8>, startLine: Int) throws(CSVError) -> String {
    if CSVReader.isValidUTF8(bytes) { return String(decoding: bytes, as: UTF8.self) }
    throw CSVError(
      line: startLine + CSVReader.lineBreaksBeforeInvalidUTF8(bytes),
      message: "invalid UTF-8 in field \(fieldIndex + 1)", field: fieldIndex)
  }

  private func tooLong(_ line: Int) -> CSVError {
    CSVError(line: line, message: "field longer than \(maxFieldBytes) bytes", field: fieldIndex)
  }

  /// How many LFs come before the first byte that is not valid UTF-8.
  static func lineBreaksBeforeInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    var breaks = 0
    while true {
      switch decoder.decode(&iterator) {
      case .scalarValue(let scalar): if scalar == "\n" { breaks += 1 }
      case .emptyInput, .error: return breaks
      }
    }
  }

  /// A byte for a message: `'x'` when printable ASCII, else `byte 0xNN`.
  static func describe(_ byte: UInt8) -> String {
    switch byte {
    case 0x09: "'\\t'"
    case 0x20...0x7E: "'\(Character(Unicode.Scalar(byte)))'"
    default: "byte 0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }
  }
}

// MARK: - CSVTable

/// A CSV file with a header naming its columns, checked against the columns a command knows.
///
/// The header must name each required column, may name optional ones, and nothing else, each once.
/// Every record must have as many fields as the header. Errors are ``CSVError``s naming the line.
package struct CSVTable {
  /// The columns in the order of the header.
  package let columns: [String]
  private let reader: CSVReader
  private let index: [String: Int]

  /// What a file whose header is not column names suggests it is instead: JSON when it
  /// starts with `[` or `{` (whether its first line then reads as CSV, `[1,2]`, or fails
  /// to, JSON Lines); a header of one field separated by tabs or `;`, a spreadsheet's other
  /// "CSV". Empty when neither.
  static func otherFormat(firstByte: UInt8?, header: [String]) -> String {
    let reads = "import reads comma-separated CSV, as export writes it"
    if firstByte == UInt8(ascii: "[") || firstByte == UInt8(ascii: "{") { return "; \(reads), not JSON" }
    guard header.count == 1, let name = header.first else { return "" }
    if name.contains("\t") { return "; \(reads), and this header is separated by tabs" }
    if name.contains(";") { return "; \(reads), and this header is separated by ';'" }
    return ""
  }

  package init(reader: CSVReader, required: [String], optional: [String]) throws(CSVError) {
    self.reader = reader
    let expected = required + optional
    // A header of more names than there are columns names one that is unknown or doubled
    // among its first expected.count + 1, the ones kept; a row of more fields than the
    // header is refused by its count. Neither keeps more, however long its line.
    reader.maxFieldsKept = expected.count + 1
    let record: [String]?
    do {
      record = try reader.readRecord()
    } catch {
      // JSON Lines (`{"policy":…}`) fails as CSV before its header can be looked at.
      let hint = CSVTable.otherFormat(firstByte: reader.firstByte, header: [])
      guard !hint.isEmpty else { throw error }
      throw CSVError(line: error.line, message: error.message + hint, field: error.field)
    }
    guard let header = record else {
      throw CSVError(line: 1, message: "empty file: expected a header (\(expected.joined(separator: ", ")))")
    }
    let line = reader.recordLine
    if header == [""] {
      throw CSVError(line: line, message: "empty header: expected \(expected.joined(separator: ", "))")
    }
    var index: [String: Int] = [:]
    for (position, name) in header.enumerated() {
      guard expected.contains(name) else {
        throw CSVError(
          line: line,
          message: "unknown column '\(Identifier.printable(name))' (expected: \(expected.joined(separator: ", ")))"
            + CSVTable.otherFormat(firstByte: reader.firstByte, header: header))
      }
      guard index.updateValue(position, forKey: name) == nil else {
        throw CSVError(line: line, message: "duplicate column '\(Identifier.printable(name))'")
      }
    }
    for name in required where index[name] == nil {
      throw CSVError(line: line, message: "missing column '\(name)'")
    }
    self.columns = header
    self.index = index
    reader.maxFieldsKept = header.count + 1
  }

  /// The next record, or nil at the end of the file.
  package func next() throws(CSVError) -> CSVRow? {
    let record: [String]?
    do {
      record = try reader.readRecord()
    } catch {
      // The reader knows the field's place; the table knows its column.
      guard let field = error.field, field < columns.count else { throw error }
      throw CSVError(line: error.line, message: error.message + " (column '\(Identifier.printable(columns[field]))')", field: field)
    }
    guard let fields = record else { return nil }
    let line = reader.recordLine
    let count = reader.recordFieldCount
    guard count == columns.count else {
      if fields == [""] {
        throw CSVError(line: line, message: "empty line, expected \(columns.count) fields")
      }
      // More fields than columns is most often a comma inside a value left unquoted.
      let hint = count > columns.count ? "; a value holding a comma is written in double quotes" : ""
      throw CSVError(line: line, message: "\(count) field\(count == 1 ? "" : "s"), expected \(columns.count)\(hint)")
    }
    return CSVRow(line: line, fields: fields, index: index)
  }
}

/// One record of a ``CSVTable``.
package struct CSVRow {
  /// The physical line where the record began.
  package let line: Int
  /// The fields in header order.
  package let fields: [String]
  private let index: [String: Int]

  init(line: Int, fields: [String], index: [String: Int]) {
    self.line = line
    self.fields = fields
    self.index = index
  }

  /// The field of `column`, or nil when the header does not name it.
  package subscript(column: String) -> String? {
    index[column].map { fields[$0] }
  }
}
