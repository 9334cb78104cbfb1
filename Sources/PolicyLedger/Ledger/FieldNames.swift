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

  /// An amendment of a notice that announces several versions: on the command line the
  /// option to use, in a file the column.
  func amendmentOfSeveralVersions(notice id: String, versions: [String]) -> LedgerError {
    let instead =
      switch self {
      case .options: "--version KEY@N"
      case .columns: "a row whose version column is KEY@N, in place of its notice"
      }
    return LedgerError(.refused,
      "notice '\(id)' announces \(versions.count) versions (\(versions.joined(separator: ", "))); amend the version: \(instead)")
  }

  /// A leave of someone not employed at `at`: when they left, else their first join when it
  /// is later (at a time the clocks pass twice, 01:30 on a fall-back night, the two texts
  /// differ only in their offsets), else that none is known. An import judges its rows in
  /// file order, so only the ledger and the rows above count, and the message says so.
  func leaveOfSomeoneNotEmployed(_ employee: String, at: Instant, leftAt: Instant?, firstJoinLater: Instant?) -> LedgerError {
    let (known, order) =
      switch self {
      case .options: ("recorded", "")
      case .columns: ("in the ledger or the rows above", "; rows are judged in file order")
      }
    let why =
      if let leftAt { "they left at \(leftAt)" }
      else if let firstJoinLater { "their first join\(self == .options ? "" : " " + known) is later, at \(firstJoinLater)\(order)" }
      else { "no join of theirs is \(known)\(order)" }
    return LedgerError(.refused,
      "invalid \(self("at")) '\(at)': '\(Identifier.printable(employee))' is not employed then (\(why)), so cannot leave")
  }

  /// `void_version` on anything but a retraction of a notice.
  var misplacedVoidVersion: LedgerError {
    switch self {
    case .options: LedgerError(.invalidInput, "--void-version goes with 'correct retract --notice ID'")
    case .columns: LedgerError(.invalidInput, "invalid void_version 'true': only a retraction of a notice can void its version")
    }
  }
}
