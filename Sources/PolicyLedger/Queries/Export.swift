import Foundation

/// What `export` can write; each speaks the CSV that `import` reads.
public enum ExportKind: String, CaseIterable, Sendable {
  case versions, notices, recipients, corrections, acks, journal

  /// The columns, in order (spec section 5; more may follow the contract's).
  public var columns: [String] {
    switch self {
    case .versions:
      ["policy", "version", "title", "body", "effective_from", "effective_until", "announced_at", "by", "recorded_at", "body_sha256"]
    case .notices:
      [
        "id", "subject", "body", "sent_at", "sender", "channel", "announces", "by", "recorded_at", "body_sha256",
        "recipient_count", "recipients_sha256",
      ]
    case .recipients: ["notice", "employee"]
    case .corrections:
      [
        "id", "kind", "notice", "version", "void_version", "issued_at", "statement", "reason", "effective_from",
        "effective_until", "by", "recorded_at", "recipient_count", "recipients_sha256",
      ]
    case .acks: ["notice", "employee", "at", "by", "recorded_at"]
    case .journal: ["seq", "recorded_at", "kind", "actor", "payload", "previous_hash", "entry_hash"]
    }
  }
}

extension Ledger {
  /// Streams every row of `kind` to `writer`, in journal order, one row at a time.
  /// - Returns: the number of rows written.
  @discardableResult
  public func export(_ kind: ExportKind, to writer: any RowWriter, timeZone: TimeZone? = nil, progress: ((Int64) -> Void)? = nil) throws -> Int64 {
    try read {
      var count: Int64 = 0
      let t = { (i: Int64?) in Cell.time(i.map(Instant.init(microseconds:)), timeZone) }
      func emit(_ cells: [Cell]) throws {
        try writer.write(cells)
        count += 1
        if count % 100_000 == 0 { progress?(count) }
      }
      try writer.begin(columns: kind.columns)
      switch kind {
      case .versions:
        try db.prepare(
          """
          SELECT p.key, v.version, v.title, v.body, v.effective_from, v.effective_until, v.announced_at, j.actor,
                 j.recorded_at, v.body_sha256
          FROM versions v JOIN policies p ON p.id = v.policy JOIN journal j ON j.seq = v.seq ORDER BY v.seq
          """
        ).forEach { r in
          try emit([
            .text(r.string(0)), .integer(r.int64(1)), .text(r.string(2)), .text(String(decoding: r.blob(3), as: UTF8.self)),
            t(r.int64(4)), t(r.optionalInt64(5)), t(r.int64(6)), .text(r.string(7)), t(r.int64(8)), .text(r.string(9)),
          ])
        }
      case .notices:
        try db.prepare(
          """
          SELECT n.id, n.subject, n.body, n.sent_at, n.sender, n.channel, p.key || '@' || v.version, j.actor,
                 j.recorded_at, n.body_sha256, n.recipient_count, n.recipients_sha256
          FROM notices n JOIN journal j ON j.seq = n.seq
          LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = v.policy ORDER BY n.seq
          """
        ).forEach { r in
          try emit([
            .text(r.string(0)), .text(r.string(1)), .text(String(decoding: r.blob(2), as: UTF8.self)), t(r.int64(3)),
            .text(r.string(4)), .text(r.string(5)), .text(r.optionalString(6)), .text(r.string(7)), t(r.int64(8)),
            .text(r.string(9)), .integer(r.int64(10)), .text(r.string(11)),
          ])
        }
      case .recipients:
        // In primary-key order (journal order of the message, then employee number):
        // no sort, and each message's id looked up once.
        var ids: [Int64: String] = [:]
        try db.prepare("SELECT seq, id FROM notices UNION ALL SELECT seq, id FROM corrections").forEach {
          ids[$0.int64(0)] = $0.string(1)
        }
        var lastSeq: Int64 = -1
        // One array for every row (rewritten in place), not one allocated per row:
        // ten million rows make that a tenth of the export's time.
        var cells: [Cell] = [.null, .null]
        try db.prepare("SELECT d.message, e.name FROM deliveries d JOIN employees e ON e.id = d.employee ORDER BY d.message, d.employee")
          .forEach { r in
            let seq = r.int64(0)
            if seq != lastSeq {
              lastSeq = seq
              cells[0] = .text(ids[seq])
            }
            cells[1] = .text(r.string(1))
            try emit(cells)
          }
      case .corrections:
        try db.prepare(
          """
          SELECT c.id, c.kind, n.id, tp.key || '@' || tv.version, c.void_version, c.issued_at, c.statement, c.reason,
                 c.effective_from, c.effective_until, j.actor, j.recorded_at, c.recipient_count, c.recipients_sha256
          FROM corrections c JOIN journal j ON j.seq = c.seq
          LEFT JOIN notices n ON n.seq = c.notice
          LEFT JOIN versions tv ON tv.seq = c.version LEFT JOIN policies tp ON tp.id = tv.policy
          ORDER BY c.seq
          """
        ).forEach { r in
          try emit([
            .text(r.string(0)), .text(r.string(1)), .text(r.optionalString(2)), .text(r.optionalString(3)),
            .text(r.int64(4) != 0 ? "true" : "false"), t(r.int64(5)), .text(r.string(6)), .text(r.string(7)),
            t(r.optionalInt64(8)), t(r.optionalInt64(9)), .text(r.string(10)), t(r.int64(11)), .integer(r.int64(12)),
            .text(r.string(13)),
          ])
        }
      case .acks:
        try db.prepare(
          """
          SELECT n.id, e.name, a.at, j.actor, j.recorded_at
          FROM acks a JOIN notices n ON n.seq = a.notice JOIN employees e ON e.id = a.employee JOIN journal j ON j.seq = a.seq
          ORDER BY a.seq
          """
        ).forEach { r in
          try emit([.text(r.string(0)), .text(r.string(1)), t(r.int64(2)), .text(r.string(3)), t(r.int64(4))])
        }
      case .journal:
        try db.forEachEntry { e in
          try emit([
            .integer(e.seq), .time(e.recordedAt, timeZone), .text(e.kind), .text(e.actor), .text(Hex.encode(e.payload)),
            .text(Hex.encode(e.previousHash)), .text(Hex.encode(e.entryHash)),
          ])
        }
      }
      try writer.finish()
      return count
    }
  }
}
