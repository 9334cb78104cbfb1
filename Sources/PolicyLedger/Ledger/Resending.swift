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
  /// it is outstanding as the whole journal stands (every entry known): the recipients, by
  /// any delivery, of each notice the correction affects whom no delivery of the correction
  /// has reached. Returns their count and digest.
  ///
  /// Rule 9 for one correction, and rule 2's notices a correction affects, restated in SQL
  /// (tested against ReplayModel by BitemporalPropertyTests, whose histories resend with
  /// `--outstanding`). The people are found and inserted by their directory numbers, in
  /// that order — the deliveries' key order — and only their names are looked up, for the
  /// digest (docs/performance.md, "correct resend --outstanding").
  func deliverOutstanding(ofCorrection seq: Int64, via: Int64) throws -> (count: Int64, sha256: String) {
    let people = try outstandingPeople(ofCorrection: seq)
    let size = LedgerStore.recipientBatch
    // The names, for the digest: 64 directory numbers a statement.
    var digest = RecipientDigest(keepingUpTo: LedgerStore.recipientSortLimit)
    let namesBatch = try db.cached("SELECT name FROM employees WHERE id IN (\((1...size).map { "?\($0)" }.joined(separator: ", ")))")
    let nameOne = try db.cached("SELECT name FROM employees WHERE id = ?1")
    var start = 0
    while start < people.count {
      let chunk = people[start..<min(start + size, people.count)]
      let statement = chunk.count == size ? namesBatch : nameOne
      var found = 0
      if chunk.count == size {
        for (i, employee) in chunk.enumerated() { try statement.bind(employee, at: Int32(i + 1)) }
        try statement.forEachBound { row in
          digest.add(row.text(0))
          found += 1
        }
      } else {
        for employee in chunk {
          try statement.bind(employee, at: 1)
          try statement.forEachBound { row in
            digest.add(row.text(0))
            found += 1
          }
        }
      }
      guard found == chunk.count else {
        throw LedgerError(.damaged, "the deliveries table lists employees missing from the directory; run 'policy-ledger verify'")
      }
      start += size
    }
    // The rows, in key order.
    let insertBatch = try db.cached(
      "INSERT INTO deliveries (message, employee, via) VALUES \((3...size + 2).map { "(?1, ?\($0), ?2)" }.joined(separator: ", "))")
    let insertOne = try db.cached("INSERT INTO deliveries (message, employee, via) VALUES (?1, ?3, ?2)")
    for statement in [insertBatch, insertOne] {
      try statement.bind(seq, at: 1)
      try statement.bind(via, at: 2)
    }
    start = 0
    while start + size <= people.count {
      for i in 0..<size { try insertBatch.bind(people[start + i], at: Int32(i + 3)) }
      try insertBatch.runBound()
      start += size
    }
    for employee in people[start...] {
      try insertOne.bind(employee, at: 3)
      try insertOne.runBound()
    }
    if let hex = digest.finishHexIfKnown() { return (digest.count, hex) }
    return try storedRecipientDigest(message: seq, via: via)
  }

  /// The directory numbers of the people for whom correction `seq` is outstanding, in
  /// ascending order. For a correction of a notice: one merge of two ranges of the
  /// deliveries' key — the notice's rows and the correction's, both in employee order —
  /// rather than a lookup of the correction's key for each of the notice's rows.
  private func outstandingPeople(ofCorrection seq: Int64) throws -> [Int64] {
    guard let notice = try db.cached("SELECT notice FROM corrections WHERE seq = ?").first([seq], { $0.optionalInt64(0) }) ?? nil
    else {
      return try db.cached(LedgerStore.outstandingOfVersionTarget).map([seq]) { $0.int64(0) }
    }
    let told = try db.prepare("SELECT employee FROM deliveries WHERE message = ?1 ORDER BY employee")
    let corrected = try db.prepare("SELECT employee FROM deliveries WHERE message = ?1 ORDER BY employee /* corrected */")
    try told.bind([notice])
    try corrected.bind([seq])
    var people: [Int64] = []
    var next: Int64 = try corrected.step() ? corrected.row.int64(0) : .max
    while try told.step() {
      let employee = told.row.int64(0)
      while next < employee { next = try corrected.step() ? corrected.row.int64(0) : .max }
      if next != employee { people.append(employee) }
    }
    return people
  }

  /// The outstanding people of a correction of a version: the recipients of every notice
  /// announcing it, each once.
  private static let outstandingOfVersionTarget = """
    SELECT e.id FROM employees e
    WHERE e.id IN (
      SELECT d.employee FROM corrections c JOIN notice_versions nv ON nv.version = c.version JOIN deliveries d ON d.message = nv.notice
      WHERE c.seq = ?1)
      AND NOT EXISTS (SELECT 1 FROM deliveries got WHERE got.message = ?1 AND got.employee = e.id)
    ORDER BY e.id
    """

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
