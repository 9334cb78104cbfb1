import PolicyLedgerSQLite

/// A policy version to record (`policy add`).
public struct NewVersion: Sendable {
  /// The policy's key: an id as ``Identifier`` checks it, without `@`; a new key starts a new policy.
  public var policy: String
  /// The version's title.
  public var title: String
  /// The version's text, stored exactly as given (its SHA-256 goes into the journal).
  public var body: [UInt8]
  /// The start of the version's effective period (included).
  public var effectiveFrom: Instant
  /// The end of the effective period (excluded); nil for "until further notice".
  public var effectiveUntil: Instant?
  /// Defaults to `effectiveFrom` (rule 7).
  public var announcedAt: Instant?
  /// The groups the version applies to (rule 20); nil is `all`.
  public var appliesTo: [String]?

  /// A version of `policy` with its text and effective period; `announcedAt` defaults to
  /// `effectiveFrom`, and `appliesTo` (the groups it applies to) to everyone.
  public init(
    policy: String, title: String, body: [UInt8], effectiveFrom: Instant, effectiveUntil: Instant? = nil,
    announcedAt: Instant? = nil, appliesTo: [String]? = nil
  ) {
    self.policy = policy
    self.title = title
    self.body = body
    self.effectiveFrom = effectiveFrom
    self.effectiveUntil = effectiveUntil
    self.announcedAt = announcedAt
    self.appliesTo = appliesTo
  }
}

/// A notice to record (`notice send`).
public struct NewNotice: Sendable {
  /// The notice's id; nil to have the ledger assign one (`N` and the entry's sequence number).
  public var id: String?
  /// The subject line.
  public var subject: String
  /// The text sent, stored exactly as given.
  public var body: [UInt8]
  /// When it was sent (its business time).
  public var sentAt: Instant
  /// Who sent it.
  public var sender: String
  /// How it was sent (`email` by default).
  public var channel: String
  /// The versions it announces, at most one per policy, in any order: its recipients learn
  /// of each through it.
  public var announces: [VersionRef]

  /// A notice with its text, sent at `sentAt` by `sender`, announcing `announces`; the
  /// recipients are given to ``Ledger/sendNotice(_:recipients:actor:)``.
  public init(
    id: String? = nil, subject: String, body: [UInt8], sentAt: Instant, sender: String, channel: String = "email",
    announces: [VersionRef]
  ) {
    self.id = id
    self.subject = subject
    self.body = body
    self.sentAt = sentAt
    self.sender = sender
    self.channel = channel
    self.announces = announces
  }

  /// A notice announcing one version, or none.
  public init(id: String? = nil, subject: String, body: [UInt8], sentAt: Instant, sender: String, channel: String = "email", announces: VersionRef? = nil) {
    self.init(
      id: id, subject: subject, body: body, sentAt: sentAt, sender: sender, channel: channel,
      announces: announces.map { [$0] } ?? [])
  }
}

/// A retraction or amendment to record (`correct retract`, `correct amend`).
///
/// Its fields mirror ``CorrectionEntry``'s on purpose: this is what the caller asks for
/// (the id may be left to the ledger; recipients come apart, as ``CorrectionRecipients``),
/// that is what the journal holds (the id assigned, the recipients' count and digest). The
/// same holds for ``NewNotice`` and ``NoticeEntry``, ``NewVersion`` and ``VersionEntry``.
public struct NewCorrection: Sendable {
  /// The correction's id; nil to have the ledger assign one (`C` and the entry's sequence number).
  public var id: String?
  /// A retraction (void from the start) or an amendment (new effective bounds).
  public var kind: CorrectionKind
  /// The notice or the version corrected.
  public var target: CorrectionTarget
  /// For a retraction of a notice: also void the version the notice announces.
  public var voidVersion: Bool
  /// When the correction was issued (its business time).
  public var issuedAt: Instant
  /// What the correction says to its recipients.
  public var statement: String
  /// Why it was issued (for the record).
  public var reason: String
  /// For an amendment: the new start of the effective period.
  public var effectiveFrom: Instant?
  /// For an amendment: the new end of the effective period.
  public var effectiveUntil: Instant?

  /// A correction of `target`, issued at `issuedAt`; the recipients are given to ``Ledger/correct(_:recipients:actor:)``.
  public init(
    id: String? = nil, kind: CorrectionKind, target: CorrectionTarget, voidVersion: Bool = false, issuedAt: Instant,
    statement: String, reason: String, effectiveFrom: Instant? = nil, effectiveUntil: Instant? = nil
  ) {
    self.id = id
    self.kind = kind
    self.target = target
    self.voidVersion = voidVersion
    self.issuedAt = issuedAt
    self.statement = statement
    self.reason = reason
    self.effectiveFrom = effectiveFrom
    self.effectiveUntil = effectiveUntil
  }
}

/// Who receives a correction (rule 8).
public enum CorrectionRecipients {
  /// Every recipient of the target notice, or of every notice announcing the target version.
  case defaults
  /// Nobody (`--no-recipients`).
  case none
  /// The ids the caller names.
  case named(any RecipientSource)
}

extension Ledger {
  // MARK: - policy add

  /// Records a new version of a policy; versions are numbered 1, 2, 3 … per policy.
  /// - Returns: the new version's `KEY@N`.
  @discardableResult
  public func addVersion(_ new: NewVersion, actor: String) throws -> VersionRef {
    let entry = try write { try recordVersion(new, actor: actor, names: .options) }
    return VersionRef(policy: entry.policy, number: entry.version)
  }

  /// Checks and appends one version in the caller's write transaction; returns what it recorded.
  func recordVersion(_ new: NewVersion, actor: String, names: FieldNames) throws -> VersionEntry {
    try Identifier.check(new.policy, field: names.policyKey, isPolicyKey: true)
    try checkActor(actor, names: names)
    try checkText(new.title, field: names("title"))
    try checkBody(new.body, field: names("body"))
    if let until = new.effectiveUntil, until <= new.effectiveFrom {
      throw LedgerError(.invalidInput,
        "invalid \(names("effective_until")) '\(until)': it must be after \(names("effective_from")) '\(new.effectiveFrom)'")
    }
    if let groups = new.appliesTo {
      // `all` is no group of its own: a version for everyone has no list (rule 20).
      if groups.isEmpty { throw LedgerError(.invalidInput, "invalid \(names("applies_to")) '': name at least one group, or 'all'") }
      var seen = Set<ExactText>()
      for group in groups {
        try Groups.check(group, field: names("applies_to"), whole: Groups.joined(groups))
        if !seen.insert(ExactText(group)).inserted {
          throw LedgerError(.invalidInput, "invalid \(names("applies_to")) '\(Groups.joined(groups))': group '\(group)' is named twice")
        }
      }
    }
    let next = NextEntry(after: try store.journalHead())
    let number = (try store.lastVersionNumber(policy: new.policy)).map { $0 + 1 } ?? 1
    let entry = VersionEntry(
      policy: new.policy, version: number, title: new.title, body: new.body,
      bodySHA256: SHA256Hasher.hex(new.body), effectiveFrom: new.effectiveFrom, effectiveUntil: new.effectiveUntil,
      announcedAt: new.announcedAt ?? new.effectiveFrom, appliesTo: new.appliesTo)
    try append(.version(entry), actor: actor, next: next)
    return entry
  }

  // MARK: - notice send

  /// Records a notice and its recipients, streamed from `recipients`.
  /// - Returns: the notice's id.
  @discardableResult
  public func sendNotice(_ new: NewNotice, recipients: some RecipientSource, actor: String) throws -> String {
    var recipients = recipients
    return try write { try recordNotice(new, recipients: &recipients, actor: actor, names: .options) }.id
  }

  /// Checks and appends one notice in the caller's write transaction; returns what it recorded.
  func recordNotice(_ new: NewNotice, recipients: inout some RecipientSource, actor: String, names: FieldNames) throws -> NoticeEntry {
    if let id = new.id { try Identifier.check(id, field: names("id")) }
    try checkActor(actor, names: names)
    try checkText(new.subject, field: names("subject"))
    try checkBody(new.body, field: names("body"))
    try checkText(new.sender, field: names("sender"))
    try Identifier.check(new.channel, field: names("channel"))
    let next = NextEntry(after: try store.journalHead())
    let id = try newMessageID(new.id, prefix: "N", seq: next.seq, field: names("id"))
    // Rule 17: at most one version per policy, recorded in policy key order.
    let announces = new.announces.sorted(by: VersionRef.keyOrder)
    for (index, ref) in announces.enumerated() {
      if index > 0, announces[index - 1].policy.utf8.elementsEqual(ref.policy.utf8) {
        throw LedgerError(.invalidInput,
          "invalid \(names("announces")) '\(ref)': the notice already announces \(announces[index - 1]); a notice announces at most one version of each policy")
      }
      guard try store.versionRow(ref) != nil else { throw try unknownVersion(ref, field: names("announces")) }
    }
    let (count, digest) = try store.deliver(message: next.seq, from: &recipients)
    guard count > 0 else {
      throw names.noRecipients(notice: id)
    }
    let entry = NoticeEntry(
      id: id, subject: new.subject, body: new.body, bodySHA256: SHA256Hasher.hex(new.body), sentAt: new.sentAt,
      sender: new.sender, channel: new.channel, announces: announces, recipientCount: count,
      recipientsSHA256: digest)
    try append(.notice(entry), actor: actor, next: next)
    try store.keepOutstanding(afterNotice: next.seq, via: nil)
    return entry
  }

  // MARK: - correct retract / amend

  /// Records a retraction or an amendment of a notice or a version.
  /// - Returns: the correction's id.
  @discardableResult
  public func correct(_ new: NewCorrection, recipients: CorrectionRecipients, actor: String) throws -> String {
    try write { try recordCorrection(new, recipients: recipients, actor: actor, names: .options) }.id
  }

  /// Checks and appends one correction in the caller's write transaction; returns what it recorded.
  func recordCorrection(_ new: NewCorrection, recipients: CorrectionRecipients, actor: String, names: FieldNames) throws
    -> CorrectionEntry
  {
    if let id = new.id { try Identifier.check(id, field: names("id")) }
    try checkActor(actor, names: names)
    try checkStatement(new.statement, field: names("statement"))
    try checkText(new.reason, field: names("reason"))
    if new.kind == .retraction,
      case let (column, value)? = new.effectiveFrom.map({ ("effective_from", $0) }) ?? new.effectiveUntil.map({ ("effective_until", $0) })
    {
      throw names.datedRetraction(column: column, value: value)
    }
    if new.voidVersion {
      guard new.kind == .retraction, case .notice = new.target else { throw names.misplacedVoidVersion }
    }
    let next = NextEntry(after: try store.journalHead())
    let id = try newMessageID(new.id, prefix: "C", seq: next.seq, field: names("id"))
    let targetTime: Instant
    let affected: Int64?
    // Every version the correction affects (rule 2): its target version, or each version
    // its target notice announces (rule 17).
    var affectedAll: [Int64] = []
    var targetNotice: Int64? = nil
    var targetVersion: Int64? = nil
    let targetName: String
    switch new.target {
    case .notice(let noticeID):
      guard let notice = try store.noticeRow(noticeID) else {
        if try store.correctionSeq(noticeID) != nil {
          throw LedgerError(.invalidInput, "'\(noticeID)' is a correction, not a notice; correct the notice or version it targets")
        }
        throw try unknownNotice(noticeID)
      }
      if new.voidVersion && notice.announces == nil {
        throw LedgerError(.refused, "notice '\(noticeID)' announces no version, so \(names("void_version")) has nothing to void")
      }
      targetTime = notice.sentAt
      affected = notice.announces
      affectedAll = try store.versionsAnnounced(byNotice: notice.seq)
      if new.kind == .amendment, affectedAll.count > 1 {
        let refs = try affectedAll.compactMap { try store.versionRef(seq: $0) }.map(\.description)
        throw names.amendmentOfSeveralVersions(notice: noticeID, versions: refs)
      }
      targetNotice = notice.seq
      targetName = "notice '\(noticeID)' (sent \(notice.sentAt))"
    case .version(let ref):
      guard let version = try store.versionRow(ref) else { throw try unknownVersion(ref, field: names("version")) }
      targetTime = version.announcedAt
      affected = version.seq
      affectedAll = [version.seq]
      targetVersion = version.seq
      targetName = "version \(ref) (announced \(version.announcedAt))"
    }
    if new.issuedAt < targetTime {
      var message = "invalid \(names("issued_at")) '\(new.issuedAt)': it is before its target, \(targetName)"
      // A notice may tell of a version before its announced_at (rule 1 makes it known from
      // then), but rule 8 judges a correction of the version by its announced_at: say so,
      // rather than leave the earlier notice to look like it should have counted.
      if let targetVersion, let (notice, sentAt) = try store.firstNoticeAnnouncing(version: targetVersion), sentAt <= new.issuedAt {
        message += "; notice '\(notice)' told of it earlier (sent \(sentAt)), but a correction of a version is issued no earlier than the version's announced_at"
      }
      throw LedgerError(.refused, message)
    }
    if new.kind == .retraction {
      // Rule 18: a notice retracted, or a version retracted or void, is not retracted twice.
      let voided: [Int64?] = new.voidVersion || targetVersion != nil ? affectedAll : [nil]
      for version in voided.isEmpty ? [nil] : voided {
        guard let earlier = try store.earlierRetraction(notice: targetNotice, version: version) else { continue }
        let resend = "deliver that retraction again with 'correct resend \(earlier.id)'"
        if targetNotice != nil, !earlier.sameNotice, let version, let ref = try store.versionRef(seq: version) {
          // The notice itself is not retracted; the version it would void already is.
          throw LedgerError(.refused,
            "version \(ref), which \(targetName) announces, is already void: retracted by '\(earlier.id)' (issued \(earlier.issuedAt)); retract the notice without \(names("void_version")), or to reach more people \(resend)"
          )
        }
        throw LedgerError(.refused,
          "\(targetName) is already retracted by '\(earlier.id)' (issued \(earlier.issuedAt)); to reach more people \(resend)"
        )
      }
    }
    if new.kind == .amendment, new.effectiveFrom != nil || new.effectiveUntil != nil {
      guard let affected else {
        throw LedgerError(.refused, "the notice announces no version, so there is no effective period to amend")
      }
      try checkAmendment(new, version: affected)
    }
    let (count, digest): (Int64, String)
    switch recipients {
    case .none:
      (count, digest) = (0, RecipientDigest().finishHexOfEmpty())
    case .named(var source):
      (count, digest) = try store.deliver(message: next.seq, from: &source)
    case .defaults:
      if let targetNotice {
        try store.deliverToRecipients(ofNotice: targetNotice, message: next.seq)
      } else if let targetVersion {
        try store.deliverToRecipients(ofNoticesAnnouncing: targetVersion, message: next.seq)
      }
      (count, digest) = try store.storedRecipientDigest(message: next.seq)
    }
    let entry = CorrectionEntry(
      id: id, kind: new.kind, target: new.target, voidVersion: new.voidVersion, issuedAt: new.issuedAt,
      statement: new.statement, reason: new.reason, effectiveFrom: new.effectiveFrom,
      effectiveUntil: new.effectiveUntil, recipientCount: count, recipientsSHA256: digest)
    try append(.correction(entry), actor: actor, next: next)
    // Rule 8's default recipients are everyone the target reached, so the correction is
    // outstanding for nobody: there is nothing to compute (for a notice sent to a million
    // people it was a tenth of the correction's time). `verify` rebuilds the set from the deliveries.
    if case .defaults = recipients { return entry }
    try store.keepOutstanding(ofNewCorrection: next.seq)
    return entry
  }

  /// Rule 4: refuse an amendment that, with every amendment so far, leaves an empty period.
  private func checkAmendment(_ new: NewCorrection, version seq: Int64) throws {
    guard let facts = try store.loadFacts(policyOfVersion: seq, viewer: nil) else { return }
    guard let version = facts.versions.first(where: { $0.seq == seq }) else { return }
    let proposed = CorrectionFacts(
      seq: .max, id: "", kind: .amendment, targetNotice: nil, targetVersion: seq, affectedVersion: seq,
      voidVersion: false, issuedAt: new.issuedAt, recordedAt: .now(), effectiveFrom: new.effectiveFrom,
      effectiveUntil: new.effectiveUntil, viewerDelivery: nil)
    let (from, until) = Bitemporal.period(of: version, amendments: facts.corrections + [proposed])
    if let until, until <= from {
      throw LedgerError(.refused,
        "this amendment would leave \(version.policy)@\(version.number) an empty effective period [\(from), \(until)); effective_until must be after effective_from"
      )
    }
  }

  // MARK: - ack

  /// Records that `employee` read `notice` at `at`. Only a recipient may acknowledge, not
  /// before the notice was sent, and once.
  public func acknowledge(notice: String, employee: String, at: Instant, actor: String) throws {
    _ = try write { try recordAck(AckEntry(notice: notice, employee: employee, at: at), actor: actor, names: .options) }
  }

  /// Checks and appends one acknowledgement in the caller's write transaction.
  func recordAck(_ ack: AckEntry, actor: String, names: FieldNames) throws -> AckEntry {
    let (notice, employee, at) = (ack.notice, ack.employee, ack.at)
    try Identifier.check(notice, field: names("notice"))
    try Identifier.check(employee, field: names("employee"))
    try checkActor(actor, names: names)
    let next = NextEntry(after: try store.journalHead())
    guard let row = try store.noticeRow(notice) else {
      if try store.correctionSeq(notice) != nil {
        throw LedgerError(
          .invalidInput,
          "invalid \(names("notice")) '\(notice)': it is a correction, not a notice; only notices are acknowledged (who received a correction: 'policy-ledger recipients \(notice)')")
      }
      throw try unknownNotice(notice)
    }
    guard let employeeID = try store.employeeID(employee), let delivery = try store.delivery(message: row.seq, employee: employeeID)
    else {
      throw LedgerError(.refused, "invalid \(names("employee")) '\(employee)': not a recipient of notice '\(notice)'")
    }
    // Rule 14: no earlier than the delivery that reached this employee.
    if at < delivery.sentAt {
      let what = delivery.via == nil ? "notice '\(notice)' was sent later" : "notice '\(notice)' reached '\(employee)' later, by a resend"
      throw LedgerError(.refused, "invalid \(names("at")) '\(at)': \(what), at \(delivery.sentAt)")
    }
    if let previous = try store.acknowledgement(notice: row.seq, employee: employeeID) {
      throw LedgerError(.conflict, "'\(employee)' already acknowledged notice '\(notice)' at \(previous)")
    }
    try append(.ack(ack), actor: actor, next: next)
    return ack
  }

  // MARK: - employee join / leave

  /// Records a roster entry (rule 19): `employee join` (with its groups; joining while
  /// employed is a transfer) or `employee leave` (refused unless employed at `at`, as the
  /// whole journal stands).
  public func recordRosterEntry(_ entry: RosterEntry, actor: String) throws {
    _ = try write { try recordRoster(entry, actor: actor, names: .options) }
  }

  /// Checks and appends one roster entry in the caller's write transaction.
  func recordRoster(_ entry: RosterEntry, actor: String, names: FieldNames) throws -> RosterEntry {
    try Identifier.check(entry.employee, field: names("employee"))
    try checkActor(actor, names: names)
    switch entry.event {
    case .join:
      var seen = Set<ExactText>()
      for group in entry.groups {
        try Groups.check(group, field: names("groups"), whole: Groups.joined(entry.groups))
        if !seen.insert(ExactText(group)).inserted {
          throw LedgerError(.invalidInput, "invalid \(names("groups")) '\(Groups.joined(entry.groups))': group '\(group)' is named twice")
        }
      }
    case .leave:
      if !entry.groups.isEmpty {
        throw LedgerError(.invalidInput, "invalid \(names("groups")) '\(Groups.joined(entry.groups))': a leave has no groups")
      }
      _ = try checkLeave(entry.employee, at: entry.at, names: names)
    }
    let next = NextEntry(after: try store.journalHead())
    try append(.roster(entry), actor: actor, next: next)
    return entry
  }

  /// Rule 19's refusal of a leave: the employee must be employed at `at` as the whole
  /// journal stands (for an import, with the rows it has written so far). Returns the
  /// employee's directory number.
  func checkLeave(_ employee: String, at: Instant, names: FieldNames) throws -> Int64 {
    let number = try store.employeeID(employee)
    let state = try number.flatMap { try store.rosterState(employee: $0, at: at) }
    guard let number, let state, state.employed else {
      let later = try number.flatMap { try store.firstJoin(employee: $0, after: at) }
      throw names.leaveOfSomeoneNotEmployed(employee, at: at, leftAt: state?.at, firstJoinLater: later)
    }
    return number
  }

  // MARK: - shared steps

  /// Appends the entry and projects it, in the caller's transaction.
  func append(_ payload: EntryPayload, actor: String, next: NextEntry) throws {
    try store.appendEntry(payload, actor: actor, seq: next.seq, recordedAt: next.recordedAt, previousHash: next.previousHash)
    try Projector(store: store).apply(seq: next.seq, payload)
  }

  /// Refuses `id` for a new notice or correction when either kind already has it (they
  /// share one id space). An import asks before it reads the message's recipients, so that
  /// a taken id is named as such, not as a fault of rows that belong to the other message.
  func requireFreeMessageID(_ id: String, field: String) throws {
    if try store.messageIDExists(id) {
      throw LedgerError(.conflict, "invalid \(field) '\(id)': a notice or correction with that id already exists")
    }
  }

  /// The id to give a new notice or correction: the caller's, if free, else an assigned one.
  private func newMessageID(_ given: String?, prefix: String, seq: Int64, field: String) throws -> String {
    if let given {
      try requireFreeMessageID(given, field: field)
      return given
    }
    var candidate = "\(prefix)\(seq)"
    var suffix = 1
    while try store.messageIDExists(candidate) {
      suffix += 1
      candidate = "\(prefix)\(seq)-\(suffix)"
    }
    return candidate
  }

  private func unknownVersion(_ ref: VersionRef, field: String) throws -> LedgerError {
    if try store.policyID(ref.policy) == nil {
      return LedgerError(.notFound, "invalid \(field) '\(Identifier.printable(ref.description))': no policy '\(Identifier.printable(ref.policy))' in this ledger").suggesting(
        try NearestNames.suggestions(for: ref.policy) { try store.forEachPolicyKey($0) })
    }
    return LedgerError(.notFound, "invalid \(field) '\(ref)': policy '\(ref.policy)' has no version \(ref.number)\(try latest(ref))")
  }

  /// Version `ref` is not in the ledger: its policy is not, or has no such version.
  func unknownVersion(_ ref: VersionRef) throws -> LedgerError {
    if try store.policyID(ref.policy) == nil {
      return LedgerError(.notFound, "no policy '\(Identifier.printable(ref.policy))'").suggesting(
        try NearestNames.suggestions(for: ref.policy) { try store.forEachPolicyKey($0) })
    }
    return LedgerError(.notFound, "policy '\(ref.policy)' has no version \(ref.number)\(try latest(ref))")
  }

  /// `(its latest is 2)`, for a version number past the policy's last.
  private func latest(_ ref: VersionRef) throws -> String {
    guard let last = try store.lastVersionNumber(policy: ref.policy), ref.number > last else { return "" }
    return " (its latest is \(last))"
  }

  func checkActor(_ actor: String, names: FieldNames) throws {
    try Identifier.check(actor, field: names("by"))
  }

  func checkLength(_ bytes: Int, field: String) throws { try TextLimit.check(bytes, field: field) }

  /// Titles, subjects, statements and reasons: non-empty single-line text.
  func checkText(_ text: String, field: String) throws {
    try checkLength(text.utf8.count, field: field)
    if text.trimmingWhitespace().isEmpty { throw LedgerError(.invalidInput, "invalid \(field) '\(Identifier.printable(text))': must not be empty") }
    if let bad = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
      throw LedgerError(.invalidInput,
        "invalid \(field) '\(Identifier.printable(text))': control character \(Identifier.escaped(bad)) is not allowed")
    }
  }

  /// A correction's statement: the text of its message, stored byte for byte like a body
  /// (any UTF-8 text: it may span lines, and a message pasted from mail may hold a form
  /// feed or an escape), but not blank. Tables print control characters escaped.
  func checkStatement(_ text: String, field: String) throws {
    try checkLength(text.utf8.count, field: field)
    if text.trimmingWhitespace().isEmpty { throw LedgerError(.invalidInput, "invalid \(field) '\(Identifier.printable(text))': must not be empty") }
  }

  /// Bodies: any UTF-8 text, stored byte for byte.
  func checkBody(_ body: [UInt8], field: String) throws {
    try checkLength(body.count, field: field)
    if String(validating: body, as: UTF8.self) == nil {
      throw LedgerError(.invalidInput, "invalid \(field): not valid UTF-8 text")
    }
  }
}

extension RecipientDigest {
  func finishHexOfEmpty() -> String {
    var empty = RecipientDigest()
    return empty.finishHex()
  }
}

/// The longest text a ledger records (a body, a statement, a title): what an import reads
/// back in one CSV field, 16 MiB. Longer text could be recorded and exported, but its
/// export could not be imported again, so an `export --all` kept as a copy could not be
/// restored.
public enum TextLimit {
  /// 16 MiB, in bytes.
  public static let bytes = CSVReader.defaultMaxFieldBytes

  /// - Throws: `LedgerError` "invalid FIELD: N bytes, more than the 16777216 (16 MiB) that
  ///   an import reads back in one field".
  public static func check(_ count: Int, field: String) throws {
    guard count > bytes else { return }
    throw LedgerError(.invalidInput, "invalid \(field): \(count) bytes, more than the \(bytes) (16 MiB) that an import reads back in one field")
  }
}
