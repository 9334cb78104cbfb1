/// How a refusal names an entry's fields: as the command line's options (`--issued-at`) or
/// as the columns of an import file (`issued_at`), so that each message names what the
/// user actually wrote. The recording code is the same for both.
enum FieldNames: Sendable {
  /// `policy add`, `notice send`, `correct …`, `ack`.
  case options
  /// `import versions|notices|corrections|acks`: the CSV columns of spec section 5.
  case columns

  /// The name of the field whose CSV column is `column`: `effective_from` is
  /// `--effective-from` on the command line.
  func callAsFunction(_ column: String) -> String {
    switch self {
    case .options: "--" + String(column.map { $0 == "_" ? "-" : $0 })
    case .columns: column
    }
  }

  /// The policy key: an argument (`policy add KEY`) on the command line, a column in a file.
  var policyKey: String {
    switch self {
    case .options: "policy key"
    case .columns: "policy"
    }
  }
}
