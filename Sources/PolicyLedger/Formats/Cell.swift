/// One value in an output row. Times arrive already formatted, as `.text`.
///
/// The type decides how each format spells the value (docs/formats.md): in CSV, TSV and
/// tables a flag is `true`/`false` and a list is `;`-joined; in JSON and JSONL a flag is a
/// boolean and a list an array of strings, as sqlite-utils and Datasette emit them.
public enum Cell: Sendable, Equatable {
  /// No value: an empty field, or JSON `null`.
  case null
  /// Text, written as it is (times arrive formatted).
  case text(String)
  /// A number: counts and version numbers.
  case integer(Int64)
  /// A flag: `true`/`false`, or a JSON boolean.
  case boolean(Bool)
  /// A list of ids: `;`-joined, or a JSON array of strings.
  case list([String])

  /// The value as one flat field (CSV, TSV, tables); nil for `.null`.
  public var flatText: String? {
    switch self {
    case .null: nil
    case .text(let text): text
    case .integer(let value): String(value)
    case .boolean(let value): value ? "true" : "false"
    case .list(let items): items.joined(separator: ";")
    }
  }

  /// Whether the value is text or a list of text, which `--excel-safe` guards (numbers and
  /// flags never start a formula).
  var isText: Bool {
    switch self {
    case .text, .list: true
    case .null, .integer, .boolean: false
    }
  }
}
