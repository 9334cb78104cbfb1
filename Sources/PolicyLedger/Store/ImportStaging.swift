import Foundation

/// The rows of a recipients file (`notice, employee, sent_at, delivery`, as `export
/// recipients` writes them; `sent_at` and `delivery` may be absent, and `sent_at` empty),
/// streamed once into a temporary table keyed by message id and line, so that each
/// message's recipients come back in file order without the ids living in memory.
///
/// With a `delivery` column, every row names its delivery: 0 the message's own (its
/// `sent_at` empty or the message's time), 1 and up its resends, each recorded in that
/// order at the one `sent_at` all its rows give (rule 16). Without one, a row whose
/// `sent_at` is empty or the message's own time belongs to its first delivery — but for
/// the rows past the count of recipients the message's row gives, which are a resend at
/// that same time; each other time is a resend.
///
/// The table is created in the import's transaction: a failed import rolls it back with
/// everything else; a finished one drops it before committing.
final class ImportRecipients {
  let name: String
  /// Rows loaded.
  private(set) var rows: Int64 = 0
  /// Whether the file has a `delivery` column (then every row gives one).
  let numbered: Bool
  private let db: Connection
  private let select: Statement
  private let countAtFirst: Statement
  private let selectAt: Statement
  private let resendTimes: Statement
  private let selectFirstNumbered: Statement
  private let strayFirst: Statement
  private let resendDeliveries: Statement
  private let strayTime: Statement
  private let selectDelivery: Statement

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
        delivery INTEGER,
        PRIMARY KEY (message, line)
      ) WITHOUT ROWID;
      """)
    let table = try file.table(required: ["notice", "employee"], optional: ["sent_at", "delivery"])
    numbered = table.columns.contains("delivery")
    let insert = try db.prepare(
      "INSERT INTO temp.import_recipients (message, line, employee, sent_at, delivery) VALUES (?, ?, ?, ?, ?)")
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
      var delivery: Int64? = nil
      if numbered {
        let text = row["delivery"] ?? ""
        guard let value = Int64(text), value >= 0, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
          throw LedgerError(.invalidInput,
            "\(name) line \(row.line): invalid delivery '\(Identifier.printable(text))': must be 0 for the message's own delivery or 1 and up for its resends"
          )
        }
        if value > 0, sentAt == nil {
          throw LedgerError(.invalidInput,
            "\(name) line \(row.line): invalid sent_at '': the row of resend \(value) (delivery \(value)) must give its time")
        }
        delivery = value
      }
      try insert.run([message, Int64(row.line), row["employee"]!, sentAt, delivery])
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
    selectFirstNumbered = try db.prepare(
      "SELECT line, employee FROM temp.import_recipients WHERE message = ?1 AND delivery = 0 ORDER BY line")
    strayFirst = try db.prepare(
      """
      SELECT line, sent_at FROM temp.import_recipients WHERE message = ?1 AND delivery = 0 AND sent_at <> ?2
      ORDER BY line LIMIT 1
      """)
    // Each resend's number and the time of its first row in the file.
    resendDeliveries = try db.prepare(
      """
      SELECT r.delivery, (SELECT t.sent_at FROM temp.import_recipients t WHERE t.message = ?1 AND t.delivery = r.delivery
        ORDER BY t.line LIMIT 1)
      FROM temp.import_recipients r WHERE r.message = ?1 AND r.delivery > 0 GROUP BY r.delivery ORDER BY r.delivery
      """)
    strayTime = try db.prepare(
      """
      SELECT line, sent_at FROM temp.import_recipients WHERE message = ?1 AND delivery = ?2 AND sent_at <> ?3
      ORDER BY line LIMIT 1
      """)
    selectDelivery = try db.prepare(
      "SELECT line, employee FROM temp.import_recipients WHERE message = ?1 AND delivery = ?2 ORDER BY line")
  }

  /// The recipients of message `id`'s first delivery, at `first`, in file order; each names
  /// its line for errors. Numbered, the rows of delivery 0 (a row giving another time is
  /// refused); else the rows whose `sent_at` is empty or `first`, and with `count` only the
  /// first `count` of those: the rest are a resend at the same time
  /// (``sameTimeResend(of:first:after:)``).
  func recipients(of id: String, first: Instant, count: Int64? = nil) throws -> StoredRecipients {
    if numbered {
      if let stray = try strayFirst.first([id, first.microseconds], { ($0.int64(0), Instant(microseconds: $0.int64(1))) }) {
        throw LedgerError(.invalidInput,
          "\(name) line \(stray.0): invalid sent_at '\(stray.1)': delivery 0 is the message's own, sent at \(first)")
      }
      try selectFirstNumbered.bind([id])
      return StoredRecipients(statement: selectFirstNumbered, file: name, counter: counter)
    }
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

  /// Message `id`'s later deliveries (its resends), in the order to record them: numbered,
  /// each delivery above 0 in ascending order, at the time its rows give (rows of one
  /// delivery giving two times are refused); else each other `sent_at` its rows name,
  /// earliest first.
  func resends(of id: String, first: Instant) throws -> [(sentAt: Instant, delivery: Int64?)] {
    var found: [(sentAt: Instant, delivery: Int64?)] = []
    if numbered {
      try resendDeliveries.bind([id])
      while try resendDeliveries.step() {
        found.append((Instant(microseconds: resendDeliveries.row.int64(1)), resendDeliveries.row.int64(0)))
      }
      for (sentAt, delivery) in found {
        if let stray = try strayTime.first([id, delivery, sentAt.microseconds], { ($0.int64(0), Instant(microseconds: $0.int64(1))) }) {
          throw LedgerError(.invalidInput,
            "\(name) line \(stray.0): invalid sent_at '\(stray.1)': the rows of delivery \(delivery!) of '\(Identifier.printable(id))' are sent at \(sentAt)"
          )
        }
      }
      return found
    }
    try resendTimes.bind([id, first.microseconds])
    while try resendTimes.step() { found.append((Instant(microseconds: resendTimes.row.int64(0)), nil)) }
    return found
  }

  /// The recipients of one of message `id`'s resends (``resends(of:first:)``), in file order.
  func recipients(of id: String, resend: (sentAt: Instant, delivery: Int64?)) throws -> StoredRecipients {
    if let delivery = resend.delivery {
      try selectDelivery.bind([id, delivery])
      return StoredRecipients(statement: selectDelivery, file: name, counter: counter)
    }
    try selectAt.bind([id, resend.sentAt.microseconds])
    return StoredRecipients(statement: selectAt, file: name, counter: counter)
  }

  func drop() throws {
    // Resets them: a statement still stepping would lock the table.
    for statement in [select, countAtFirst, selectAt, resendTimes, selectFirstNumbered, strayFirst, resendDeliveries, strayTime, selectDelivery] {
      try statement.bind([])
    }
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
