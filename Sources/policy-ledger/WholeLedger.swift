import Foundation
import PolicyLedger

/// The files of a whole-ledger copy, `export --all DIR` and `import --all DIR`: one row per
/// kind, in the order `import --all` records them (the roster first, then: a notice names the version it announces,
/// a correction what it corrects, an acknowledgement its notice). Adding a kind is one row.
enum WholeLedger {
  /// One file of the copy.
  struct Kind: Sendable {
    /// What `export` writes into `DIR/<kind>.csv`.
    let kind: ExportKind
    /// How `import --all` records the file, given the folder's files; nil for a file it
    /// reads only through another row (recipients) or not at all (the journal, which the
    /// other rows rebuild).
    let record: (@Sendable (Ledger, Files, TimeZone, String, @escaping (ImportProgress) -> Void) throws -> ImportSummary)?
    /// The kind of entry counted in the summary line (`imported 2 versions`).
    let imports: ImportKind?

    var fileName: String { kind.rawValue + ".csv" }
  }

  static let kinds: [Kind] = [
    Kind(kind: .employees, record: { try $0.importEmployees($1.open(.employees), timeZone: $2, actor: $3, progress: $4) }, imports: .employees),
    Kind(kind: .versions, record: { try $0.importVersions($1.open(.versions), timeZone: $2, actor: $3, progress: $4) }, imports: .versions),
    Kind(
      kind: .notices,
      record: { try $0.importNotices($1.open(.notices), recipients: $1.open(.recipients), timeZone: $2, actor: $3, progress: $4) },
      imports: .notices),
    Kind(kind: .recipients, record: nil, imports: nil),
    Kind(
      kind: .corrections,
      record: { try $0.importCorrections($1.open(.corrections), recipients: $1.open(.recipients), timeZone: $2, actor: $3, progress: $4) },
      imports: .corrections),
    Kind(kind: .acks, record: { try $0.importAcks($1.open(.acks), timeZone: $2, actor: $3, progress: $4) }, imports: .acks),
    Kind(kind: .journal, record: nil, imports: nil),
  ]

  /// The files `import --all` reads: every kind but the journal.
  static var importedKinds: [ExportKind] { kinds.filter { $0.kind != .journal }.map(\.kind) }

  /// `2 versions`, `1 notice`, `6 journal entries`: rows of one kind, for summaries.
  static func count(_ n: Int64, _ kind: ExportKind) -> String {
    if kind == .journal { return "\(n) journal \(n == 1 ? "entry" : "entries")" }
    // An employees file holds roster rows (joins and leaves), several per employee.
    if kind == .employees { return "\(n) roster \(n == 1 ? "row" : "rows")" }
    return "\(n) \(n == 1 ? String(kind.rawValue.dropLast()) : kind.rawValue)"
  }

  /// The CSV files of a folder that `import --all` reads.
  struct Files: Sendable {
    let folder: String

    /// `DIR/KIND.csv`, with no doubled `/` for a folder given as `copy/`.
    func path(_ kind: ExportKind) -> String { (folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder) + "/" + kind.rawValue + ".csv" }

    /// Opens one file anew (the recipients file is read once by notices and once by corrections).
    func open(_ kind: ExportKind) throws -> ImportFile { try ImportFile(path: path(kind)) }

    /// Refuses a folder that is not one or lacks a file, before anything is recorded.
    func check(field: String) throws {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw LedgerError("invalid \(field) '\(folder)': there is no folder '\(folder)'")
      }
      for kind in WholeLedger.importedKinds where !FileManager.default.fileExists(atPath: path(kind)) {
        throw LedgerError(
          "invalid \(field) '\(folder)': it holds no \(kind.rawValue).csv (export --all writes "
            + WholeLedger.importedKinds.map { $0.rawValue + ".csv" }.joined(separator: ", ") + ")")
      }
    }
  }
}
