/// Who a resend reaches (rule 16).
public enum ResendRecipients {
  /// The ids the caller names (`--to`, `--recipients-file`).
  case named(any RecipientSource)
  /// Exactly the people for whom the correction is outstanding (rule 9), as the whole
  /// journal stands: `correct resend --outstanding`.
  case outstanding
}

/// Which kind of message a resend command expects: `notice resend` takes a notice,
/// `correct resend` a correction.
public enum MessageKind: Sendable {
  case notice, correction
}

extension Ledger {
  // MARK: - notice resend / correct resend

  /// Delivers notice or correction `id` again, at `sentAt`, to more recipients (rule 16):
  /// one `message.resend` entry covering them by count and digest.
  /// - Returns: the message's id.
  /// - Throws: a refusal, with nothing written, for an unknown message, a time before the
  ///   message's first delivery, a recipient it already reached, an empty resend, or
  ///   `--outstanding` when nothing is outstanding.
  @discardableResult
  public func resend(_ id: String, kind: MessageKind, sentAt: Instant, recipients: ResendRecipients, actor: String)
    throws -> String
  {
    try write { try recordResend(id, kind: kind, sentAt: sentAt, recipients: recipients, actor: actor, names: .options) }
      .message
  }

  /// Checks and appends one resend in the caller's write transaction; returns what it recorded.
  func recordResend(
    _ id: String, kind: MessageKind, sentAt: Instant, recipients: ResendRecipients, actor: String, names: FieldNames
  ) throws -> ResendEntry {
    // On the command line the id is the argument; in an import, the recipients file's `notice` column.
    try Identifier.check(id, field: names == .options ? "id" : "notice")
    try checkActor(actor, names: names)
    let next = NextEntry(after: try store.journalHead())
    let message = try resendTarget(id, kind: kind)
    if sentAt < message.firstSentAt {
      throw LedgerError(.refused,
        "invalid \(names("sent_at")) '\(sentAt)': '\(id)' was first delivered later, at \(message.firstSentAt); a resend comes after it")
    }
    let count: Int64, digest: String
    switch recipients {
    case .named(var source):
      (count, digest) = try store.deliver(message: message.seq, via: next.seq, from: &source)
      guard count > 0 else {
        throw LedgerError(.invalidInput, "an empty resend of '\(id)': name at least one recipient (give --to or --recipients-file)")
      }
    case .outstanding:
      guard kind == .correction else {
        throw LedgerError(.invalidInput, "--outstanding goes with 'correct resend': only a correction is outstanding")
      }
      (count, digest) = try store.deliverOutstanding(ofCorrection: message.seq, via: next.seq)
      guard count > 0 else {
        throw LedgerError(.refused, "nothing is outstanding for '\(id)': every recipient of what it corrects has received it")
      }
    }
    let entry = ResendEntry(message: id, sentAt: sentAt, recipientCount: count, recipientsSHA256: digest)
    try append(.resend(entry), actor: actor, next: next)
    // Who each correction is still outstanding for (`--outstanding` cleared its own rows).
    if case .named = recipients {
      switch kind {
      case .notice: try store.keepOutstanding(afterNotice: message.seq, via: next.seq)
      case .correction: try store.keepOutstanding(afterCorrection: message.seq)
      }
    }
    return entry
  }

  /// The message a resend command names, of the kind it expects.
  private func resendTarget(_ id: String, kind: MessageKind) throws -> (seq: Int64, firstSentAt: Instant) {
    switch kind {
    case .notice:
      if let notice = try store.noticeRow(id) { return (notice.seq, notice.sentAt) }
      if try store.correctionSeq(id) != nil {
        throw LedgerError(.invalidInput, "'\(id)' is a correction, not a notice; deliver it again with 'correct resend \(id)'")
      }
      throw try unknownNotice(id)
    case .correction:
      if let correction = try store.correctionRow(id) { return (correction.seq, correction.issuedAt) }
      if try store.noticeRow(id) != nil {
        throw LedgerError(.invalidInput, "'\(id)' is a notice, not a correction; deliver it again with 'notice resend \(id)'")
      }
      throw try unknownCorrection(id)
    }
  }

  /// "no correction 'ID' in this ledger", with the nearest correction ids (rule 15).
  func unknownCorrection(_ id: String) throws -> LedgerError {
    let suggestions = try NearestNames.suggestions(for: id) { try store.forEachCorrectionID($0) }
    let hint = suggestions.isEmpty ? "" : "; did you mean \(NearestNames.phrase(suggestions))?"
    return LedgerError(.notFound, "no correction '\(Identifier.printable(id))' in this ledger\(hint)")
  }
}

extension LedgerStore {
  /// The correction with id `id`: its seq and `issued_at`.
  func correctionRow(_ id: String) throws -> (seq: Int64, issuedAt: Instant)? {
    try db.cached("SELECT seq, issued_at FROM corrections WHERE id = ?").first([id]) {
      ($0.int64(0), Instant(microseconds: $0.int64(1)))
    }
  }

  /// Delivers correction `seq` again (resend entry `via`) to exactly the people for whom
  /// it is outstanding as the whole journal stands (every entry known), as
  /// `outstanding_people` keeps them; returns their count and digest, and clears their rows.
  ///
  /// Four statements, none stepped in Swift but for the names the digest needs: the
  /// people's names (joined to the directory by number), a probe that none of them was
  /// reached already, the rows inserted from the kept set in its key order — the
  /// deliveries' key order — and the set's removal
  /// (docs/performance.md, "correct resend --outstanding").
  func deliverOutstanding(ofCorrection seq: Int64, via: Int64) throws -> (count: Int64, sha256: String) {
    var digest = RecipientDigest(keepingUpTo: LedgerStore.recipientSortLimit)
    var kept: Int64 = 0, named: Int64 = 0
    try db.cached(
      """
      SELECT e.name FROM outstanding_people o LEFT JOIN employees e ON e.id = o.employee
      WHERE o.correction = ?1 ORDER BY o.employee
      """
    ).forEach([seq]) { row in
      kept += 1
      guard !row.isNull(0) else { return }
      named += 1
      digest.add(row.text(0))
    }
    guard named == kept else {
      throw LedgerError(.damaged, "the outstanding_people table lists employees missing from the directory; run 'policy-ledger verify'")
    }
    // The rows go to `resent_deliveries`, whose key cannot refuse someone that the
    // correction's own delivery, or a resend recorded before that table, reached in
    // `deliveries`: that table is asked first. Through its primary key rather than the
    // by-employee index the planner would pick: the people come in employee order, so the
    // probes walk one key range of the correction's rows, a third of the time.
    let reachedBefore = try db.cached(
      """
      SELECT 1 FROM outstanding_people o CROSS JOIN deliveries d INDEXED BY sqlite_autoindex_deliveries_1
        ON d.message = ?1 AND d.employee = o.employee
      WHERE o.correction = ?1 LIMIT 1
      """
    ).first([seq]) { _ in true } ?? false
    guard !reachedBefore else {
      throw LedgerError(.damaged,
        "the outstanding_people table lists someone the correction already reached; run 'policy-ledger verify'")
    }
    // OR IGNORE rather than a statement that can fail half-way: SQLite then keeps no
    // statement journal (a copy of every page the insert touches); a row it skipped is
    // someone an earlier resend reached, and the whole entry is refused.
    try db.cached(
      "INSERT OR IGNORE INTO resent_deliveries (message, employee, via) SELECT ?1, employee, ?2 FROM outstanding_people WHERE correction = ?1 ORDER BY employee"
    ).run([seq, via])
    guard Int64(db.changes) == kept else {
      throw LedgerError(.damaged,
        "the outstanding_people table lists someone the correction already reached; run 'policy-ledger verify'")
    }
    try db.cached("DELETE FROM outstanding_people WHERE correction = ?1").run([seq])
    if let hex = digest.finishHexIfKnown() { return (digest.count, hex) }
    return try storedRecipientDigest(message: seq, via: via)
  }

  /// Rule 18: the earlier retraction that a new retraction of this target repeats — one
  /// of the same notice, of the same version, or one that already voids the version (a
  /// retraction of the version, or of a notice announcing it with `void_version`).
  func earlierRetraction(notice: Int64?, version: Int64?) throws -> (id: String, issuedAt: Instant, sameNotice: Bool)? {
    try db.cached(
      """
      SELECT c.id, c.issued_at, ?1 IS NOT NULL AND c.notice IS ?1 FROM corrections c
      WHERE c.kind = 'retraction'
        AND ((?1 IS NOT NULL AND c.notice = ?1)
          OR (?2 IS NOT NULL AND (c.version = ?2 OR (c.void_version = 1
            AND c.notice IN (SELECT nv.notice FROM notice_versions nv WHERE nv.version = ?2)))))
      ORDER BY 3 DESC, c.seq LIMIT 1
      """
    ).first([notice, version]) { ($0.string(0), Instant(microseconds: $0.int64(1)), $0.int64(2) != 0) }
  }
}
