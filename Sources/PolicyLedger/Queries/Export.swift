import Foundation

/// What `export` can write; each speaks the CSV that `import` reads.
public enum ExportKind: String, CaseIterable, Sendable {
  /// One kind per table: versions, notices, their recipients, corrections, acknowledgements,
  /// the roster (`employees`), and the journal itself (docs/formats.md lists each one's columns).
  case versions, notices, recipients, corrections, acks, employees, journal

  /// The columns, in order (spec section 5; more may follow the contract's).
  public var columns: [String] { LedgerStore.exportColumns(self) }
}

extension Ledger {
  /// Streams every row of `kind` to `writer`, in journal order, one row at a time.
  /// - Returns: the number of rows written.
  @discardableResult
  public func export(_ kind: ExportKind, to writer: any RowWriter, timeZone: TimeZone? = nil, progress: ((Int64) -> Void)? = nil) throws -> Int64 {
    try read {
      var count: Int64 = 0
      func emit(_ cells: [Cell]) throws {
        try writer.write(cells)
        count += 1
        if count % 100_000 == 0 { progress?(count) }
      }
      try writer.begin(columns: kind.columns)
      try store.forEachExportRow(kind, timeZone: timeZone, emit)
      try writer.finish()
      return count
    }
  }
}

extension Ledger {
  /// Runs `body` in one read transaction, so that several exports inside it (`export --all`)
  /// read one snapshot of the ledger even while other processes append.
  public func snapshot<T>(_ body: () throws -> T) throws -> T { try read(body) }
}
