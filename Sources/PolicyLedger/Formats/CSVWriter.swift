/// Writes rows as RFC 4180 CSV: a header row, then one record a row, LF line ends, UTF-8, no BOM.
///
/// A field is quoted only when it needs to be: when it holds a comma, a quote, CR or LF, starts or
/// ends with a space, or starts with U+FEFF (which a reader would take for a byte order mark at
/// the start of a file). Quotes inside are doubled. `.null` is an empty field; integers are
/// written plain. `CSVReader` reads the output back unchanged (except that null and the empty
/// string are both an empty field).
///
/// With `excelSafe`, a text field starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'` so
/// that a spreadsheet does not run it as a formula (CSV injection). It alters the data, so it is
/// off by default; integers are never changed.
///
/// Each row goes straight to the sink; nothing is kept.
public final class CSVWriter: RowWriter {
  private let sink: ByteSink
  /// Whether a text cell that a spreadsheet would run as a formula gets a leading `'` (`--excel-safe`).
  public let excelSafe: Bool

  /// Whether ``begin(columns:)`` writes the header row (`--no-headers` turns it off).
  public let headers: Bool

  /// A CSV writer to `sink`: RFC 4180 quoting, one line a record.
  public init(sink: ByteSink, excelSafe: Bool = false, headers: Bool = true) {
    self.sink = sink
    self.excelSafe = excelSafe
    self.headers = headers
  }

  /// Writes the header row, unless `headers` is off.
  public func begin(columns: [String]) throws {
    guard headers else { return }
    writeRecord(columns)
    try sink.throwIfFailed()
  }

  /// Writes one record, quoting only the fields that need it.
  public func write(_ row: [Cell]) throws {
    var first = true
    for cell in row {
      if first { first = false } else { sink.write(byte: UInt8(ascii: ",")) }
      switch cell {
      case .null: break
      case .text(let text): writeField(text, guardFormula: excelSafe)
      case .integer(let value): sink.writeDecimal(value)
      case .boolean(let value): sink.write(value ? "true" : "false")
      case .list(let items): writeField(items.joined(separator: ";"), guardFormula: excelSafe)
      }
    }
    sink.write(byte: UInt8(ascii: "\n"))
    try sink.throwIfFailed()
  }

  /// Flushes the sink.
  public func finish() throws {
    try sink.flush()
  }

  private func writeRecord(_ fields: [String]) {
    var first = true
    for field in fields {
      if first { first = false } else { sink.write(byte: UInt8(ascii: ",")) }
      writeField(field, guardFormula: false)
    }
    sink.write(byte: UInt8(ascii: "\n"))
  }

  @inline(__always)
  private func writeField(_ text: String, guardFormula: Bool) {
    var text = text
    text.withUTF8 { bytes in
      let count = bytes.count
      guard count > 0 else { return }
      let prefixed = guardFormula && CSVWriter.startsFormula(bytes[0])
      var quote =
        bytes[count - 1] == 0x20
        || (!prefixed && (bytes[0] == 0x20 || (count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)))
      if !quote {
        for b in bytes where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D {
          quote = true
          break
        }
      }
      if quote { sink.write(byte: 0x22) }
      if prefixed { sink.write(byte: UInt8(ascii: "'")) }
      if quote {
        var start = 0
        for i in 0..<count where bytes[i] == 0x22 {
          // Write through the quote, then the quote again.
          sink.write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...i]))
          sink.write(byte: 0x22)
          start = i + 1
        }
        sink.write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<count]))
        sink.write(byte: 0x22)
      } else {
        sink.write(UnsafeRawBufferPointer(bytes))
      }
    }
  }

  @inline(__always)
  static func startsFormula(_ b: UInt8) -> Bool {
    // = + - @ TAB CR
    b == 0x3D || b == 0x2B || b == 0x2D || b == 0x40 || b == 0x09 || b == 0x0D
  }
}
