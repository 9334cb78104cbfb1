/// A failure the user can act on: its description is the one line the CLI prints, and its
/// ``code`` the kind of failure, for a caller to switch on.
///
///     do { try ledger.show(name) } catch let error as LedgerError where error.code == .notFound { … }
public struct LedgerError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The kind of a failure: what a caller switches on.
  public enum Code: Sendable, Equatable, CaseIterable {
    /// A policy, version, notice, correction, employee, entry or ledger file the ledger does not hold.
    case notFound
    /// A value the caller gave that is malformed: a bad time, id, text, file or proof.
    case invalidInput
    /// Well-formed input that the rules refuse: a correction before its target, an
    /// amendment leaving an empty period, a write to a read-only ledger.
    case refused
    /// Input that clashes with what the ledger already holds: a repeated id, recipient or
    /// acknowledgement, another origin.
    case conflict
    /// The ledger's file or tables are not what its journal and migrations say: verify names
    /// the first bad entry.
    case damaged
    /// A file could not be created, opened, read or written.
    case ioFailure
  }

  /// The kind of failure.
  public let code: Code
  /// The one-line message, naming the field and value concerned.
  public let description: String

  /// A failure of kind `code`, described by `description`.
  public init(_ code: Code, _ description: String) {
    self.code = code
    self.description = description
  }

  /// A failure with the code its message's house style implies: "invalid FIELD 'VALUE': …"
  /// is ``Code/invalidInput``, anything else ``Code/refused``. Code that knows better
  /// passes the code.
  public init(_ description: String) {
    self.init(description.hasPrefix("invalid ") ? .invalidInput : .refused, description)
  }

  /// The same failure with `prefix` before its description (a file and line, a field).
  func prefixed(_ prefix: String) -> LedgerError { LedgerError(code, prefix + description) }
}

// MARK: - Messages said in more than one place

extension LedgerError {
  /// A notice id the ledger does not hold.
  static func noNotice(_ id: String) -> LedgerError {
    LedgerError(.notFound, "no notice '\(Identifier.printable(id))' in this ledger (list notices with 'policy-ledger notices')")
  }

  /// An entry name (`show`, `prove`) that is no notice, correction or version.
  static func noEntry(_ name: String) -> LedgerError {
    LedgerError(.notFound, "no notice, correction or version '\(Identifier.printable(name))' in this ledger (name a version as KEY@N)")
  }
}
