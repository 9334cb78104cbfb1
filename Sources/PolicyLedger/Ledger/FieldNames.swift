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

// MARK: - Refusals worded for the caller

/// The refusals whose wording differs beyond a field's name: on the command line they point
/// to the options or command to use instead, in a file to the column at fault. Recording
/// asks for them here, so that it names no option itself.
extension FieldNames {
  /// A notice with no recipient.
  func noRecipients(notice id: String) -> LedgerError {
    switch self {
    case .options: LedgerError(.invalidInput, "a notice needs at least one recipient (give --to or --recipients-file)")
    case .columns:
      LedgerError(.invalidInput, "a notice needs at least one recipient (the recipients file has no row for notice '\(id)')")
    }
  }

  /// A retraction given an effective date (`column` is the date's CSV column).
  func datedRetraction(column: String, value: Instant) -> LedgerError {
    switch self {
    case .options: LedgerError(.invalidInput, "a retraction voids its target; use 'correct amend' to change an effective date")
    case .columns:
      LedgerError(
        .invalidInput, "invalid \(column) '\(value)': a retraction voids its target; only an amendment changes an effective date")
    }
  }

  /// `void_version` on anything but a retraction of a notice.
  var misplacedVoidVersion: LedgerError {
    switch self {
    case .options: LedgerError(.invalidInput, "--void-version goes with 'correct retract --notice ID'")
    case .columns: LedgerError(.invalidInput, "invalid void_version 'true': only a retraction of a notice can void its version")
    }
  }
}
