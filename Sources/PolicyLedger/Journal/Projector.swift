/// Writes the query tables' rows for one journal entry.
///
/// Recording and `verify` both go through here: recording projects each new entry into
/// the ledger, and verify replays the whole journal through the same code into a
/// scratch database, then compares. Recipient lists are the exception — the journal
/// holds only their count and digest — so recording writes `deliveries` itself.
struct Projector {
  let db: Connection

  struct Unresolved: Error, CustomStringConvertible {
    let description: String
  }

  func apply(seq: Int64, _ payload: EntryPayload) throws {
    switch payload {
    case .version(let v):
      let policy: Int64
      if let id = try db.policyID(v.policy) {
        policy = id
      } else {
        try db.cached("INSERT INTO policies (key) VALUES (?)").run([v.policy])
        policy = db.lastInsertRowID
      }
      try db.cached(
        """
        INSERT INTO versions (seq, policy, version, title, body, body_sha256, effective_from, effective_until, announced_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
      ).run([
        seq, policy, v.version, v.title, v.body, v.bodySHA256, v.effectiveFrom.microseconds,
        v.effectiveUntil?.microseconds, v.announcedAt.microseconds,
      ])
    case .notice(let n):
      var announced: (seq: Int64, policy: Int64)? = nil
      if let ref = n.announces {
        guard let row = try db.versionRow(ref) else { throw Unresolved(description: "notice announces unknown version \(ref)") }
        announced = (row.seq, row.policy)
      }
      try db.cached(
        """
        INSERT INTO notices (seq, id, subject, body, body_sha256, sent_at, sender, channel, announces, policy,
                             recipient_count, recipients_sha256)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
      ).run([
        seq, n.id, n.subject, n.body, n.bodySHA256, n.sentAt.microseconds, n.sender, n.channel, announced?.seq,
        announced?.policy, n.recipientCount, n.recipientsSHA256,
      ])
    case .correction(let c):
      var notice: Int64? = nil
      var version: Int64? = nil
      var affected: Int64? = nil
      var policy: Int64? = nil
      switch c.target {
      case .notice(let id):
        guard let row = try db.noticeRow(id) else { throw Unresolved(description: "correction targets unknown notice '\(id)'") }
        notice = row.seq
        affected = row.announces
        policy = row.policy
      case .version(let ref):
        guard let row = try db.versionRow(ref) else { throw Unresolved(description: "correction targets unknown version \(ref)") }
        version = row.seq
        affected = row.seq
        policy = row.policy
      }
      try db.cached(
        """
        INSERT INTO corrections (seq, id, kind, notice, version, affected_version, policy, void_version, issued_at,
                                 statement, reason, effective_from, effective_until, recipient_count, recipients_sha256)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
      ).run([
        seq, c.id, c.kind.rawValue, notice, version, affected, policy, c.voidVersion, c.issuedAt.microseconds,
        c.statement, c.reason, c.effectiveFrom?.microseconds, c.effectiveUntil?.microseconds, c.recipientCount,
        c.recipientsSHA256,
      ])
    case .ack(let a):
      guard let notice = try db.noticeRow(a.notice) else { throw Unresolved(description: "acknowledgement of unknown notice '\(a.notice)'") }
      let employee = try db.employeeIDCreating(a.employee)
      try db.cached("INSERT INTO acks (notice, employee, at, seq) VALUES (?, ?, ?, ?)")
        .run([notice.seq, employee, a.at.microseconds, seq])
    }
  }
}
