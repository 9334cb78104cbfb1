/// Writes rows as one JSON array of objects, one object a line, keys in column order:
///
///     [
///     {"id":1,"title":"a"},
///     {"id":2,"title":null}
///     ]
///
/// `[]` when there are no rows. Each object is written as its row arrives; nothing is kept.
public final class JSONWriter: RowWriter {
  private let encoder: JSONObjectEncoder
  private var rows = 0

  /// A writer of one JSON array of objects to `sink`.
  public init(sink: ByteSink) {
    encoder = JSONObjectEncoder(sink: sink)
  }

  /// Opens the array; `columns` name each object's members, in order.
  public func begin(columns: [String]) throws {
    encoder.setColumns(columns)
    rows = 0
    encoder.sink.write(byte: UInt8(ascii: "["))
    try encoder.sink.throwIfFailed()
  }

  /// Writes one object.
  public func write(_ row: [Cell]) throws {
    encoder.sink.write(rows == 0 ? "\n" : ",\n")
    rows += 1
    encoder.writeObject(row)
    try encoder.sink.throwIfFailed()
  }

  /// Closes the array and flushes the sink.
  public func finish() throws {
    encoder.sink.write(rows == 0 ? "]\n" : "\n]\n")
    try encoder.sink.flush()
  }
}

/// Writes rows as JSON Lines: one object a line, keys in column order, nothing for no rows.
public final class JSONLinesWriter: RowWriter {
  private let encoder: JSONObjectEncoder

  /// A writer of one JSON object per line to `sink`.
  public init(sink: ByteSink) {
    encoder = JSONObjectEncoder(sink: sink)
  }

  /// Takes the member names; JSON Lines has no header.
  public func begin(columns: [String]) throws {
    encoder.setColumns(columns)
  }

  /// Writes one object and a line feed.
  public func write(_ row: [Cell]) throws {
    encoder.writeObject(row)
    encoder.sink.write(byte: UInt8(ascii: "\n"))
    try encoder.sink.throwIfFailed()
  }

  /// Flushes the sink.
  public func finish() throws {
    try encoder.sink.flush()
  }
}

/// The part both JSON writers share: rows as objects, strings escaped per RFC 8259.
final class JSONObjectEncoder {
  let sink: ByteSink
  /// `"name":` for each column, escaped once in `setColumns`.
  private var keys: [[UInt8]] = []

  init(sink: ByteSink) {
    self.sink = sink
  }

  func setColumns(_ columns: [String]) {
    keys = columns.map { column in
      var key = JSONObjectEncoder.escaped(column)
      key.append(UInt8(ascii: ":"))
      return key
    }
  }

  func writeObject(_ row: [Cell]) {
    precondition(row.count == keys.count, "a row has \(row.count) cells for \(keys.count) columns")
    sink.write(byte: UInt8(ascii: "{"))
    for index in row.indices {
      if index > 0 { sink.write(byte: UInt8(ascii: ",")) }
      keys[index].withUnsafeBytes { sink.write($0) }
      switch row[index] {
      case .null: sink.write("null")
      case .integer(let value): sink.writeDecimal(value)
      case .text(let text): writeString(text)
      case .boolean(let value): sink.write(value ? "true" : "false")
      case .list(let items):
        sink.write(byte: UInt8(ascii: "["))
        for (position, item) in items.enumerated() {
          if position > 0 { sink.write(byte: UInt8(ascii: ",")) }
          writeString(item)
        }
        sink.write(byte: UInt8(ascii: "]"))
      }
    }
    sink.write(byte: UInt8(ascii: "}"))
  }

  /// Writes `text` as a JSON string: quote, backslash and control characters escaped,
  /// everything else (non-ASCII included) as UTF-8 as it is.
  func writeString(_ text: String) {
    var text = text
    sink.write(byte: 0x22)
    text.withUTF8 { bytes in
      let raw = UnsafeRawBufferPointer(bytes)
      var start = 0
      for i in 0..<bytes.count {
        let b = bytes[i]
        guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
        if start < i { sink.write(UnsafeRawBufferPointer(rebasing: raw[start..<i])) }
        JSONObjectEncoder.withEscape(of: b) { sink.write($0) }
        start = i + 1
      }
      if start < bytes.count { sink.write(UnsafeRawBufferPointer(rebasing: raw[start..<bytes.count])) }
    }
    sink.write(byte: 0x22)
  }

  /// `text` as a quoted, escaped JSON string.
  static func escaped(_ text: String) -> [UInt8] {
    var out: [UInt8] = [0x22]
    for b in text.utf8 {
      if b < 0x20 || b == 0x22 || b == 0x5C {
        withEscape(of: b) { out.append(contentsOf: $0) }
      } else {
        out.append(b)
      }
    }
    out.append(0x22)
    return out
  }

  private static let hexDigits: StaticString = "0123456789abcdef"

  /// Calls `body` with the escape sequence for a quote, a backslash or a control character.
  @inline(__always)
  private static func withEscape(of b: UInt8, _ body: (UnsafeRawBufferPointer) -> Void) {
    var sequence: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0x5C, 0, 0, 0, 0, 0)
    var length = 2
    switch b {
    case 0x22: sequence.1 = 0x22
    case 0x5C: sequence.1 = 0x5C
    case 0x0A: sequence.1 = UInt8(ascii: "n")
    case 0x0D: sequence.1 = UInt8(ascii: "r")
    case 0x09: sequence.1 = UInt8(ascii: "t")
    case 0x08: sequence.1 = UInt8(ascii: "b")
    case 0x0C: sequence.1 = UInt8(ascii: "f")
    default:
      // \u00XX
      let hex = hexDigits.utf8Start
      sequence.1 = UInt8(ascii: "u")
      sequence.2 = 0x30
      sequence.3 = 0x30
      sequence.4 = hex[Int(b >> 4)]
      sequence.5 = hex[Int(b & 0x0F)]
      length = 6
    }
    withUnsafeBytes(of: &sequence) { body(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
  }
}
