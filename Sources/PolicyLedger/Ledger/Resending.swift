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
    try Identifier.check(id, field: names("message"))
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
      var source = RecipientList(try store.outstandingRecipients(ofCorrection: message.seq), field: "--outstanding")
      (count, digest) = try store.deliver(message: message.seq, via: next.seq, from: &source)
      guard count > 0 else {
        throw LedgerError(.refused, "nothing is outstanding for '\(id)': every recipient of what it corrects has received it")
      }
    }
    let entry = ResendEntry(message: id, sentAt: sentAt, recipientCount: count, recipientsSHA256: digest)
    try append(.resend(entry), actor: actor, next: next)
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

  /// Rule 9 for one correction as the whole journal stands (every entry known): the
  /// recipients, by any delivery, of each notice the correction affects whom no delivery of
  /// the correction has reached, by id. A restatement of rule 2 (the notices a correction
  /// affects) in SQL, tested against ``Bitemporal`` with `outstanding` (OutstandingTests).
  func outstandingRecipients(ofCorrection seq: Int64) throws -> [String] {
    try db.cached(
      """
      WITH affected (n_seq) AS (
        SELECT c.notice FROM corrections c WHERE c.seq = ?1 AND c.notice IS NOT NULL
        UNION
        SELECT n.seq FROM corrections c JOIN notices n ON n.announces = c.version WHERE c.seq = ?1
      )
      SELECT DISTINCT e.name FROM affected a JOIN deliveries d ON d.message = a.n_seq JOIN employees e ON e.id = d.employee
      WHERE NOT EXISTS (SELECT 1 FROM deliveries got WHERE got.message = ?1 AND got.employee = d.employee)
      """
    ).map([seq]) { $0.string(0) }
  }

  /// Rule 18: the earlier retraction that a new retraction of this target repeats — one
  /// of the same notice, of the same version, or one that already voids the version (a
  /// retraction of the version, or of a notice announcing it with `void_version`).
  func earlierRetraction(notice: Int64?, version: Int64?) throws -> (id: String, issuedAt: Instant)? {
    try db.cached(
      """
      SELECT c.id, c.issued_at FROM corrections c
      WHERE c.kind = 'retraction'
        AND ((?1 IS NOT NULL AND c.notice = ?1)
          OR (?2 IS NOT NULL AND (c.version = ?2 OR (c.void_version = 1 AND c.affected_version = ?2))))
      ORDER BY c.seq LIMIT 1
      """
    ).first([notice, version]) { ($0.string(0), Instant(microseconds: $0.int64(1))) }
  }
}
