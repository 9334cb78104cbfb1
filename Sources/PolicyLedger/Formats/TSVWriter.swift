/// Writes rows as tab-separated values: a header row (unless `headers` is off), then one line
/// a row, fields separated by TAB, LF line ends, UTF-8, no quoting.
///
/// So that every row stays one line of exactly one field a column, a field's TAB, LF, CR and
/// backslash are written as `\t`, `\n`, `\r` and `\\` (the escapes of PostgreSQL's `COPY`
/// text format and of `mlr --tsv`); nothing else is changed. `.null` is an empty field, a flag
/// `true` or `false`, a list `;`-joined, as in CSV.
///
/// With `excelSafe`, a text field starting with `=`, `+`, `-` or `@` gets a leading `'`, as
/// ``CSVWriter`` does: a spreadsheet opens TSV too, and would run it as a formula. (A TAB
/// or CR, which CSV also guards, is written here as `\t` or `\r`, which a spreadsheet does
/// not run.) Integers are never changed.
///
///     policy\tversion\ttitle
///     remote-work\t1\tRemote work
///
/// Each row goes straight to the sink; nothing is kept.
public final class TSVWriter: RowWriter {
  private let sink: ByteSink
  /// Whether ``begin(columns:)`` writes the header row (`--no-headers` turns it off).
  public let headers: Bool
  /// Whether a text cell that a spreadsheet would run as a formula gets a leading `'` (`--excel-safe`).
  public let excelSafe: Bool

  /// A TSV writer to `sink`.
  public init(sink: ByteSink, excelSafe: Bool = false, headers: Bool = true) {
    self.sink = sink
    self.excelSafe = excelSafe
    self.headers = headers
  }

  /// Writes the header row, unless `headers` is off.
  public func begin(columns: [String]) throws {
    guard headers else { return }
    writeLine(columns.map { .text($0) }, guardFormula: false)
    try sink.throwIfFailed()
  }

  /// Writes one line, escaping TAB, LF, CR and backslash inside fields.
  public func write(_ row: [Cell]) throws {
    writeLine(row, guardFormula: excelSafe)
    try sink.throwIfFailed()
  }

  /// Flushes the sink.
  public func finish() throws {
    try sink.flush()
  }

  private func writeLine(_ row: [Cell], guardFormula: Bool) {
    for (index, cell) in row.enumerated() {
      if index > 0 { sink.write(byte: 0x09) }
      guard let text = cell.flatText else { continue }
      if guardFormula, cell.isText, let first = text.utf8.first, CSVWriter.startsFormula(first), first != 0x09, first != 0x0D {
        sink.write(byte: UInt8(ascii: "'"))
      }
      sink.write(TSVWriter.escaped(text))
    }
    sink.write(byte: 0x0A)
  }

  /// `text` with TAB, LF, CR and backslash written as `\t`, `\n`, `\r`, `\\`.
  public static func escaped(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x5C }) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count + 8)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\t": out += "\\t"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\\": out += "\\\\"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
