import Foundation

/// One entry in full, as `show` prints it: named fields in a fixed order per kind
/// (`columns[i]` names `values[i]`; both come from one list of fields, `LedgerStore`'s `FieldList`).
public struct EntryRecord: Sendable, Equatable {
  /// The field names, in order.
  public var columns: [String]
  /// The field values, `values[i]` for `columns[i]`.
  public var values: [Cell]

  /// A record of `columns` and their `values` (as many of each).
  public init(columns: [String], values: [Cell]) {
    precondition(columns.count == values.count, "a record has as many values as columns")
    self.columns = columns
    self.values = values
  }
}

extension Ledger {
  /// The entry named `name`: a notice or correction id, else `KEY@N`.
  public func show(_ name: String, timeZone: TimeZone? = nil) throws -> EntryRecord {
    try read {
      if let record = try store.shownNotice(name, timeZone: timeZone) { return record }
      if let record = try store.shownCorrection(name, timeZone: timeZone) { return record }
      if let ref = try? VersionRef.parse(name, field: "entry") {
        if let record = try store.shownVersion(ref, timeZone: timeZone) { return try amended(record, ref, timeZone: timeZone) }
        throw try unknownVersion(ref)
      }
      throw LedgerError.noEntry(name).suggesting(
        try NearestNames.suggestions(for: name) { try store.forEachMessageID(corrections: true, $0) })
    }
  }

  /// A version's record as the whole journal now knows it: `effective_from` and
  /// `effective_until` after every amendment (rule 4), its `status` now and its
  /// `corrected_by` (as `history` gives them), and the bounds as recorded beside them
  /// (`recorded_effective_from`, `recorded_effective_until`).
  private func amended(_ record: EntryRecord, _ ref: VersionRef, timeZone: TimeZone?) throws -> EntryRecord {
    guard let seq = try store.versionRow(ref)?.seq, let facts = try store.loadFacts(policyOfVersion: seq, viewer: nil) else {
      return record
    }
    let versions = Bitemporal.view(facts, .init())
    guard let v = versions.first(where: { $0.facts.seq == seq }),
      let from = record.columns.firstIndex(of: "effective_from"), let until = record.columns.firstIndex(of: "effective_until"),
      let announced = record.columns.firstIndex(of: "announced_at")
    else { return record }
    var columns: [String] = []
    var values: [Cell] = []
    for (index, column) in record.columns.enumerated() {
      switch index {
      case from: (columns, values) = (columns + [column], values + [.time(v.effectiveFrom, timeZone)])
      case until:
        columns += [column, "recorded_effective_from", "recorded_effective_until"]
        values += [.time(v.effectiveUntil, timeZone), record.values[from], record.values[until]]
      case announced:
        columns += [column, "status", "corrected_by"]
        values += [
          record.values[index], .text(Bitemporal.status(of: v, among: versions, at: .now()).rawValue), .list(v.correctedBy),
        ]
      default: (columns, values) = (columns + [column], values + [record.values[index]])
      }
    }
    return EntryRecord(columns: columns, values: values)
  }
}
