import Foundation

/// What `show` reads: one entry in full, every field by name (``OutputFields``).
extension LedgerStore {
  /// Notice `id` in full, or nil when there is none.
  func shownNotice(_ id: String, timeZone: TimeZone?) throws -> EntryRecord? {
    try db.prepare(ShownNotice.select).first([id]) { EntryRecord(row: $0, ShownNotice.self, timeZone: timeZone) }
  }

  /// Correction `id` in full, or nil when there is none.
  func shownCorrection(_ id: String, timeZone: TimeZone?) throws -> EntryRecord? {
    try db.prepare(ShownCorrection.select).first([id]) { EntryRecord(row: $0, ShownCorrection.self, timeZone: timeZone) }
  }

  /// Version `ref` in full, or nil when there is none.
  func shownVersion(_ ref: VersionRef, timeZone: TimeZone?) throws -> EntryRecord? {
    try db.prepare(ShownVersion.select).first([ref.policy, ref.number]) {
      EntryRecord(row: $0, ShownVersion.self, timeZone: timeZone)
    }
  }
}

private enum ShownNotice: Int, OutputFields {
  case id, kind, subject, body, sentAt, sender, channel, announces, recipientCount, recipientsSHA256, bodySHA256
  case by, recordedAt, seq, entryHash

  var field: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .id: ("id", "n.id", .text)
    case .kind: ("kind", "'notice'", .text)
    case .subject: ("subject", "n.subject", .text)
    case .body: ("body", "n.body", .body)
    case .sentAt: ("sent_at", "n.sent_at", .time)
    case .sender: ("sender", "n.sender", .text)
    case .channel: ("channel", "n.channel", .text)
    case .announces: ("announces", "p.key || '@' || v.version", .optionalText)
    case .recipientCount: ("recipient_count", "n.recipient_count", .integer)
    case .recipientsSHA256: ("recipients_sha256", "n.recipients_sha256", .text)
    case .bodySHA256: ("body_sha256", "n.body_sha256", .text)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .seq: ("seq", "j.seq", .integer)
    case .entryHash: ("entry_hash", "j.entry_hash", .hex)
    }
  }

  static let select = """
    SELECT \(selectList)
    FROM notices n JOIN journal j ON j.seq = n.seq
    LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = v.policy
    WHERE n.id = ?
    """
}

private enum ShownCorrection: Int, OutputFields {
  case id, kind, notice, version, voidVersion, issuedAt, statement, reason, effectiveFrom, effectiveUntil
  case recipientCount, recipientsSHA256, by, recordedAt, seq, entryHash

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
    case .recipientCount: ("recipient_count", "c.recipient_count", .integer)
    case .recipientsSHA256: ("recipients_sha256", "c.recipients_sha256", .text)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .seq: ("seq", "j.seq", .integer)
    case .entryHash: ("entry_hash", "j.entry_hash", .hex)
    }
  }

  static let select = """
    SELECT \(selectList)
    FROM corrections c JOIN journal j ON j.seq = c.seq
    LEFT JOIN notices n ON n.seq = c.notice
    LEFT JOIN versions tv ON tv.seq = c.version LEFT JOIN policies tp ON tp.id = tv.policy
    WHERE c.id = ?
    """
}

private enum ShownVersion: Int, OutputFields {
  case policy, version, title, body, effectiveFrom, effectiveUntil, announcedAt, bodySHA256, by, recordedAt, seq
  case entryHash

  var field: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .policy: ("policy", "p.key", .text)
    case .version: ("version", "v.version", .integer)
    case .title: ("title", "v.title", .text)
    case .body: ("body", "v.body", .body)
    case .effectiveFrom: ("effective_from", "v.effective_from", .time)
    case .effectiveUntil: ("effective_until", "v.effective_until", .optionalTime)
    case .announcedAt: ("announced_at", "v.announced_at", .time)
    case .bodySHA256: ("body_sha256", "v.body_sha256", .text)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .seq: ("seq", "j.seq", .integer)
    case .entryHash: ("entry_hash", "j.entry_hash", .hex)
    }
  }

  static let select = """
    SELECT \(selectList)
    FROM versions v JOIN policies p ON p.id = v.policy JOIN journal j ON j.seq = v.seq
    WHERE p.key = ? AND v.version = ?
    """
}
