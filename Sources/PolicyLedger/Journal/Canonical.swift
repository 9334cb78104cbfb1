/// The canonical byte encoding of journal entries (docs/journal-format.md).
///
/// A value is one tag byte and its content:
///
///     0x00                                   null
///     0x01  8-byte big-endian two's complement   integer
///     0x02  4-byte big-endian length, UTF-8 bytes text
///     0x03  4-byte big-endian length, raw bytes   bytes
///
/// An entry's fields follow one another in the fixed order its kind defines; names are
/// not encoded. The encoding is injective: two different entries never share bytes.
package struct CanonicalEncoder {
  package private(set) var bytes: [UInt8] = []

  package init() {}

  package mutating func null() { bytes.append(0x00) }

  package mutating func integer(_ value: Int64) {
    bytes.append(0x01)
    withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
  }

  package mutating func integer(_ value: Int64?) {
    if let value { integer(value) } else { null() }
  }

  package mutating func text(_ value: String) {
    bytes.append(0x02)
    var value = value
    value.withUTF8 { utf8 in
      length(utf8.count)
      bytes.append(contentsOf: utf8)
    }
  }

  package mutating func text(_ value: String?) {
    if let value { text(value) } else { null() }
  }

  package mutating func data(_ value: [UInt8]) {
    bytes.append(0x03)
    length(value.count)
    bytes.append(contentsOf: value)
  }

  private mutating func length(_ count: Int) {
    precondition(count <= Int(UInt32.max), "a canonical value is at most 4 GiB")
    withUnsafeBytes(of: UInt32(count).bigEndian) { bytes.append(contentsOf: $0) }
  }
}

/// Reads values written by ``CanonicalEncoder``, in order.
package struct CanonicalDecoder {
  let bytes: [UInt8]
  var offset = 0

  package init(_ bytes: [UInt8]) { self.bytes = bytes }

  package var isAtEnd: Bool { offset == bytes.count }

  struct Malformed: Error, CustomStringConvertible {
    let offset: Int
    let expected: String
    var description: String { "malformed payload at byte \(offset): expected \(expected)" }
  }

  private mutating func tag(_ expected: String) throws -> UInt8 {
    guard offset < bytes.count else { throw Malformed(offset: offset, expected: expected) }
    defer { offset += 1 }
    return bytes[offset]
  }

  private mutating func take(_ count: Int, _ expected: String) throws -> ArraySlice<UInt8> {
    guard count >= 0, bytes.count - offset >= count else { throw Malformed(offset: offset, expected: expected) }
    defer { offset += count }
    return bytes[offset..<offset + count]
  }

  private mutating func length(_ expected: String) throws -> Int {
    try take(4, expected).reduce(0) { $0 << 8 | Int($1) }
  }

  package mutating func optionalInteger() throws -> Int64? {
    switch try tag("integer") {
    case 0x00: return nil
    case 0x01: return Int64(bitPattern: try take(8, "integer").reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    default: offset -= 1; throw Malformed(offset: offset, expected: "integer")
    }
  }

  package mutating func integer() throws -> Int64 {
    let start = offset
    guard let value = try optionalInteger() else { throw Malformed(offset: start, expected: "integer, not null") }
    return value
  }

  package mutating func optionalText() throws -> String? {
    switch try tag("text") {
    case 0x00: return nil
    case 0x02:
      let start = offset
      let utf8 = try take(try length("text length"), "text")
      guard let text = String(validating: utf8, as: UTF8.self) else { throw Malformed(offset: start, expected: "UTF-8 text") }
      return text
    default: offset -= 1; throw Malformed(offset: offset, expected: "text")
    }
  }

  package mutating func text() throws -> String {
    let start = offset
    guard let value = try optionalText() else { throw Malformed(offset: start, expected: "text, not null") }
    return value
  }

  package mutating func data() throws -> [UInt8] {
    guard try tag("bytes") == 0x03 else { offset -= 1; throw Malformed(offset: offset, expected: "bytes") }
    return Array(try take(try length("bytes length"), "bytes"))
  }
}
