import Foundation

/// The rows of a recipients file (`notice, employee, sent_at`, as `export recipients`
/// writes them; `sent_at` may be absent or empty), streamed once into a temporary table
/// keyed by message id and line, so that each message's recipients come back in file order
/// without the ids living in memory. A row whose `sent_at` is empty or the message's own
/// time belongs to its first delivery — but for the rows past the count of recipients the
/// message's row gives, which are a resend at that same time; each other time is a resend
/// (rule 16).
///
/// The table is created in the import's transaction: a failed import rolls it back with
/// everything else; a finished one drops it before committing.
final class ImportRecipients {
  let name: String
  /// Rows loaded.
  private(set) var rows: Int64 = 0
  private let db: Connection
  private let select: Statement
  private let countAtFirst: Statement
  private let selectAt: Statement
  private let resendTimes: Statement

  private let counter: ImportCounter

  init(loading file: ImportFile, into store: LedgerStore, counter: ImportCounter, timeZone: TimeZone) throws {
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
        sent_at  INTEGER,
        PRIMARY KEY (message, line)
      ) WITHOUT ROWID;
      """)
    let table = try file.table(required: ["notice", "employee"], optional: ["sent_at"])
    let insert = try db.prepare("INSERT INTO temp.import_recipients (message, line, employee, sent_at) VALUES (?, ?, ?, ?)")
    while let row = try file.next(table) {
      let message = row["notice"]!
      if message.isEmpty { throw LedgerError(.invalidInput, "\(name) line \(row.line): invalid notice '': must not be empty") }
      var sentAt: Int64? = nil
      if let text = row["sent_at"], !text.isEmpty {
        do {
          sentAt = try Instant.parse(text, timeZone: timeZone).microseconds
        } catch {
          throw LedgerError(.invalidInput,
            "\(name) line \(row.line): invalid sent_at '\(Identifier.printable(error.value))': \(error.reason)")
        }
      }
      try insert.run([message, Int64(row.line), row["employee"]!, sentAt])
      rows += 1
      counter.loaded()
    }
    select = try db.prepare(
      """
      SELECT line, employee FROM temp.import_recipients WHERE message = ?1 AND (sent_at IS NULL OR sent_at = ?2)
      ORDER BY line LIMIT ?3 OFFSET ?4
      """)
    countAtFirst = try db.prepare(
      "SELECT count(*) FROM temp.import_recipients WHERE message = ?1 AND (sent_at IS NULL OR sent_at = ?2)")
    selectAt = try db.prepare("SELECT line, employee FROM temp.import_recipients WHERE message = ?1 AND sent_at = ?2 ORDER BY line")
    resendTimes = try db.prepare(
      "SELECT DISTINCT sent_at FROM temp.import_recipients WHERE message = ?1 AND sent_at IS NOT NULL AND sent_at <> ?2 ORDER BY sent_at")
  }

  /// The recipients of message `id`'s first delivery, at `first` (rows whose `sent_at` is
  /// empty or `first`), in file order; each names its line for errors. With `count`, only
  /// the first `count` of those rows: the rest are a resend at the same time
  /// (``sameTimeResend(of:first:after:)``).
  func recipients(of id: String, first: Instant, count: Int64? = nil) throws -> StoredRecipients {
    try select.bind([id, first.microseconds, count ?? -1, 0])
    return StoredRecipients(statement: select, file: name, counter: counter)
  }

  /// How many rows name message `id` at its own time `first` (or with no `sent_at`).
  func rowCount(of id: String, first: Instant) throws -> Int64 {
    try countAtFirst.first([id, first.microseconds]) { $0.int64(0) } ?? 0
  }

  /// The rows of message `id` at its own time `first` after the first `count` of them, in
  /// file order: a resend at the same time as the first delivery, which rule 16 allows
  /// ("no earlier than the first") and `export recipients` writes after the first
  /// delivery's rows.
  func sameTimeResend(of id: String, first: Instant, after count: Int64) throws -> StoredRecipients {
    try select.bind([id, first.microseconds, -1, count])
    return StoredRecipients(statement: select, file: name, counter: counter)
  }

  /// The times of message `id`'s later deliveries (its resends), earliest first: every
  /// other `sent_at` its rows name.
  func resendTimes(of id: String, first: Instant) throws -> [Instant] {
    try resendTimes.bind([id, first.microseconds])
    var times: [Instant] = []
    while try resendTimes.step() { times.append(Instant(microseconds: resendTimes.row.int64(0))) }
    return times
  }

  /// The recipients of message `id`'s delivery at `sentAt`, in file order.
  func recipients(of id: String, at sentAt: Instant) throws -> StoredRecipients {
    try selectAt.bind([id, sentAt.microseconds])
    return StoredRecipients(statement: selectAt, file: name, counter: counter)
  }

  func drop() throws {
    // Resets them: a statement still stepping would lock the table.
    try select.bind([])
    try countAtFirst.bind([])
    try selectAt.bind([])
    try resendTimes.bind([])
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
