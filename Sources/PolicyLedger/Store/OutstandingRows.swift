/// What `outstanding` and `recipients` read.
extension LedgerStore {
  /// Rule 9 in one statement: each correction known at (`knownAt`, `recordedAt`), each
  /// notice it affects (known too), each recipient of that notice (by a known delivery) whom
  /// no known delivery of the correction reached; ordered by notice id, correction id,
  /// employee id. A first delivery is known with its message; a resend when its `sent_at`
  /// ≤ k and its `recorded_at` ≤ r (rule 16). Only notice `notice`'s
  /// rows when given.
  ///
  /// This restates two rules of ``Bitemporal`` in SQL, for speed (one indexed join rather
  /// than every policy's facts): rule 1, "known" (`issued_at`/`sent_at` ≤ k and
  /// `recorded_at` ≤ r), and rule 2, both ways a correction affects a notice (it targets
  /// the notice, or the version the notice announces). OutstandingTests checks it against
  /// ``Bitemporal/View/knows(businessTime:recordedAt:)`` and ``Bitemporal/affects(_:notice:)``.
  func forEachOutstanding(
    notice: String?, knownAt: Instant?, recordedAt: Instant?, _ body: (OutstandingRow) throws -> Void
  ) throws {
    let k = knownAt?.microseconds ?? .max
    let r = recordedAt?.microseconds ?? .max
    try db.prepare(LedgerStore.outstandingSQL).forEach([k, r, notice]) { row in
      try body(
        OutstandingRow(
          notice: row.string(0), employee: row.string(1), correction: row.string(2),
          correctionKind: try CorrectionKind(stored: row.string(3))))
    }
  }

  /// `?1` is k, `?2` is r, `?3` the notice id or NULL.
  private static let outstandingSQL = """
    WITH affected AS (
      SELECT c.seq AS c_seq, c.id AS c_id, c.kind AS c_kind, n.seq AS n_seq, n.id AS n_id
      FROM corrections c JOIN journal jc ON jc.seq = c.seq
      JOIN notices n ON n.seq = c.notice JOIN journal jn ON jn.seq = n.seq
      WHERE c.issued_at <= ?1 AND jc.recorded_at <= ?2 AND n.sent_at <= ?1 AND jn.recorded_at <= ?2
        AND (?3 IS NULL OR n.id = ?3)
      UNION ALL
      SELECT c.seq, c.id, c.kind, n.seq, n.id
      FROM corrections c JOIN journal jc ON jc.seq = c.seq
      JOIN notice_versions nv ON nv.version = c.version JOIN notices n ON n.seq = nv.notice JOIN journal jn ON jn.seq = n.seq
      WHERE c.version IS NOT NULL
        AND c.issued_at <= ?1 AND jc.recorded_at <= ?2 AND n.sent_at <= ?1 AND jn.recorded_at <= ?2
        AND (?3 IS NULL OR n.id = ?3)
    )
    SELECT a.n_id, e.name, a.c_id, a.c_kind
    FROM affected a JOIN all_deliveries d ON d.message = a.n_seq JOIN employees e ON e.id = d.employee
    LEFT JOIN resends rd ON rd.seq = d.via LEFT JOIN journal jd ON jd.seq = d.via
    WHERE (d.via IS NULL OR (rd.sent_at <= ?1 AND jd.recorded_at <= ?2))
      AND NOT EXISTS (
        SELECT 1 FROM all_deliveries got LEFT JOIN resends rg ON rg.seq = got.via LEFT JOIN journal jg ON jg.seq = got.via
        WHERE got.message = a.c_seq AND got.employee = d.employee
          AND (got.via IS NULL OR (rg.sent_at <= ?1 AND jg.recorded_at <= ?2)))
    ORDER BY a.n_id, a.c_id, e.name
    """

  /// The resends of message `seq`, in journal order: when each was sent and recorded, and
  /// how many it reached.
  func resends(ofMessage seq: Int64) throws -> [(sentAt: Instant, recordedAt: Instant, count: Int64)] {
    try db.cached(
      "SELECT r.sent_at, j.recorded_at, r.recipient_count FROM resends r JOIN journal j ON j.seq = r.seq WHERE r.message = ? ORDER BY r.seq"
    ).map([seq]) { (Instant(microseconds: $0.int64(0)), Instant(microseconds: $0.int64(1)), $0.int64(2)) }
  }

  /// The seq of the notice or correction with id `id` (they share one id space).
  func messageSeq(_ id: String) throws -> Int64? {
    try db.cached("SELECT seq FROM notices WHERE id = ?1 UNION ALL SELECT seq FROM corrections WHERE id = ?1")
      .first([id], { $0.int64(0) })
  }

  /// The recipients of message `seq` with their acknowledgement and the time of the
  /// delivery that reached each (a resend's `sent_at`, else the message's own), by employee id.
  func forEachRecipient(
    ofMessage seq: Int64, knownAt: Instant? = nil, recordedAt: Instant? = nil,
    _ body: (_ employee: String, _ acknowledgedAt: Instant?, _ sentAt: Instant) throws -> Void
  ) throws {
    if knownAt != nil || recordedAt != nil {
      // In a view: the deliveries sent by k and recorded by r (the message's own, or a
      // resend's), and an acknowledgement only when it too is at or before k and recorded by r.
      // With no bounds it gives what the query below gives; that one stays for the common
      // case, as it reads no journal row per delivery (a million of them for a notice to
      // the whole workforce).
      return try db.prepare(
        """
        SELECT e.name, a.at, coalesce(r.sent_at, n.sent_at, c.issued_at) AS sent FROM all_deliveries d
        JOIN employees e ON e.id = d.employee
        JOIN journal jd ON jd.seq = coalesce(d.via, d.message)
        LEFT JOIN resends r ON r.seq = d.via LEFT JOIN notices n ON n.seq = d.message LEFT JOIN corrections c ON c.seq = d.message
        LEFT JOIN (acks a JOIN journal ja ON ja.seq = a.seq AND ja.recorded_at <= ?3)
          ON a.notice = d.message AND a.employee = d.employee AND a.at <= ?2
        WHERE d.message = ?1 AND sent <= ?2 AND jd.recorded_at <= ?3 ORDER BY e.name
        """
      ).forEach([seq, knownAt?.microseconds ?? .max, recordedAt?.microseconds ?? .max]) { row in
        try body(row.string(0), row.optionalInt64(1).map(Instant.init(microseconds:)), Instant(microseconds: row.int64(2)))
      }
    }
    try db.prepare(
      """
      SELECT e.name, a.at, coalesce(r.sent_at, n.sent_at, c.issued_at) FROM all_deliveries d JOIN employees e ON e.id = d.employee
      LEFT JOIN acks a ON a.notice = d.message AND a.employee = d.employee
      LEFT JOIN resends r ON r.seq = d.via LEFT JOIN notices n ON n.seq = d.message LEFT JOIN corrections c ON c.seq = d.message
      WHERE d.message = ? ORDER BY e.name
      """
    ).forEach([seq]) { row in
      try body(row.string(0), row.optionalInt64(1).map(Instant.init(microseconds:)), Instant(microseconds: row.int64(2)))
    }
  }
}

extension LedgerStore {
  /// The acknowledgements of notice `notice` known at (`knownAt`, `recordedAt`) — `at` by
  /// k, recorded by r — in order of `at`, then journal order: the employee and when.
  func forEachAcknowledgement(
    of notice: String, knownAt: Instant?, recordedAt: Instant?, _ body: (String, Instant) throws -> Void
  ) throws {
    let k = knownAt?.microseconds ?? .max
    let r = recordedAt?.microseconds ?? .max
    try db.prepare(
      """
      SELECT e.name, a.at FROM notices n
      JOIN acks a ON a.notice = n.seq
      JOIN employees e ON e.id = a.employee
      JOIN journal j ON j.seq = a.seq
      WHERE n.id = ?1 AND a.at <= ?2 AND j.recorded_at <= ?3
      ORDER BY a.at, a.seq
      """
    ).forEach([notice, k, r]) { row in try body(row.string(0), Instant(microseconds: row.int64(1))) }
  }
}
