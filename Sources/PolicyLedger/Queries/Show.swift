import Foundation

/// One entry in full, as `show` prints it: named fields in a fixed order per kind
/// (`columns[i]` names `values[i]`; both come from one list of fields, `LedgerStore`'s `FieldList`).
public struct EntryRecord: Sendable, Equatable {
  /// The field names, in order.
  public var columns: [String]
  /// The field values, `values[i]` for `columns[i]`.
  public var values: [Cell]
}

extension Ledger {
  /// The entry named `name`: a notice or correction id, else `KEY@N`.
  public func show(_ name: String, timeZone: TimeZone? = nil) throws -> EntryRecord {
    try read {
      if let record = try store.shownNotice(name, timeZone: timeZone) { return record }
      if let record = try store.shownCorrection(name, timeZone: timeZone) { return record }
      if let ref = try? VersionRef.parse(name, field: "entry") {
        if let record = try store.shownVersion(ref, timeZone: timeZone) { return record }
        throw try unknownVersion(ref)
      }
      throw LedgerError.noEntry(name).suggesting(
        try NearestNames.suggestions(for: name) { try store.forEachMessageID(corrections: true, $0) })
    }
  }
}
