/// The delivery engine: a message's recipients streamed into `deliveries`, adding new
/// employees to the directory as they come (docs/performance.md, "notice send"), and the
/// other statements about who received what.
extension LedgerStore {
  /// Streams recipients into `deliveries` for `message`, refusing a bad or repeated id.
  ///
  /// Recipients go in batches of ``recipientBatch``, each one or two statements for the
  /// whole batch: when the previous recipients were new employees, add the batch to the
  /// directory and, if every one of them was new, insert their deliveries by the numbers
  /// just given; otherwise insert the deliveries of the batch's names found in the
  /// directory, only when all of them are there. A batch that does not go through whole (a
  /// known employee among new ones, a new one among known ones, a repeated id) is taken
  /// one recipient at a time (``OneRecipient``), which names a repeated id and its line;
  /// nothing of it was delivered, and employees it added to the directory are simply
  /// found there. The statement overhead, paid once
  /// a recipient before, is paid once a batch. (No savepoint: rolling back to one would
  /// abort the importer's read of its staged rows on the same connection.)
  ///
  /// `via` is the resend entry that delivers the message again (rule 16), nil for the
  /// message's own entry; an employee the message already reached is refused by name.
  /// The message's own delivery writes `deliveries`, a resend `resent_deliveries`
  /// (``deliveryTable(via:)``); an employee is looked for in both.
  func deliver(message: Int64, via: Int64? = nil, from source: inout some RecipientSource) throws -> (Int64, String) {
    var digest = RecipientDigest(keepingUpTo: LedgerStore.recipientSortLimit)
    let one = try OneRecipient(db: db, message: message, via: via, store: self)
    let size = LedgerStore.recipientBatch
    let table = LedgerStore.deliveryTable(via: via)
    // OR IGNORE rather than statements that can fail half-way: SQLite then keeps no
    // statement journal, which for a multi-row statement copies every page it touches.
    let addBatch = try db.cached(
      "INSERT OR IGNORE INTO employees (name) VALUES \((1...size).map { "(?\($0))" }.joined(separator: ", "))")
    let deliverNewBatch = try db.cached(
      "INSERT OR IGNORE INTO \(table) (message, employee, via) VALUES \((3...size + 2).map { "(?1, ?\($0), ?2)" }.joined(separator: ", "))")
    // Only when every name is in the directory, each once, and none has this message yet:
    // a batch goes in whole or not at all.
    let deliverKnownBatch = try db.cached(
      """
      WITH found (id) AS MATERIALIZED (SELECT id FROM employees WHERE name IN (\((3...size + 2).map { "?\($0)" }.joined(separator: ", "))))
      INSERT OR IGNORE INTO \(table) (message, employee, via) SELECT ?1, id, ?2 FROM found
      WHERE (SELECT count(*) FROM found) = \(size)
        AND NOT EXISTS (SELECT 1 FROM found f CROSS JOIN deliveries d ON d.message = ?1 AND d.employee = f.id)
        AND NOT EXISTS (SELECT 1 FROM found f CROSS JOIN resent_deliveries d ON d.message = ?1 AND d.employee = f.id)
      """)
    let highestEmployee = try db.cached("SELECT coalesce(max(id), 0) FROM employees")
    try deliverNewBatch.bind(message, at: 1)
    try deliverKnownBatch.bind(message, at: 1)
    try deliverNewBatch.bind(via, at: 2)
    try deliverKnownBatch.bind(via, at: 2)
    var batch: [Recipient] = []
    batch.reserveCapacity(size)

    func deliverBatch() throws {
      var whole = false
      if one.expectNew {
        // Names already in the directory are left as they are, and found again below.
        for (i, recipient) in batch.enumerated() { try addBatch.bind(text: recipient.id, at: Int32(i + 1)) }
        let before = try highestEmployee.first { $0.int64(0) } ?? 0
        try addBatch.runBound()
        let last = db.lastInsertRowID
        let (expected, overflow) = before.addingReportingOverflow(Int64(size))
        if db.changes == size && !overflow && last == expected {
          // Every name was new, and SQLite numbered them one after another, in order,
          // after the highest number (as it does while that is below 2^63 - 1).
          for i in 0..<size { try deliverNewBatch.bind(last - Int64(size - 1 - i), at: Int32(i + 3)) }
          try deliverNewBatch.runBound()
          // A new employee cannot have had this message already, unless rows were added
          // behind the ledger's back.
          guard db.changes == size else {
            throw LedgerError(.damaged, "the deliveries table lists employees missing from the directory; run 'policy-ledger verify'")
          }
          whole = true
        }
      } else {
        for (i, recipient) in batch.enumerated() { try deliverKnownBatch.bind(text: recipient.id, at: Int32(i + 3)) }
        try deliverKnownBatch.runBound()
        whole = db.changes == size
      }
      if !whole {
        for recipient in batch { try one.deliver(recipient) }
      }
      batch.removeAll(keepingCapacity: true)
    }

    func next() throws -> Recipient? {
      do {
        return try source.next()
      } catch {
        // A line the source cannot read comes after the recipients waiting in the batch:
        // one of them may be the first bad line.
        for earlier in batch { try one.deliver(earlier) }
        throw error
      }
    }

    while let recipient = try next() {
      if let problem = Identifier.problem(recipient.id) {
        // The recipients before it come first: one of them may be the first bad line.
        for earlier in batch { try one.deliver(earlier) }
        throw LedgerError(.invalidInput, "invalid recipient '\(Identifier.printable(recipient.id))' (\(recipient.origin)): \(problem)")
      }
      digest.add(recipient.id)
      batch.append(recipient)
      if batch.count == size { try deliverBatch() }
    }
    for recipient in batch { try one.deliver(recipient) }
    if let hex = digest.finishHexIfKnown() { return (digest.count, hex) }
    return try storedRecipientDigest(message: message, via: via)
  }

  /// The table a delivery's rows go to: `deliveries` for a message's own entry (`via`
  /// nil), `resent_deliveries` for a resend, whose rows then go to the end of a table of
  /// their own rather than into the middle of the message's key range and all over the
  /// by-employee index (docs/performance.md, "correct resend --outstanding").
  static func deliveryTable(via: Int64?) -> String { via == nil ? "deliveries" : "resent_deliveries" }

  /// How many recipients ``deliver(message:from:)`` puts in one statement.
  static let recipientBatch = 64

  /// One recipient at a time: one statement when the employee is in the directory
  /// (insert the delivery, finding the employee's number in the same statement) and two
  /// when not (add the employee, insert the delivery). Which to try first follows the
  /// previous recipient: a first notice to a workforce meets new employees one after
  /// another, later notices known ones.
  final class OneRecipient {
    let db: Connection
    let deliverKnown: Statement
    let addIfNew: Statement
    let deliverNew: Statement
    let message: Int64
    let via: Int64?
    unowned let store: LedgerStore
    var expectNew = false

    init(db: Connection, message: Int64, via: Int64?, store: LedgerStore) throws {
      self.db = db
      self.message = message
      self.via = via
      self.store = store
      let table = LedgerStore.deliveryTable(via: via)
      deliverKnown = try db.cached("INSERT INTO \(table) (message, employee, via) SELECT ?1, id, ?3 FROM employees WHERE name = ?2")
      addIfNew = try db.cached("INSERT INTO employees (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")
      deliverNew = try db.cached("INSERT INTO \(table) (message, employee, via) VALUES (?1, ?2, ?3)")
      try deliverKnown.bind(message, at: 1)
      try deliverNew.bind(message, at: 1)
      try deliverKnown.bind(via, at: 3)
      try deliverNew.bind(via, at: 3)
    }

    func deliver(_ recipient: Recipient) throws {
      // A resend's rows go to another table than the message's earlier ones: its key
      // cannot refuse someone an earlier delivery reached, so both tables are asked first.
      if via != nil, let earlier = try store.delivery(message: message, employee: recipient.id) {
        throw LedgerError(.conflict,
          earlier.via == via
            ? "duplicate recipient '\(recipient.id)' (\(recipient.origin))"
            : "invalid recipient '\(recipient.id)' (\(recipient.origin)): already received '\(earlier.messageID)' at \(earlier.sentAt); name only those it has not reached")
      }
      do {
        if expectNew {
          try addIfNew.run(text: recipient.id, at: 1)
          if db.changes == 1 {
            try deliverNew.bind(db.lastInsertRowID, at: 2)
            try deliverNew.runBound()
            return
          }
          expectNew = false
        }
        try deliverKnown.run(text: recipient.id, at: 2)
        if db.changes == 0 {
          try addIfNew.run(text: recipient.id, at: 1)
          try deliverNew.bind(db.lastInsertRowID, at: 2)
          try deliverNew.runBound()
          expectNew = true
        }
      } catch let error as SQLiteError where error.isConstraint {
        // The row already there is this delivery's (the id is repeated) or an earlier one's.
        if let earlier = try store.delivery(message: message, employee: recipient.id), earlier.via != via {
          throw LedgerError(.conflict,
            "invalid recipient '\(recipient.id)' (\(recipient.origin)): already received '\(earlier.messageID)' at \(earlier.sentAt); name only those it has not reached")
        }
        throw LedgerError(.conflict, "duplicate recipient '\(recipient.id)' (\(recipient.origin))")
      }
    }
  }

  /// How many bytes of recipient ids ``deliver(message:from:)`` keeps to sort in memory
  /// when they arrive unsorted (about 24 bytes an id: a million recipients take 24 MB);
  /// past it the digest comes from a sorted scan of the stored rows.
  static let recipientSortLimit = 256 << 20

  /// Rule 8's default recipients of a correction (entry `message`) of notice `notice`:
  /// every recipient of that notice.
  func deliverToRecipients(ofNotice notice: Int64, message: Int64) throws {
    try db.cached("INSERT INTO deliveries (message, employee) SELECT ?1, employee FROM all_deliveries WHERE message = ?2 ORDER BY employee")
      .run([message, notice])
  }

  /// Rule 8's default recipients of a correction (entry `message`) of version `version`:
  /// every recipient of every notice in the journal now that announces the version.
  func deliverToRecipients(ofNoticesAnnouncing version: Int64, message: Int64) throws {
    try db.cached(
      """
      INSERT INTO deliveries (message, employee)
      SELECT ?1, d.employee FROM notice_versions nv JOIN deliveries d ON d.message = nv.notice WHERE nv.version = ?2
      UNION
      SELECT ?1, d.employee FROM notice_versions nv JOIN resent_deliveries d ON d.message = nv.notice WHERE nv.version = ?2
      """
    ).run([message, version])
  }

  /// The count and digest of the recipients that one delivery of message `message` reached
  /// (`via`: its resend entry, nil for the first), read in digest order.
  func storedRecipientDigest(message: Int64, via: Int64? = nil) throws -> (count: Int64, sha256: String) {
    var digest = RecipientDigest()
    try db.cached(
      "SELECT e.name FROM all_deliveries d JOIN employees e ON e.id = d.employee WHERE d.message = ? AND d.via IS ? ORDER BY e.name"
    ).forEach([message, via]) { row in
      digest.add(row.text(0))
    }
    return (digest.count, digest.finishHex())
  }

  /// Whether employee number `employee` received message `message`.
  func received(message: Int64, employee: Int64) throws -> Bool {
    try db.cached("SELECT 1 FROM all_deliveries WHERE message = ? AND employee = ?").first([message, employee], { _ in true }) ?? false
  }

  /// When employee number `employee` acknowledged notice `notice`, if they did.
  func acknowledgement(notice: Int64, employee: Int64) throws -> Instant? {
    try db.cached("SELECT at FROM acks WHERE notice = ? AND employee = ?")
      .first([notice, employee]) { Instant(microseconds: $0.int64(0)) }
  }
}

/// One delivery of a message to one employee (rule 16): which entry delivered it, when.
struct DeliveryRow {
  var messageID: String
  /// The resend entry, nil for the message's own entry.
  var via: Int64?
  var sentAt: Instant
  var recordedAt: Instant
}

extension LedgerStore {
  /// The delivery of message `message` that reached the employee named `employee`, if one did.
  func delivery(message: Int64, employee name: String) throws -> DeliveryRow? {
    guard let employee = try employeeID(name) else { return nil }
    return try delivery(message: message, employee: employee)
  }

  /// The delivery of message `message` that reached employee number `employee`, if one did:
  /// its time is the resend's `sent_at`, else the message's own `sent_at` / `issued_at`.
  func delivery(message: Int64, employee: Int64) throws -> DeliveryRow? {
    try db.cached(
      """
      SELECT coalesce(n.id, c.id), d.via, coalesce(r.sent_at, n.sent_at, c.issued_at), j.recorded_at
      FROM all_deliveries d LEFT JOIN resends r ON r.seq = d.via
      LEFT JOIN notices n ON n.seq = d.message LEFT JOIN corrections c ON c.seq = d.message
      JOIN journal j ON j.seq = coalesce(d.via, d.message)
      WHERE d.message = ?1 AND d.employee = ?2
      """
    ).first([message, employee]) { row in
      DeliveryRow(
        messageID: row.string(0), via: row.optionalInt64(1), sentAt: Instant(microseconds: row.int64(2)),
        recordedAt: Instant(microseconds: row.int64(3)))
    }
  }
}
