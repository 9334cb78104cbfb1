import Foundation

/// One entry in full, as `show` prints it: named fields in a fixed order per kind.
public struct EntryRecord: Sendable, Equatable {
  public var columns: [String]
  public var values: [Cell]
}

extension Ledger {
  /// The entry named `name`: a notice or correction id, else `KEY@N`.
  public func show(_ name: String, timeZone: TimeZone? = nil) throws -> EntryRecord {
    try read {
      let t = { (i: Int64?) in Cell.time(i.map(Instant.init(microseconds:)), timeZone) }
      if let record = try db.prepare(
        """
        SELECT n.id, n.subject, n.body, n.sent_at, n.sender, n.channel, p.key || '@' || v.version, n.recipient_count,
               n.recipients_sha256, n.body_sha256, j.actor, j.recorded_at, j.seq, j.entry_hash
        FROM notices n JOIN journal j ON j.seq = n.seq
        LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = v.policy
        WHERE n.id = ?
        """
      ).first([name], { row in
        EntryRecord(
          columns: [
            "id", "kind", "subject", "body", "sent_at", "sender", "channel", "announces", "recipient_count",
            "recipients_sha256", "body_sha256", "by", "recorded_at", "seq", "entry_hash",
          ],
          values: [
            .text(row.string(0)), .text("notice"), .text(row.string(1)), .text(String(decoding: row.blob(2), as: UTF8.self)),
            t(row.int64(3)), .text(row.string(4)), .text(row.string(5)), .text(row.optionalString(6)),
            .integer(row.int64(7)), .text(row.string(8)), .text(row.string(9)), .text(row.string(10)),
            t(row.int64(11)), .integer(row.int64(12)), .text(Hex.encode(row.blob(13))),
          ])
      }) {
        return record
      }
      if let record = try db.prepare(
        """
        SELECT c.id, c.kind, n.id, tp.key || '@' || tv.version, c.void_version, c.issued_at, c.statement, c.reason,
               c.effective_from, c.effective_until, c.recipient_count, c.recipients_sha256, j.actor, j.recorded_at,
               j.seq, j.entry_hash
        FROM corrections c JOIN journal j ON j.seq = c.seq
        LEFT JOIN notices n ON n.seq = c.notice
        LEFT JOIN versions tv ON tv.seq = c.version LEFT JOIN policies tp ON tp.id = tv.policy
        WHERE c.id = ?
        """
      ).first([name], { row in
        EntryRecord(
          columns: [
            "id", "kind", "notice", "version", "void_version", "issued_at", "statement", "reason", "effective_from",
            "effective_until", "recipient_count", "recipients_sha256", "by", "recorded_at", "seq", "entry_hash",
          ],
          values: [
            .text(row.string(0)), .text(row.string(1)), .text(row.optionalString(2)), .text(row.optionalString(3)),
            .text(row.int64(4) != 0 ? "true" : "false"), t(row.int64(5)), .text(row.string(6)), .text(row.string(7)),
            t(row.optionalInt64(8)), t(row.optionalInt64(9)), .integer(row.int64(10)), .text(row.string(11)),
            .text(row.string(12)), t(row.int64(13)), .integer(row.int64(14)), .text(Hex.encode(row.blob(15))),
          ])
      }) {
        return record
      }
      if let ref = try? VersionRef.parse(name, field: "entry") {
        if let record = try db.prepare(
          """
          SELECT p.key, v.version, v.title, v.body, v.effective_from, v.effective_until, v.announced_at, v.body_sha256,
                 j.actor, j.recorded_at, j.seq, j.entry_hash
          FROM versions v JOIN policies p ON p.id = v.policy JOIN journal j ON j.seq = v.seq
          WHERE p.key = ? AND v.version = ?
          """
        ).first([ref.policy, ref.number], { row in
          EntryRecord(
            columns: [
              "policy", "version", "title", "body", "effective_from", "effective_until", "announced_at", "body_sha256",
              "by", "recorded_at", "seq", "entry_hash",
            ],
            values: [
              .text(row.string(0)), .integer(row.int64(1)), .text(row.string(2)),
              .text(String(decoding: row.blob(3), as: UTF8.self)), t(row.int64(4)), t(row.optionalInt64(5)),
              t(row.int64(6)), .text(row.string(7)), .text(row.string(8)), t(row.int64(9)), .integer(row.int64(10)),
              .text(Hex.encode(row.blob(11))),
            ])
        }) {
          return record
        }
        if try db.policyID(ref.policy) == nil { throw LedgerError("no policy '\(ref.policy)'") }
        throw LedgerError("policy '\(ref.policy)' has no version \(ref.number)")
      }
      throw LedgerError("no notice, correction or version '\(name)' in this ledger (name a version as KEY@N)")
    }
  }
}
