import Foundation

/// How a stored value becomes an output cell.
enum FieldValue {
  case text, optionalText, body, time, optionalTime, integer, hex, flag
}

/// The fields of one kind of row as `show` or `export` prints them, in order: each case is
/// one column with its output name, SQL expression and kind of value, so that names and
/// values come from one list and cannot drift apart.
protocol OutputFields: ResultColumns {
  var field: (name: String, sql: String, value: FieldValue) { get }
}

extension OutputFields {
  var sql: String { field.sql }
}

extension OutputFields {
  /// The output names, in order.
  static var names: [String] { allCases.map(\.field.name) }

  /// The cells of one row read with this SELECT list, written over `cells` (which keeps its
  /// storage: a caller streaming many rows allocates no array per row).
  static func fill(_ cells: inout [Cell], from row: Row, timeZone: TimeZone?) {
    cells.removeAll(keepingCapacity: true)
    // By raw value rather than `allCases`, which builds an array on every call.
    var index = 0
    while let field = Self(rawValue: index) {
      index += 1
      switch field.field.value {
      case .text: cells.append(.text(row.string(field)))
      case .optionalText: cells.append(.text(row.optionalString(field)))
      case .body: cells.append(.text(String(decoding: row.blob(field), as: UTF8.self)))
      case .time: cells.append(.time(row.instant(field), timeZone))
      case .optionalTime: cells.append(.time(row.optionalInstant(field), timeZone))
      case .integer: cells.append(.integer(row.int64(field)))
      case .hex: cells.append(.text(Hex.encode(row.blob(field))))
      case .flag: cells.append(.text(row.bool(field) ? "true" : "false"))
      }
    }
  }
}

extension EntryRecord {
  /// The record of one row read with `F`'s SELECT list.
  init<F: OutputFields>(row: Row, _ fields: F.Type, timeZone: TimeZone?) {
    var values: [Cell] = []
    F.fill(&values, from: row, timeZone: timeZone)
    self.init(columns: F.names, values: values)
  }
}
