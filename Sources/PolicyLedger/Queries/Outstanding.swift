import Foundation

/// One row of `outstanding`: a recipient of a notice who did not receive a correction of it.
public struct OutstandingRow: TabularRow, Equatable, Sendable {
  public var notice: String
  public var employee: String
  public var correction: String
  public var correctionKind: CorrectionKind

  public static let columns = ["notice", "employee", "correction", "correction_kind"]

  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(notice), .text(employee), .text(correction), .text(correctionKind.rawValue)]
  }
}

/// One row of `recipients`.
public struct RecipientRow: TabularRow, Equatable, Sendable {
  public var notice: String
  public var employee: String
  public var acknowledgedAt: Instant?

  public static let columns = ["notice", "employee", "status", "acknowledged_at"]

  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(notice), .text(employee), .text(acknowledgedAt == nil ? "unacknowledged" : "acknowledged"), .time(acknowledgedAt, timeZone)]
  }
}

extension Ledger {
  /// Rule 9: one row for each correction known in `view`, each notice it affects (known
  /// too) and each recipient of that notice who did not receive the correction; ordered
  /// by notice id, correction id, employee id. Rows stream to `body`.
  public func outstanding(notice: String? = nil, view: Bitemporal.View = .init(), _ body: (OutstandingRow) throws -> Void) throws {
    try read {
      if let notice {
        guard try db.noticeRow(notice) != nil else {
          throw LedgerError("no notice '\(notice)' in this ledger (list notices with 'policy-ledger export notices')")
        }
      }
      let k = view.knownAt?.microseconds ?? .max
      let r = view.recordedAt?.microseconds ?? .max
      // Rule 2, both ways a correction affects a notice: it targets the notice, or it
      // targets the version the notice announces.
      let affected = """
        SELECT c.seq AS c_seq, c.id AS c_id, c.kind AS c_kind, n.seq AS n_seq, n.id AS n_id
        FROM corrections c JOIN journal jc ON jc.seq = c.seq
        JOIN notices n ON n.seq = c.notice JOIN journal jn ON jn.seq = n.seq
        WHERE c.issued_at <= ?1 AND jc.recorded_at <= ?2 AND n.sent_at <= ?1 AND jn.recorded_at <= ?2
          AND (?3 IS NULL OR n.id = ?3)
        UNION ALL
        SELECT c.seq, c.id, c.kind, n.seq, n.id
        FROM corrections c JOIN journal jc ON jc.seq = c.seq
        JOIN notices n ON n.announces = c.version JOIN journal jn ON jn.seq = n.seq
        WHERE c.version IS NOT NULL
          AND c.issued_at <= ?1 AND jc.recorded_at <= ?2 AND n.sent_at <= ?1 AND jn.recorded_at <= ?2
          AND (?3 IS NULL OR n.id = ?3)
        """
      try db.prepare(
        """
        WITH affected AS (\(affected))
        SELECT a.n_id, e.name, a.c_id, a.c_kind
        FROM affected a JOIN deliveries d ON d.message = a.n_seq JOIN employees e ON e.id = d.employee
        WHERE NOT EXISTS (SELECT 1 FROM deliveries got WHERE got.message = a.c_seq AND got.employee = d.employee)
        ORDER BY a.n_id, a.c_id, e.name
        """
      ).forEach([k, r, notice]) { row in
        try body(
          OutstandingRow(
            notice: row.string(0), employee: row.string(1), correction: row.string(2),
            correctionKind: CorrectionKind(rawValue: row.string(3)) ?? .amendment))
      }
    }
  }

  /// The recipients of a notice (or correction) with their acknowledgement, by employee id.
  public func recipients(of id: String, _ body: (RecipientRow) throws -> Void) throws {
    try read {
      guard
        let seq = try db.cached("SELECT seq FROM notices WHERE id = ?1 UNION ALL SELECT seq FROM corrections WHERE id = ?1")
          .first([id], { $0.int64(0) })
      else {
        throw LedgerError("no notice or correction '\(id)' in this ledger (list them with 'policy-ledger export notices')")
      }
      try db.prepare(
        """
        SELECT e.name, a.at FROM deliveries d JOIN employees e ON e.id = d.employee
        LEFT JOIN acks a ON a.notice = d.message AND a.employee = d.employee
        WHERE d.message = ? ORDER BY e.name
        """
      ).forEach([seq]) { row in
        try body(RecipientRow(notice: id, employee: row.string(0), acknowledgedAt: row.optionalInt64(1).map(Instant.init(microseconds:))))
      }
    }
  }
}
