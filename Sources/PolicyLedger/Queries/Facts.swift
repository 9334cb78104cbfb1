/// Loading what the ledger recorded about one policy, with indexed lookups only.
extension Ledger {
  /// The facts of policy `key`, with `receivedByViewer` filled in for `viewer`;
  /// nil when the ledger has never recorded the key.
  func loadFacts(policy key: String, viewer: String?) throws -> PolicyFacts? {
    guard let id = try db.policyID(key) else { return nil }
    return try loadFacts(policyID: id, key: key, viewer: viewer)
  }

  func loadFacts(policyOfVersion seq: Int64, viewer: String?) throws -> PolicyFacts? {
    guard
      let (id, key) = try db.cached("SELECT p.id, p.key FROM versions v JOIN policies p ON p.id = v.policy WHERE v.seq = ?")
        .first([seq], { ($0.int64(0), $0.string(1)) })
    else { return nil }
    return try loadFacts(policyID: id, key: key, viewer: viewer)
  }

  func loadFacts(policyID: Int64, key: String, viewer: String?) throws -> PolicyFacts {
    // An unknown viewer received nothing: -1 matches no employee.
    let employee: Int64 = try viewer.flatMap { try db.employeeID($0) } ?? -1
    let versions = try db.cached(
      """
      SELECT v.seq, v.version, v.title, v.effective_from, v.effective_until, v.announced_at, j.recorded_at, v.body_sha256
      FROM versions v JOIN journal j ON j.seq = v.seq WHERE v.policy = ? ORDER BY v.version
      """
    ).map([policyID]) { row in
      VersionFacts(
        seq: row.int64(0), policy: key, number: row.int64(1), title: row.string(2),
        effectiveFrom: Instant(microseconds: row.int64(3)),
        effectiveUntil: row.optionalInt64(4).map(Instant.init(microseconds:)),
        announcedAt: Instant(microseconds: row.int64(5)), recordedAt: Instant(microseconds: row.int64(6)),
        bodySHA256: row.string(7))
    }
    let notices = try db.cached(
      """
      SELECT n.seq, n.id, n.sent_at, j.recorded_at, n.announces,
             EXISTS (SELECT 1 FROM deliveries d WHERE d.message = n.seq AND d.employee = ?2)
      FROM notices n JOIN journal j ON j.seq = n.seq WHERE n.policy = ?1 ORDER BY n.seq
      """
    ).map([policyID, employee]) { row in
      NoticeFacts(
        seq: row.int64(0), id: row.string(1), sentAt: Instant(microseconds: row.int64(2)),
        recordedAt: Instant(microseconds: row.int64(3)), announces: row.optionalInt64(4),
        receivedByViewer: row.int64(5) != 0)
    }
    let corrections = try db.cached(
      """
      SELECT \(Ledger.correctionFactsColumns)
      FROM corrections c JOIN journal j ON j.seq = c.seq WHERE c.policy = ?1 ORDER BY c.seq
      """
    ).map([policyID, employee], Ledger.correctionFacts)
    return PolicyFacts(key: key, versions: versions, notices: notices, corrections: corrections)
  }

  /// Columns read by ``correctionFacts(_:)``; `?2` is the viewer's employee number.
  static let correctionFactsColumns = """
    c.seq, c.id, c.kind, c.notice, c.version, c.affected_version, c.void_version, c.issued_at, j.recorded_at,
    c.effective_from, c.effective_until,
    EXISTS (SELECT 1 FROM deliveries d WHERE d.message = c.seq AND d.employee = ?2)
    """

  static func correctionFacts(_ row: Row) -> CorrectionFacts {
    CorrectionFacts(
      seq: row.int64(0), id: row.string(1), kind: CorrectionKind(rawValue: row.string(2)) ?? .amendment,
      targetNotice: row.optionalInt64(3), targetVersion: row.optionalInt64(4), affectedVersion: row.optionalInt64(5),
      voidVersion: row.int64(6) != 0, issuedAt: Instant(microseconds: row.int64(7)),
      recordedAt: Instant(microseconds: row.int64(8)),
      effectiveFrom: row.optionalInt64(9).map(Instant.init(microseconds:)),
      effectiveUntil: row.optionalInt64(10).map(Instant.init(microseconds:)), receivedByViewer: row.int64(11) != 0)
  }

  func requirePolicy(_ key: String) throws -> Int64 {
    guard let id = try db.policyID(key) else { throw LedgerError("no policy '\(key)'") }
    return id
  }
}
