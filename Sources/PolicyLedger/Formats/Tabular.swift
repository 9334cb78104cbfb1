import Foundation

/// A query result row with a fixed, documented column order (spec section 5).
public protocol TabularRow {
  /// The column names, in order: the command line's columns for the same query.
  static var columns: [String] { get }
  /// The row's values; times in UTC with `Z`, or in `timeZone` when given.
  func cells(timeZone: TimeZone?) -> [Cell]
}

extension Cell {
  static func time(_ instant: Instant?, _ timeZone: TimeZone?) -> Cell {
    instant.map { .text($0.iso8601(in: timeZone)) } ?? .null
  }

  static func text(_ text: String?) -> Cell { text.map { .text($0) } ?? .null }
  static func integer(_ value: Int64?) -> Cell { value.map { .integer($0) } ?? .null }
}

extension RowWriter {
  /// Writes a header and every row.
  public func write<R: TabularRow>(_ rows: [R], timeZone: TimeZone?) throws {
    try begin(columns: R.columns)
    for row in rows { try write(row.cells(timeZone: timeZone)) }
    try finish()
  }
}
