import Foundation

/// What `export` reads: every row of one kind, in journal order, streamed.
extension LedgerStore {
  /// The output columns of `kind`, in order.
  static func exportColumns(_ kind: ExportKind) -> [String] {
    switch kind {
    case .versions: ExportedVersion.names
    case .notices: ExportedNotice.names
    case .recipients: ["notice", "employee"]
    case .corrections: ExportedCorrection.names
    case .acks: ExportedAck.names
    case .journal: ["seq", "recorded_at", "kind", "actor", "payload", "previous_hash", "entry_hash"]
    }
  }

  /// Calls `body` with each row of `kind`, in journal order. The array passed is reused
  /// from row to row.
  func forEachExportRow(_ kind: ExportKind, timeZone: TimeZone?, _ body: ([Cell]) throws -> Void) throws {
    // One array for every row (rewritten in place), not one allocated per row: ten
    // million rows make that a tenth of the export's time.
    var cells: [Cell] = []
    func rows<F: OutputFields>(_ fields: F.Type, _ sql: String) throws {
      try db.prepare(sql).forEach { row in
        F.fill(&cells, from: row, timeZone: timeZone)
        try body(cells)
      }
    }
    switch kind {
    case .versions: try rows(ExportedVersion.self, ExportedVersion.select)
    case .notices: try rows(ExportedNotice.self, ExportedNotice.select)
    case .corrections: try rows(ExportedCorrection.self, ExportedCorrection.select)
    case .acks: try rows(ExportedAck.self, ExportedAck.select)
    case .recipients:
      // In primary-key order (journal order of the message, then employee number):
      // no sort, and each message's id looked up once.
      var ids: [Int64: String] = [:]
      try db.prepare("SELECT seq, id FROM notices UNION ALL SELECT seq, id FROM corrections").forEach {
        ids[$0.int64(0)] = $0.string(1)
      }
      var lastSeq: Int64 = -1
      cells = [.null, .null]
      try db.prepare("SELECT d.message, e.name FROM deliveries d JOIN employees e ON e.id = d.employee ORDER BY d.message, d.employee")
        .forEach { r in
          let seq = r.int64(0)
          if seq != lastSeq {
            lastSeq = seq
            cells[0] = .text(ids[seq])
          }
          cells[1] = .text(r.string(1))
          try body(cells)
        }
    case .journal:
      try forEachEntry { e in
        try body([
          .integer(e.seq), .time(e.recordedAt, timeZone), .text(e.kind), .text(e.actor), .text(Hex.encode(e.payload)),
          .text(Hex.encode(e.previousHash)), .text(Hex.encode(e.entryHash)),
        ])
      }
    }
  }
}

private enum ExportedVersion: Int, OutputFields {
  case policy, version, title, body, effectiveFrom, effectiveUntil, announcedAt, by, recordedAt, bodySHA256

  var field: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .policy: ("policy", "p.key", .text)
    case .version: ("version", "v.version", .integer)
    case .title: ("title", "v.title", .text)
    case .body: ("body", "v.body", .body)
    case .effectiveFrom: ("effective_from", "v.effective_from", .time)
    case .effectiveUntil: ("effective_until", "v.effective_until", .optionalTime)
    case .announcedAt: ("announced_at", "v.announced_at", .time)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .bodySHA256: ("body_sha256", "v.body_sha256", .text)
    }
  }

  static let select =
    "SELECT \(selectList) FROM versions v JOIN policies p ON p.id = v.policy JOIN journal j ON j.seq = v.seq ORDER BY v.seq"
}

private enum ExportedNotice: Int, OutputFields {
  case id, subject, body, sentAt, sender, channel, announces, by, recordedAt, bodySHA256, recipientCount
  case recipientsSHA256

  var field: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .id: ("id", "n.id", .text)
    case .subject: ("subject", "n.subject", .text)
    case .body: ("body", "n.body", .body)
    case .sentAt: ("sent_at", "n.sent_at", .time)
    case .sender: ("sender", "n.sender", .text)
    case .channel: ("channel", "n.channel", .text)
    case .announces: ("announces", "p.key || '@' || v.version", .optionalText)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .bodySHA256: ("body_sha256", "n.body_sha256", .text)
    case .recipientCount: ("recipient_count", "n.recipient_count", .integer)
    case .recipientsSHA256: ("recipients_sha256", "n.recipients_sha256", .text)
    }
  }

  static let select = """
    SELECT \(selectList) FROM notices n JOIN journal j ON j.seq = n.seq
    LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = v.policy ORDER BY n.seq
    """
}

private enum ExportedCorrection: Int, OutputFields {
  case id, kind, notice, version, voidVersion, issuedAt, statement, reason, effectiveFrom, effectiveUntil, by
  case recordedAt, recipientCount, recipientsSHA256

  var field: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .id: ("id", "c.id", .text)
    case .kind: ("kind", "c.kind", .text)
    case .notice: ("notice", "n.id", .optionalText)
    case .version: ("version", "tp.key || '@' || tv.version", .optionalText)
    case .voidVersion: ("void_version", "c.void_version", .flag)
    case .issuedAt: ("issued_at", "c.issued_at", .time)
    case .statement: ("statement", "c.statement", .text)
    case .reason: ("reason", "c.reason", .text)
    case .effectiveFrom: ("effective_from", "c.effective_from", .optionalTime)
    case .effectiveUntil: ("effective_until", "c.effective_until", .optionalTime)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .recipientCount: ("recipient_count", "c.recipient_count", .integer)
    case .recipientsSHA256: ("recipients_sha256", "c.recipients_sha256", .text)
    }
  }

  static let select = """
    SELECT \(selectList) FROM corrections c JOIN journal j ON j.seq = c.seq
    LEFT JOIN notices n ON n.seq = c.notice
    LEFT JOIN versions tv ON tv.seq = c.version LEFT JOIN policies tp ON tp.id = tv.policy
    ORDER BY c.seq
    """
}

private enum ExportedAck: Int, OutputFields {
  case notice, employee, at, by, recordedAt

  var field: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .notice: ("notice", "n.id", .text)
    case .employee: ("employee", "e.name", .text)
    case .at: ("at", "a.at", .time)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    }
  }

  static let select = """
    SELECT \(selectList)
    FROM acks a JOIN notices n ON n.seq = a.notice JOIN employees e ON e.id = a.employee JOIN journal j ON j.seq = a.seq
    ORDER BY a.seq
    """
}
