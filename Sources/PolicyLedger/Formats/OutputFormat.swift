/// The shapes the CLI can print rows in (`--format`).
public enum OutputFormat: String, CaseIterable, Sendable {
  /// Aligned columns for people in a terminal.
  case table
  /// RFC 4180 CSV with a header row.
  case csv
  /// Tab-separated values, one line a row, with TAB, LF, CR and backslash escaped (``TSVWriter``).
  case tsv
  /// One JSON array of objects.
  case json
  /// One JSON object a line.
  case jsonl
}

/// Writes rows to a ``ByteSink`` in one ``OutputFormat``.
///
/// Call ``begin(columns:)`` once, ``write(_:)`` once a row (with one cell a column), then
/// ``finish()``, which writes any trailer and flushes the sink (it does not close it). Each method
/// throws the sink's write failure (a ``LedgerError``) as soon as it is seen.
public protocol RowWriter: AnyObject {
  /// Starts the output with the column names (the header, in formats that have one).
  func begin(columns: [String]) throws
  /// Writes one row, its cells in the order of the columns.
  func write(_ row: [Cell]) throws
  /// Ends the output and flushes it; a write failure surfaces here at the latest.
  func finish() throws
}

/// The writer for `format`. `excelSafe` applies to CSV only (see ``CSVWriter``); `headers`
/// off drops the header row of CSV, TSV and tables (JSON has none).
public func makeRowWriter(_ format: OutputFormat, sink: ByteSink, excelSafe: Bool = false, headers: Bool = true)
  -> any RowWriter
{
  switch format {
  case .table: TableWriter(sink: sink, headers: headers)
  case .csv: CSVWriter(sink: sink, excelSafe: excelSafe, headers: headers)
  case .tsv: TSVWriter(sink: sink, excelSafe: excelSafe, headers: headers)
  case .json: JSONWriter(sink: sink)
  case .jsonl: JSONLinesWriter(sink: sink)
  }
}
