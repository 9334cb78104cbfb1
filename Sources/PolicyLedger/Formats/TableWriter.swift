/// Writes rows for people in a terminal: aligned columns under a header and a dashed rule, two
/// spaces between columns, integers right-aligned, everything else left-aligned:
///
///     id  employee  title
///     --  --------  -----------
///      7  E0001234  Remote work
///
/// The rows are kept until ``finish()``, which measures the columns (in Characters) and prints.
/// With no rows only the header and the rule are printed; with `headers` off, neither is. `.null` shows as empty. Inside a value,
/// line breaks show as `⏎`, TAB as `\t`, CR as `\r` and other control characters as `\u{1B}`;
/// a value longer than 60 Characters is cut to 59 and `…`, except in a column whose name ends
/// in `sha256`: a digest is copied and compared whole. Lines carry no trailing spaces.
public final class TableWriter: RowWriter {
  /// Longest value shown, in Characters; longer ones are cut to one less and `…`.
  public static let maxValueWidth = 60

  private struct Shown {
    var text: String
    var width: Int
    var rightAligned: Bool
  }

  private let sink: ByteSink
  private var header: [Shown] = []
  /// Per column, whether its values are shown whole (a digest's 64 hex digits).
  private var whole: [Bool] = []
  private var rows: [[Shown]] = []
  /// Whether the header and its rule are printed (`--no-headers` turns them off).
  public let headers: Bool

  /// A table writer to `sink`.
  public init(sink: ByteSink, headers: Bool = true) {
    self.sink = sink
    self.headers = headers
  }

  /// Takes the column names (shown as the header unless `headers` is off).
  public func begin(columns: [String]) throws {
    header = columns.map { TableWriter.shown($0, rightAligned: false) }
    whole = columns.map { $0.hasSuffix("sha256") }
    rows = []
  }

  /// Keeps one row; a table is laid out when all its rows are known.
  public func write(_ row: [Cell]) throws {
    precondition(row.count == header.count, "a row has \(row.count) cells for \(header.count) columns")
    rows.append(
      row.enumerated().map { index, cell in
        switch cell {
        case .null: Shown(text: "", width: 0, rightAligned: false)
        case .integer(let value): TableWriter.shown(String(value), rightAligned: true)
        case .text(let text): TableWriter.shown(text, rightAligned: false, whole: whole[index])
        case .boolean, .list: TableWriter.shown(cell.flatText ?? "", rightAligned: false)
        }
      })
  }

  /// Writes the aligned table and flushes the sink.
  public func finish() throws {
    guard !header.isEmpty else { return try sink.flush() }
    var widths = header.map { headers ? max($0.width, 1) : 0 }
    for row in rows {
      for (index, cell) in row.enumerated() where cell.width > widths[index] {
        widths[index] = cell.width
      }
    }
    if headers {
      writeLine(header, widths: widths)
      writeLine(widths.map { Shown(text: String(repeating: "-", count: $0), width: $0, rightAligned: false) }, widths: widths)
    }
    for row in rows {
      writeLine(row, widths: widths)
      try sink.throwIfFailed()
    }
    rows = []
    try sink.flush()
  }

  private func writeLine(_ cells: [Shown], widths: [Int]) {
    var line = ""
    for (index, cell) in cells.enumerated() {
      let last = index == cells.count - 1
      if index > 0 { line += "  " }
      let padding = widths[index] - cell.width
      if cell.rightAligned {
        line += String(repeating: " ", count: padding)
        line += cell.text
      } else {
        line += cell.text
        if !last { line += String(repeating: " ", count: padding) }
      }
    }
    // A row whose last cells are empty would end in spaces.
    while line.utf8.last == 0x20 { line.removeLast() }
    line += "\n"
    sink.write(line)
  }

  private static func shown(_ value: String, rightAligned: Bool, whole: Bool = false) -> Shown {
    var text = displayEscaped(value)
    var width = displayWidth(text)
    if width > maxValueWidth, !whole {
      // Cut by columns, not characters: a wide character takes two.
      var cut = ""
      var used = 0
      for character in text {
        let next = characterWidth(character)
        if used + next > maxValueWidth - 1 { break }
        cut.append(character)
        used += next
      }
      text = cut + "…"
      width = used + 1
    }
    return Shown(text: text, width: width, rightAligned: rightAligned)
  }

  /// The columns `text` takes on a terminal, as the `sqlite3` shell counts them: one for each
  /// character, two for an East Asian wide or fullwidth one (`就業規則` takes eight) or an
  /// emoji shown as one; combining marks add none (they are part of their character).
  static func displayWidth(_ text: String) -> Int {
    // ASCII, nearly every value: one column a byte.
    if !text.utf8.contains(where: { $0 >= 0x80 }) { return text.utf8.count }
    var width = 0
    for character in text { width += characterWidth(character) }
    return width
  }

  static func characterWidth(_ character: Character) -> Int {
    guard let scalar = character.unicodeScalars.first else { return 0 }
    // U+FE0F asks for the emoji presentation (`❤️`), two columns wide.
    if character.unicodeScalars.contains("\u{FE0F}") { return 2 }
    if scalar.value < 0x1100 { return 1 }
    return isWide(scalar) || scalar.properties.isEmojiPresentation ? 2 : 1
  }

  /// East Asian Wide (W) and Fullwidth (F) blocks (Unicode's EastAsianWidth.txt, by block).
  static func isWide(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
      0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
      0xFFE0...0xFFE6, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
      return true
    default:
      return false
    }
  }

  /// `value` as it may reach a terminal: line breaks (LF, CRLF) as `⏎` (or `lineBreak`), TAB as
  /// `\t` (kept as it is with `keepsTabs`), a lone CR as `\r`, and other control characters —
  /// C0 (ESC shows as `\u{1B}`), DEL, C1, U+2028/U+2029 and the bidirectional embeddings,
  /// overrides and isolates, which could reorder what a terminal shows — as `\u{…}`. Stored
  /// text never sends a terminal an escape sequence (a title change, a cleared screen)
  /// through the table and record writers or `diff`.
  public static func displayEscaped(_ value: String, lineBreak: String = "⏎", keepsTabs: Bool = false) -> String {
    // Fast path: nothing to escape.
    var plain = true
    for scalar in value.unicodeScalars where needsEscape(scalar) && !(keepsTabs && scalar == "\t") {
      plain = false
      break
    }
    if plain { return value }

    var out = ""
    var scalars = value.unicodeScalars.makeIterator()
    var pending = scalars.next()
    while let scalar = pending {
      pending = scalars.next()
      switch scalar {
      case "\n":
        out += lineBreak
      case "\r":
        if pending == "\n" {
          pending = scalars.next()
          out += lineBreak
        } else {
          out += "\\r"
        }
      case "\t":
        out += keepsTabs ? "\t" : "\\t"
      default:
        if needsEscape(scalar) {
          out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  @inline(__always)
  private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
  }
}

/// Writes each row as a block of `column: value` lines, for showing single entries. Names are
/// right-aligned, as in sqlite3's `.mode line`; values are never cut, and a value of several lines
/// goes on in continuation lines indented under its first line. Control characters other than
/// line breaks are escaped as in ``TableWriter``. One blank line separates records:
///
///        id: 7
///     title: Remote work
///      body: First line
///            second line
public final class RecordWriter: RowWriter {
  private let sink: ByteSink
  private var labels: [String] = []
  private var indent = ""
  private var records = 0

  /// A writer of `label: value` records to `sink`.
  public init(sink: ByteSink) {
    self.sink = sink
  }

  /// Takes the field names used as labels.
  public func begin(columns: [String]) throws {
    let names = columns.map { TableWriter.displayEscaped($0) }
    let width = names.map(\.count).max() ?? 0
    labels = names.map { String(repeating: " ", count: width - $0.count) + $0 + ":" }
    indent = String(repeating: " ", count: width + 2)
    records = 0
  }

  /// Writes one record, a blank line between records.
  public func write(_ row: [Cell]) throws {
    precondition(row.count == labels.count, "a row has \(row.count) cells for \(labels.count) columns")
    var out = records > 0 ? "\n" : ""
    records += 1
    for (index, cell) in row.enumerated() {
      out += labels[index]
      let value: String
      value = cell.flatText ?? ""
      let lines = TableWriter.displayEscaped(value, lineBreak: "\n").split(separator: "\n", omittingEmptySubsequences: false)
      for (number, line) in lines.enumerated() {
        if number > 0 { out += "\n" + indent } else if !line.isEmpty { out += " " }
        out += line
      }
      out += "\n"
    }
    sink.write(out)
    try sink.throwIfFailed()
  }

  /// Flushes the sink.
  public func finish() throws {
    try sink.flush()
  }
}
