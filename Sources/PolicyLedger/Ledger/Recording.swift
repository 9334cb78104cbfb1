import PolicyLedgerSQLite

/// A policy version to record (`policy add`).
public struct NewVersion: Sendable {
  public var policy: String
  public var title: String
  public var body: [UInt8]
  public var effectiveFrom: Instant
  public var effectiveUntil: Instant?
  /// Defaults to `effectiveFrom` (rule 7).
  public var announcedAt: Instant?

  public init(policy: String, title: String, body: [UInt8], effectiveFrom: Instant, effectiveUntil: Instant? = nil, announcedAt: Instant? = nil) {
    self.policy = policy
    self.title = title
    self.body = body
    self.effectiveFrom = effectiveFrom
    self.effectiveUntil = effectiveUntil
    self.announcedAt = announcedAt
  }
}

/// A notice to record (`notice send`).
public struct NewNotice: Sendable {
  public var id: String?
  public var subject: String
  public var body: [UInt8]
  public var sentAt: Instant
  public var sender: String
  public var channel: String
  public var announces: VersionRef?

  public init(id: String? = nil, subject: String, body: [UInt8], sentAt: Instant, sender: String, channel: String = "email", announces: VersionRef? = nil) {
    self.id = id
    self.subject = subject
    self.body = body
    self.sentAt = sentAt
    self.sender = sender
    self.channel = channel
    self.announces = announces
  }
}

/// A retraction or amendment to record (`correct retract`, `correct amend`).
public struct NewCorrection: Sendable {
  public var id: String?
  public var kind: CorrectionKind
  public var target: CorrectionTarget
  public var voidVersion: Bool
  public var issuedAt: Instant
  public var statement: String
  public var reason: String
  public var effectiveFrom: Instant?
  public var effectiveUntil: Instant?

  public init(
    id: String? = nil, kind: CorrectionKind, target: CorrectionTarget, voidVersion: Bool = false, issuedAt: Instant,
    statement: String, reason: String, effectiveFrom: Instant? = nil, effectiveUntil: Instant? = nil
  ) {
    self.id = id
    self.kind = kind
    self.target = target
    self.voidVersion = voidVersion
    self.issuedAt = issuedAt
    self.statement = statement
    self.reason = reason
    self.effectiveFrom = effectiveFrom
    self.effectiveUntil = effectiveUntil
  }
}

/// Who receives a correction (rule 8).
public enum CorrectionRecipients {
  /// Every recipient of the target notice, or of every notice announcing the target version.
  case defaults
  /// Nobody (`--no-recipients`).
  case none
  /// The ids the caller names.
  case named(any RecipientSource)
}

extension Ledger {
  // MARK: - policy add

  /// Records a new version of a policy; versions are numbered 1, 2, 3 … per policy.
  /// - Returns: the new version's `KEY@N`.
  @discardableResult
  public func addVersion(_ new: NewVersion, actor: String) throws -> VersionRef {
    let entry = try write { try recordVersion(new, actor: actor, names: .options) }
    return VersionRef(policy: entry.policy, number: entry.version)
  }

  /// Checks and appends one version in the caller's write transaction; returns what it recorded.
  func recordVersion(_ new: NewVersion, actor: String, names: FieldNames) throws -> VersionEntry {
    try Identifier.check(new.policy, field: names.policyKey, isPolicyKey: true)
    try checkActor(actor, names: names)
    try checkText(new.title, field: names("title"))
    try checkBody(new.body, field: names("body"))
    if let until = new.effectiveUntil, until <= new.effectiveFrom {
      throw LedgerError(
        "invalid \(names("effective_until")) '\(until)': it must be after \(names("effective_from")) '\(new.effectiveFrom)'")
    }
    let next = NextEntry(after: try db.journalHead())
    let number =
      (try db.cached(
        "SELECT max(v.version) FROM versions v JOIN policies p ON p.id = v.policy WHERE p.key = ?"
      ).first([new.policy]) { $0.optionalInt64(0) } ?? nil).map { $0 + 1 } ?? 1
    let entry = VersionEntry(
      policy: new.policy, version: number, title: new.title, body: new.body,
      bodySHA256: SHA256Hasher.hex(new.body), effectiveFrom: new.effectiveFrom, effectiveUntil: new.effectiveUntil,
      announcedAt: new.announcedAt ?? new.effectiveFrom)
    try append(.version(entry), actor: actor, next: next)
    return entry
  }

  // MARK: - notice send

  /// Records a notice and its recipients, streamed from `recipients`.
  /// - Returns: the notice's id.
  @discardableResult
  public func sendNotice(_ new: NewNotice, recipients: some RecipientSource, actor: String) throws -> String {
    var recipients = recipients
    return try write { try recordNotice(new, recipients: &recipients, actor: actor, names: .options) }.id
  }

  /// Checks and appends one notice in the caller's write transaction; returns what it recorded.
  func recordNotice(_ new: NewNotice, recipients: inout some RecipientSource, actor: String, names: FieldNames) throws -> NoticeEntry {
    if let id = new.id { try Identifier.check(id, field: names("id")) }
    try checkActor(actor, names: names)
    try checkText(new.subject, field: names("subject"))
    try checkBody(new.body, field: names("body"))
    try checkText(new.sender, field: names("sender"))
    try Identifier.check(new.channel, field: names("channel"))
    let next = NextEntry(after: try db.journalHead())
    let id = try newMessageID(new.id, prefix: "N", seq: next.seq, field: names("id"))
    if let ref = new.announces {
      guard let version = try db.versionRow(ref) else { throw try unknownVersion(ref, field: names("announces")) }
      _ = version
    }
    let (count, digest) = try deliver(message: next.seq, from: &recipients)
    guard count > 0 else {
      switch names {
      case .options: throw LedgerError("a notice needs at least one recipient (give --to or --recipients-file)")
      case .columns: throw LedgerError("a notice needs at least one recipient (the recipients file has no row for notice '\(id)')")
      }
    }
    let entry = NoticeEntry(
      id: id, subject: new.subject, body: new.body, bodySHA256: SHA256Hasher.hex(new.body), sentAt: new.sentAt,
      sender: new.sender, channel: new.channel, announces: new.announces, recipientCount: count,
      recipientsSHA256: digest)
    try append(.notice(entry), actor: actor, next: next)
    return entry
  }

  // MARK: - correct retract / amend

  /// Records a retraction or an amendment of a notice or a version.
  /// - Returns: the correction's id.
  @discardableResult
  public func correct(_ new: NewCorrection, recipients: CorrectionRecipients, actor: String) throws -> String {
    try write { try recordCorrection(new, recipients: recipients, actor: actor, names: .options) }.id
  }

  /// Checks and appends one correction in the caller's write transaction; returns what it recorded.
  func recordCorrection(_ new: NewCorrection, recipients: CorrectionRecipients, actor: String, names: FieldNames) throws
    -> CorrectionEntry
  {
    if let id = new.id { try Identifier.check(id, field: names("id")) }
    try checkActor(actor, names: names)
    try checkText(new.statement, field: names("statement"))
    try checkText(new.reason, field: names("reason"))
    if new.kind == .retraction, new.effectiveFrom != nil || new.effectiveUntil != nil {
      switch names {
      case .options: throw LedgerError("a retraction voids its target; use 'correct amend' to change an effective date")
      case .columns:
        let (column, value) = new.effectiveFrom.map { ("effective_from", $0) } ?? ("effective_until", new.effectiveUntil!)
        throw LedgerError("invalid \(column) '\(value)': a retraction voids its target; only an amendment changes an effective date")
      }
    }
    if new.voidVersion {
      guard new.kind == .retraction, case .notice = new.target else {
        switch names {
        case .options: throw LedgerError("--void-version goes with 'correct retract --notice ID'")
        case .columns: throw LedgerError("invalid void_version 'true': only a retraction of a notice can void its version")
        }
      }
    }
    let next = NextEntry(after: try db.journalHead())
    let id = try newMessageID(new.id, prefix: "C", seq: next.seq, field: names("id"))
    let targetTime: Instant
    let affected: Int64?
    let targetName: String
    switch new.target {
    case .notice(let noticeID):
      guard let notice = try db.noticeRow(noticeID) else {
        if try db.correctionSeq(noticeID) != nil {
          throw LedgerError("'\(noticeID)' is a correction, not a notice; correct the notice or version it targets")
        }
        throw LedgerError("no notice '\(noticeID)' in this ledger (list notices with 'policy-ledger export notices')")
      }
      if new.voidVersion && notice.announces == nil {
        throw LedgerError("notice '\(noticeID)' announces no version, so \(names("void_version")) has nothing to void")
      }
      targetTime = notice.sentAt
      affected = notice.announces
      targetName = "notice '\(noticeID)' (sent \(notice.sentAt))"
    case .version(let ref):
      guard let version = try db.versionRow(ref) else { throw try unknownVersion(ref, field: names("version")) }
      targetTime = version.announcedAt
      affected = version.seq
      targetName = "version \(ref) (announced \(version.announcedAt))"
    }
    if new.issuedAt < targetTime {
      throw LedgerError("invalid \(names("issued_at")) '\(new.issuedAt)': it is before its target, \(targetName)")
    }
    if new.kind == .amendment, new.effectiveFrom != nil || new.effectiveUntil != nil {
      guard let affected else {
        throw LedgerError("the notice announces no version, so there is no effective period to amend")
      }
      try checkAmendment(new, version: affected)
    }
    let (count, digest): (Int64, String)
    switch recipients {
    case .none:
      (count, digest) = (0, RecipientDigest().finishHexOfEmpty())
    case .named(var source):
      (count, digest) = try deliver(message: next.seq, from: &source)
    case .defaults:
      switch new.target {
      case .notice(let noticeID):
        try db.cached("INSERT INTO deliveries (message, employee) SELECT ?, employee FROM deliveries WHERE message = ?")
          .run([next.seq, try db.noticeRow(noticeID)!.seq])
      case .version:
        // Rule 8: every recipient of every notice in the journal now that announces the version.
        try db.cached(
          """
          INSERT INTO deliveries (message, employee)
          SELECT DISTINCT ?, d.employee FROM notices n JOIN deliveries d ON d.message = n.seq WHERE n.announces = ?
          """
        ).run([next.seq, affected])
      }
      (count, digest) = try RecipientDigest.stored(message: next.seq, in: db)
    }
    let entry = CorrectionEntry(
      id: id, kind: new.kind, target: new.target, voidVersion: new.voidVersion, issuedAt: new.issuedAt,
      statement: new.statement, reason: new.reason, effectiveFrom: new.effectiveFrom,
      effectiveUntil: new.effectiveUntil, recipientCount: count, recipientsSHA256: digest)
    try append(.correction(entry), actor: actor, next: next)
    return entry
  }

  /// Rule 4: refuse an amendment that, with every amendment so far, leaves an empty period.
  private func checkAmendment(_ new: NewCorrection, version seq: Int64) throws {
    guard let facts = try loadFacts(policyOfVersion: seq, viewer: nil) else { return }
    guard let version = facts.versions.first(where: { $0.seq == seq }) else { return }
    let proposed = CorrectionFacts(
      seq: .max, id: "", kind: .amendment, targetNotice: nil, targetVersion: seq, affectedVersion: seq,
      voidVersion: false, issuedAt: new.issuedAt, recordedAt: .now(), effectiveFrom: new.effectiveFrom,
      effectiveUntil: new.effectiveUntil, receivedByViewer: true)
    let (from, until) = Bitemporal.period(of: version, amendments: facts.corrections + [proposed])
    if let until, until <= from {
      throw LedgerError(
        "this amendment would leave \(version.policy)@\(version.number) an empty effective period [\(from), \(until)); effective_until must be after effective_from"
      )
    }
  }

  // MARK: - ack

  /// Records that `employee` read `notice` at `at`. Only a recipient may acknowledge, not
  /// before the notice was sent, and once.
  public func acknowledge(notice: String, employee: String, at: Instant, actor: String) throws {
    _ = try write { try recordAck(AckEntry(notice: notice, employee: employee, at: at), actor: actor, names: .options) }
  }

  /// Checks and appends one acknowledgement in the caller's write transaction.
  func recordAck(_ ack: AckEntry, actor: String, names: FieldNames) throws -> AckEntry {
    let (notice, employee, at) = (ack.notice, ack.employee, ack.at)
    try Identifier.check(notice, field: names("notice"))
    try Identifier.check(employee, field: names("employee"))
    try checkActor(actor, names: names)
    let next = NextEntry(after: try db.journalHead())
    guard let row = try db.noticeRow(notice) else {
      throw LedgerError("no notice '\(notice)' in this ledger (list notices with 'policy-ledger export notices')")
    }
    guard let employeeID = try db.employeeID(employee),
      try db.cached("SELECT 1 FROM deliveries WHERE message = ? AND employee = ?").first([row.seq, employeeID], { _ in true }) ?? false
    else {
      throw LedgerError("invalid \(names("employee")) '\(employee)': not a recipient of notice '\(notice)'")
    }
    if at < row.sentAt {
      throw LedgerError("invalid \(names("at")) '\(at)': notice '\(notice)' was sent later, at \(row.sentAt)")
    }
    let previous = try db.cached("SELECT at FROM acks WHERE notice = ? AND employee = ?")
      .first([row.seq, employeeID]) { Instant(microseconds: $0.int64(0)) }
    if let previous {
      throw LedgerError("'\(employee)' already acknowledged notice '\(notice)' at \(previous)")
    }
    try append(.ack(ack), actor: actor, next: next)
    return ack
  }

  // MARK: - shared steps

  /// Appends the entry and projects it, in the caller's transaction.
  func append(_ payload: EntryPayload, actor: String, next: NextEntry) throws {
    try db.appendEntry(payload, actor: actor, seq: next.seq, recordedAt: next.recordedAt, previousHash: next.previousHash)
    try Projector(store: db).apply(seq: next.seq, payload)
  }

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
  func deliver(message: Int64, from source: inout some RecipientSource) throws -> (Int64, String) {
    var digest = RecipientDigest(keepingUpTo: Ledger.recipientSortLimit)
    let one = try OneRecipient(db: db, message: message)
    let size = Ledger.recipientBatch
    // OR IGNORE rather than statements that can fail half-way: SQLite then keeps no
    // statement journal, which for a multi-row statement copies every page it touches.
    let addBatch = try db.cached(
      "INSERT OR IGNORE INTO employees (name) VALUES \((1...size).map { "(?\($0))" }.joined(separator: ", "))")
    let deliverNewBatch = try db.cached(
      "INSERT OR IGNORE INTO deliveries (message, employee) VALUES \((2...size + 1).map { "(?1, ?\($0))" }.joined(separator: ", "))")
    // Only when every name is in the directory, each once, and none has this message yet:
    // a batch goes in whole or not at all.
    let deliverKnownBatch = try db.cached(
      """
      WITH found (id) AS MATERIALIZED (SELECT id FROM employees WHERE name IN (\((2...size + 1).map { "?\($0)" }.joined(separator: ", "))))
      INSERT OR IGNORE INTO deliveries (message, employee) SELECT ?1, id FROM found
      WHERE (SELECT count(*) FROM found) = \(size)
        AND NOT EXISTS (SELECT 1 FROM found f CROSS JOIN deliveries d ON d.message = ?1 AND d.employee = f.id)
      """)
    let highestEmployee = try db.cached("SELECT coalesce(max(id), 0) FROM employees")
    try deliverNewBatch.bind(message, at: 1)
    try deliverKnownBatch.bind(message, at: 1)
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
          for i in 0..<size { try deliverNewBatch.bind(last - Int64(size - 1 - i), at: Int32(i + 2)) }
          try deliverNewBatch.runBound()
          // A new employee cannot have had this message already, unless rows were added
          // behind the ledger's back.
          guard db.changes == size else {
            throw LedgerError("the deliveries table lists employees missing from the directory; run 'policy-ledger verify'")
          }
          whole = true
        }
      } else {
        for (i, recipient) in batch.enumerated() { try deliverKnownBatch.bind(text: recipient.id, at: Int32(i + 2)) }
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
        throw LedgerError("invalid recipient '\(Identifier.printable(recipient.id))' (\(recipient.origin)): \(problem)")
      }
      digest.add(recipient.id)
      batch.append(recipient)
      if batch.count == size { try deliverBatch() }
    }
    for recipient in batch { try one.deliver(recipient) }
    if let hex = digest.finishHexIfKnown() { return (digest.count, hex) }
    return try RecipientDigest.stored(message: message, in: db)
  }

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
    var expectNew = false

    init(db: Connection, message: Int64) throws {
      self.db = db
      deliverKnown = try db.cached("INSERT INTO deliveries (message, employee) SELECT ?1, id FROM employees WHERE name = ?2")
      addIfNew = try db.cached("INSERT INTO employees (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")
      deliverNew = try db.cached("INSERT INTO deliveries (message, employee) VALUES (?1, ?2)")
      try deliverKnown.bind(message, at: 1)
      try deliverNew.bind(message, at: 1)
    }

    func deliver(_ recipient: Recipient) throws {
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
        throw LedgerError("duplicate recipient '\(recipient.id)' (\(recipient.origin))")
      }
    }
  }

  /// How many bytes of recipient ids ``deliver(message:from:)`` keeps to sort in memory
  /// when they arrive unsorted (about 24 bytes an id: a million recipients take 24 MB);
  /// past it the digest comes from a sorted scan of the stored rows.
  static let recipientSortLimit = 256 << 20

  /// The id to give a new notice or correction: the caller's, if free, else an assigned one.
  private func newMessageID(_ given: String?, prefix: String, seq: Int64, field: String) throws -> String {
    if let given {
      if try db.messageIDExists(given) {
        throw LedgerError("invalid \(field) '\(given)': a notice or correction with that id already exists")
      }
      return given
    }
    var candidate = "\(prefix)\(seq)"
    var suffix = 1
    while try db.messageIDExists(candidate) {
      suffix += 1
      candidate = "\(prefix)\(seq)-\(suffix)"
    }
    return candidate
  }

  private func unknownVersion(_ ref: VersionRef, field: String) throws -> LedgerError {
    if try db.policyID(ref.policy) == nil {
      return LedgerError("invalid \(field) '\(ref)': no policy '\(ref.policy)' in this ledger")
    }
    return LedgerError("invalid \(field) '\(ref)': policy '\(ref.policy)' has no version \(ref.number)")
  }

  func checkActor(_ actor: String, names: FieldNames) throws {
    try Identifier.check(actor, field: names("by"))
  }

  /// Titles, subjects, statements and reasons: non-empty single-line text.
  func checkText(_ text: String, field: String) throws {
    if text.trimmingWhitespace().isEmpty { throw LedgerError("invalid \(field) '\(text)': must not be empty") }
    if let bad = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
      throw LedgerError(
        "invalid \(field) '\(Identifier.printable(text))': control character \(bad.escaped(asASCII: true)) is not allowed")
    }
  }

  /// Bodies: any UTF-8 text, stored byte for byte.
  func checkBody(_ body: [UInt8], field: String) throws {
    if String(validating: body, as: UTF8.self) == nil {
      throw LedgerError("invalid \(field): not valid UTF-8 text")
    }
  }
}

extension RecipientDigest {
  func finishHexOfEmpty() -> String {
    var empty = RecipientDigest()
    return empty.finishHex()
  }
}
