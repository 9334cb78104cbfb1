import Foundation

/// Two versions side by side, as `diff KEY@N KEY@M` prints them: what changed in title,
/// effective period and status (as known now, from `history`), and a line diff of the
/// bodies (from `show`).
public struct VersionComparison: Sendable {
  /// The older version, as `history` lists it.
  public var old: HistoryRow
  /// The newer version, as `history` lists it.
  public var new: HistoryRow
  /// The SHA-256 of each body.
  public var oldSHA256: String
  /// The SHA-256 of the newer body.
  public var newSHA256: String
  /// The unified diff of the bodies; empty when they are the same.
  public var body: [LineDiff.UnifiedLine]

  /// Whether the versions differ in title, effective period, status or body (`diff
  /// --exit-code` exits 1 when they do).
  public var hasDifferences: Bool {
    old.title != new.title || old.effectiveFrom != new.effectiveFrom || old.effectiveUntil != new.effectiveUntil
      || old.status != new.status || oldSHA256 != newSHA256
  }

  /// One line per field: `title: A -> B`, or `title: A (same)`.
  public func summary(timeZone: TimeZone?) -> [String] {
    func period(_ row: HistoryRow) -> String {
      "\(row.effectiveFrom.iso8601(in: timeZone)) to \(row.effectiveUntil?.iso8601(in: timeZone) ?? "open")"
    }
    func line(_ name: String, _ a: String, _ b: String) -> String {
      a == b ? "\(name): \(a) (same)" : "\(name): \(a) -> \(b)"
    }
    return [
      line("title", Identifier.printable(old.title), Identifier.printable(new.title)),
      line("effective", period(old), period(new)),
      line("status", old.status.rawValue, new.status.rawValue),
      line("body sha256", oldSHA256, newSHA256),
    ]
  }
}

extension Ledger {
  /// Compares version `a` with version `b` (of the same policy or not).
  /// - Throws: "no policy 'KEY'" or "policy 'KEY' has no version N".
  public func compare(_ a: VersionRef, _ b: VersionRef, context: Int = 3) throws -> VersionComparison {
    try read {
      func load(_ ref: VersionRef) throws -> (HistoryRow, EntryRecord) {
        let record = try show(ref.description)
        guard let row = try history(ref.policy).first(where: { $0.version == ref.number }) else {
          throw LedgerError("policy '\(ref.policy)' has no version \(ref.number)")
        }
        return (row, record)
      }
      let (oldRow, oldRecord) = try load(a)
      let (newRow, newRecord) = try load(b)
      return VersionComparison(
        old: oldRow, new: newRow, oldSHA256: oldRecord.text("body_sha256") ?? "",
        newSHA256: newRecord.text("body_sha256") ?? "",
        body: LineDiff.unified(
          old: oldRecord.text("body") ?? "", new: newRecord.text("body") ?? "", oldLabel: a.description,
          newLabel: b.description, context: context))
    }
  }
}
