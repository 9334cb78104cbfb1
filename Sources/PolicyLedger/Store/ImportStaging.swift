/// The rows of a recipients file (`notice, employee`, as `export recipients` writes them),
/// streamed once into a temporary table keyed by message id and line, so that each
/// message's recipients come back in file order without the ids living in memory.
///
/// The table is created in the import's transaction: a failed import rolls it back with
/// everything else; a finished one drops it before committing.
final class ImportRecipients {
  let name: String
  /// Rows loaded.
  private(set) var rows: Int64 = 0
  private let db: Connection
  private let select: Statement

  private let counter: ImportCounter

  init(loading file: ImportFile, into store: LedgerStore, counter: ImportCounter) throws {
    self.name = file.name
    let db = store.db
    self.db = db
    self.counter = counter
    try db.execute(
      """
      DROP TABLE IF EXISTS temp.import_recipients;
      CREATE TEMP TABLE import_recipients (
        message  TEXT    NOT NULL,
        line     INTEGER NOT NULL,
        employee TEXT    NOT NULL,
        PRIMARY KEY (message, line)
      ) WITHOUT ROWID;
      """)
    let table = try file.table(required: ExportKind.recipients.columns, optional: [])
    let insert = try db.prepare("INSERT INTO temp.import_recipients (message, line, employee) VALUES (?, ?, ?)")
    while let row = try file.next(table) {
      let message = row["notice"]!
      if message.isEmpty { throw LedgerError(.invalidInput, "\(name) line \(row.line): invalid notice '': must not be empty") }
      try insert.run([message, Int64(row.line), row["employee"]!])
      rows += 1
      counter.loaded()
    }
    select = try db.prepare("SELECT line, employee FROM temp.import_recipients WHERE message = ? ORDER BY line")
  }

  /// The recipients of message `id`, in file order; each names its line for errors.
  func recipients(of id: String) throws -> StoredRecipients {
    try select.bind([id])
    return StoredRecipients(statement: select, file: name, counter: counter)
  }

  func drop() throws {
    try select.bind([])  // resets it: a statement still stepping would lock the table
    try db.execute("DROP TABLE temp.import_recipients")
  }
}

/// One message's rows of an ``ImportRecipients`` table, as a ``RecipientSource``.
struct StoredRecipients: RecipientSource {
  let statement: Statement?
  let file: String
  let counter: ImportCounter?

  /// A source with no rows.
  static var none: StoredRecipients { StoredRecipients(statement: nil, file: "", counter: nil) }

  mutating func next() throws -> Recipient? {
    guard let statement, try statement.step() else { return nil }
    let row = statement.row
    counter?.recorded()
    return Recipient(id: row.string(1), origin: "\(file) line \(row.int64(0))")
  }
}
