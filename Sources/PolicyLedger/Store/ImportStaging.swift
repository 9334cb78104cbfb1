import Foundation

/// The rows of a recipients file (`notice, employee, sent_at, delivery`, as `export
/// recipients` writes them; `sent_at` and `delivery` may be absent, and `sent_at` empty),
/// streamed once into a temporary table keyed by message id, delivery and line, so that
/// each delivery's recipients come back in file order without the ids living in memory.
///
/// With a `delivery` column, every row names its delivery, which the ledger assigns and
/// import checks: 0 the message's own (its `sent_at` empty or the message's time), then
/// 1, 2, 3 … its resends, numbered without gaps in the order of their times, all rows of
/// one resend at one `sent_at`; each is recorded in that order (rule 16). Without one
/// (every row is stored as delivery 0), a row whose `sent_at` is empty or the message's
/// own time belongs to its first delivery — but for the rows past the count of recipients
/// the message's row gives, which are a resend at that same time; each other time is a
/// resend.
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
  private let countFirstNumbered: Statement
  private let selectAt: Statement
  private let resendTimes: Statement
  private let strayFirst: Statement
  private let resendDeliveries: Statement
  private let firstOfDelivery: Statement
  private let strayTime: Statement
  private let selectDelivery: Statement
  private let earlyRow: Statement
  private let firstRow: Statement

  private let counter: ImportCounter

  init(loading file: ImportFile, into store: LedgerStore, counter: ImportCounter, timeZone: TimeZone, now: Instant) throws {
    self.name = file.name
    let db = store.db
    self.db = db
    self.counter = counter
    try db.execute(
      """
      DROP TABLE IF EXISTS temp.import_recipients;
      CREATE TEMP TABLE import_recipients (
        message  TEXT    NOT NULL,
        delivery INTEGER NOT NULL,
        line     INTEGER NOT NULL,
        employee TEXT    NOT NULL,
        sent_at  INTEGER,
        PRIMARY KEY (message, delivery, line)
      ) WITHOUT ROWID;
      """)
    let table = try file.table(required: ["notice", "employee"], optional: ["sent_at", "delivery"])
    numbered = table.columns.contains("delivery")
    let insert = try db.prepare(
      "INSERT INTO temp.import_recipients (message, delivery, line, employee, sent_at) VALUES (?, ?, ?, ?, ?)")
    while let row = try file.next(table) {
      let message = row["notice"]!
      // An id no entry can have (empty, spaces at an end, a control character) is refused,
      // not skipped as another file's row: it can only be a mistyped id.
      if let problem = Identifier.problem(message) {
        throw LedgerError(.invalidInput, "\(name) line \(row.line): invalid notice '\(Identifier.printable(message))': \(problem)")
      }
      var sentAt: Int64? = nil
      if let text = row["sent_at"], !text.isEmpty {
        do {
          sentAt = try Instant.parse(text, timeZone: timeZone, now: now).microseconds
        } catch {
          throw LedgerError(.invalidInput,
            "\(name) line \(row.line): invalid sent_at '\(Identifier.printable(error.value))': \(error.reason)")
        }
      }
      var delivery: Int64 = 0
      if numbered {
        let text = row["delivery"] ?? ""
        delivery = try ImportRecipients.deliveryNumber(text, line: row.line, file: name)
        if delivery > 0, sentAt == nil {
          throw LedgerError(.invalidInput,
            "\(name) line \(row.line): invalid sent_at '': a resend's row (delivery \(delivery)) must give its time")
        }
      }
      try insert.run([message, delivery, Int64(row.line), row["employee"]!, sentAt])
      rows += 1
      counter.loaded()
    }
    // Without a `delivery` column every row is delivery 0: the queries of that form name it,
    // so that they read the key's range in line order.
    select = try db.prepare(
      """
      SELECT line, employee FROM temp.import_recipients
      WHERE message = ?1 AND delivery = 0 AND (sent_at IS NULL OR sent_at = ?2)
      ORDER BY line LIMIT ?3 OFFSET ?4
      """)
    countAtFirst = try db.prepare(
      "SELECT count(*) FROM temp.import_recipients WHERE message = ?1 AND delivery = 0 AND (sent_at IS NULL OR sent_at = ?2)")
    countFirstNumbered = try db.prepare("SELECT count(*) FROM temp.import_recipients WHERE message = ?1 AND delivery = 0")
    selectAt = try db.prepare(
      "SELECT line, employee FROM temp.import_recipients WHERE message = ?1 AND delivery = 0 AND sent_at = ?2 ORDER BY line")
    resendTimes = try db.prepare(
      """
      SELECT DISTINCT sent_at FROM temp.import_recipients
      WHERE message = ?1 AND delivery = 0 AND sent_at IS NOT NULL AND sent_at <> ?2 ORDER BY sent_at
      """)
    strayFirst = try db.prepare(
      """
      SELECT line, sent_at FROM temp.import_recipients WHERE message = ?1 AND delivery = 0 AND sent_at <> ?2
      ORDER BY line LIMIT 1
      """)
    // One pass over a message's resend rows: each delivery's number, its first line, and
    // whether all its rows give one time.
    resendDeliveries = try db.prepare(
      """
      SELECT delivery, min(line), min(sent_at) = max(sent_at) FROM temp.import_recipients
      WHERE message = ?1 AND delivery > 0 GROUP BY delivery ORDER BY delivery
      """)
    firstOfDelivery = try db.prepare(
      "SELECT sent_at FROM temp.import_recipients WHERE message = ?1 AND delivery = ?2 ORDER BY line LIMIT 1")
    strayTime = try db.prepare(
      """
      SELECT line, sent_at FROM temp.import_recipients WHERE message = ?1 AND delivery = ?2 AND sent_at <> ?3
      ORDER BY line LIMIT 1
      """)
    selectDelivery = try db.prepare(
      "SELECT line, employee FROM temp.import_recipients WHERE message = ?1 AND delivery = ?2 ORDER BY line")
    earlyRow = try db.prepare(
      """
      SELECT line, sent_at FROM temp.import_recipients WHERE message = ?1 AND delivery = ?3 AND sent_at < ?2
      ORDER BY line LIMIT 1
      """)
    firstRow = try db.prepare(
      "SELECT line, sent_at FROM temp.import_recipients WHERE message = ?1 ORDER BY delivery, line LIMIT 1")
  }

  /// A `delivery` field: 0, or a whole number from 1 written as `export` writes it (no sign,
  /// no leading zero).
  static func deliveryNumber(_ text: String, line: Int, file: String) throws -> Int64 {
    func isNumber(_ text: Substring) -> Bool {
      !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
    let reason: String
    if text.first == "+" && isNumber(text.dropFirst()) {
      reason = "a number is written without a sign"
    } else if !isNumber(text[...]) {
      reason = "must be 0 for the message's own delivery or 1 and up for its resends"
    } else if text.utf8.count > 1, text.utf8.first == UInt8(ascii: "0") {
      reason = "a number is written without leading zeros"
    } else if let value = Int64(text) {
      return value
    } else {
      reason = "out of range"
    }
    throw LedgerError(.invalidInput, "\(file) line \(line): invalid delivery '\(Identifier.printable(text))': \(reason)")
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
          "invalid sent_at '\(stray.1)' (\(name) line \(stray.0)): a row of delivery 0, the message's own, is sent at the message's time, \(first)"
        )
      }
      try select.bind([id, first.microseconds, -1, 0])
      return StoredRecipients(statement: select, file: name, counter: counter)
    }
    try select.bind([id, first.microseconds, count ?? -1, 0])
    return StoredRecipients(statement: select, file: name, counter: counter)
  }

  /// Refuses a numbered file that gives notice `id` resends but no first delivery (a notice
  /// needs at least one recipient), naming its first row.
  func requireFirstDelivery(ofNotice id: String) throws {
    guard numbered, try rowCount(of: id) == 0 else { return }
    try resendDeliveries.bind([id])
    defer { resendDeliveries.reset() }
    guard try resendDeliveries.step() else { return }
    throw LedgerError(.invalidInput,
      "invalid delivery '\(resendDeliveries.row.int64(0))' (\(name) line \(resendDeliveries.row.int64(1))): notice '\(Identifier.printable(id))' has no row of delivery 0, its first delivery, and a notice needs at least one recipient"
    )
  }

  /// Refuses a row of message `id` sent before the message's own time `first`, naming its
  /// line: a first delivery is at `first` and a resend after it (rule 16). Without a
  /// `delivery` column every such row; numbered, those of delivery 1 (a row of delivery 0
  /// at another time, and a resend before the one numbered before it, have refusals of
  /// their own).
  ///
  /// And, for a notice (`needsRecipient`) in a file without a `delivery` column that has
  /// rows of `id` but none at `first` or without a time, names the first of them: the
  /// notice would have no first delivery, and a notice needs at least one recipient.
  func refuseEarlyRows(of id: String, first: Instant, needsRecipient: Bool) throws {
    let label = "'\(Identifier.printable(id))'"
    let early = try earlyRow.first([id, first.microseconds, numbered ? 1 : 0]) { ($0.int64(0), Instant(microseconds: $0.int64(1))) }
    if let early {
      throw LedgerError(.invalidInput,
        "invalid sent_at '\(early.1)' (\(name) line \(early.0)): \(label) was first delivered later, at \(first); a resend comes after it")
    }
    guard needsRecipient, !numbered, try rowCount(of: id, first: first) == 0,
      let row = try firstRow.first([id], { ($0.int64(0), Instant(microseconds: $0.int64(1))) })
    else { return }
    throw LedgerError(.invalidInput,
      "invalid sent_at '\(row.1)' (\(name) line \(row.0)): notice \(label) is sent at \(first), and no row of it gives that time or none; a notice needs at least one recipient, in its first delivery"
    )
  }

  /// How many rows name message `id` at its own time `first` (or with no `sent_at`); numbered,
  /// every row of delivery 0 (`first` nil).
  func rowCount(of id: String, first: Instant? = nil) throws -> Int64 {
    guard let first else { return try countFirstNumbered.first([id]) { $0.int64(0) } ?? 0 }
    return try countAtFirst.first([id, first.microseconds]) { $0.int64(0) } ?? 0
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
  /// deliveries 1, 2, 3 … (a gap, rows of one delivery giving two times, or a delivery
  /// sent before the one numbered before it is refused: export numbers them in the order
  /// of their times); else each other `sent_at` its rows name, earliest first.
  func resends(of id: String, first: Instant) throws -> [(sentAt: Instant, delivery: Int64?)] {
    var found: [(sentAt: Instant, delivery: Int64?)] = []
    if numbered {
      var groups: [(delivery: Int64, line: Int64, oneTime: Bool)] = []
      try resendDeliveries.bind([id])
      while try resendDeliveries.step() {
        let row = resendDeliveries.row
        groups.append((row.int64(0), row.int64(1), row.int64(2) != 0))
      }
      var previous = first
      for (index, group) in groups.enumerated() {
        let expected = Int64(index + 1)
        if group.delivery != expected {
          throw LedgerError(.invalidInput,
            "invalid delivery '\(group.delivery)' (\(name) line \(group.line)): expected \(expected); the resends of '\(Identifier.printable(id))' are numbered 1, 2, 3 … without gaps"
          )
        }
        guard let at = try firstOfDelivery.first([id, group.delivery], { Instant(microseconds: $0.int64(0)) }) else { continue }
        if !group.oneTime,
          let stray = try strayTime.first([id, group.delivery, at.microseconds], { ($0.int64(0), Instant(microseconds: $0.int64(1))) })
        {
          throw LedgerError(.invalidInput,
            "invalid sent_at '\(stray.1)' (\(name) line \(stray.0)): the rows of delivery \(group.delivery) of '\(Identifier.printable(id))' are sent at \(at)"
          )
        }
        if group.delivery > 1, at < previous {
          throw LedgerError(.invalidInput,
            "invalid delivery '\(group.delivery)' (\(name) line \(group.line)): it is sent at \(at), before delivery \(group.delivery - 1) at \(previous); resends are numbered in the order of their times"
          )
        }
        previous = at
        found.append((at, group.delivery))
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
    for statement in [
      select, countAtFirst, countFirstNumbered, selectAt, resendTimes, strayFirst, resendDeliveries, firstOfDelivery, strayTime, selectDelivery,
      earlyRow, firstRow,
    ] {
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
