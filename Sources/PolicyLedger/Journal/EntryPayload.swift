/// The typed content of one journal entry, and its canonical encoding.
public enum EntryPayload: Equatable, Sendable {
  /// A `policy add` entry.
  case version(VersionEntry)
  /// A `notice send` entry.
  case notice(NoticeEntry)
  /// A `correct retract` or `correct amend` entry.
  case correction(CorrectionEntry)
  /// An `ack` entry.
  case ack(AckEntry)
  /// An `employee join` or `employee leave` entry.
  case roster(RosterEntry)
  case resend(ResendEntry)
  /// An `import employees` entry: its rows by count and digest.
  case rosterImport(RosterImportEntry)

  /// The journal's `kind` column.
  public var kind: String {
    switch self {
    case .version: "policy.add"
    case .notice: "notice.send"
    case .correction(let c): c.kind == .retraction ? "correction.retract" : "correction.amend"
    case .ack: "ack"
    case .roster(let r): r.event == .join ? "employee.join" : "employee.leave"
    case .resend: "message.resend"
    case .rosterImport: "employee.import"
    }
  }

  /// The payload's canonical bytes; field order as in docs/journal-format.md.
  package func encoded() -> [UInt8] {
    var e = CanonicalEncoder()
    switch self {
    case .version(let v):
      e.text(v.policy)
      e.integer(v.version)
      e.text(v.title)
      e.data(v.body)
      e.text(v.bodySHA256)
      e.integer(v.effectiveFrom.microseconds)
      e.integer(v.effectiveUntil?.microseconds)
      e.integer(v.announcedAt.microseconds)
      // Rule 20: only a version for some groups has this field, so that versions for
      // `all` keep the bytes (and hashes) they had before audiences existed.
      if let groups = v.appliesTo { e.text(Groups.joined(groups)) }
    case .notice(let n):
      e.text(n.id)
      e.text(n.subject)
      e.data(n.body)
      e.text(n.bodySHA256)
      e.integer(n.sentAt.microseconds)
      e.text(n.sender)
      e.text(n.channel)
      // The first announced version sits where every notice's one version always has; a
      // notice announcing several (rule 17) appends the others, so that a notice with one
      // version encodes exactly as before.
      e.text(n.announces.first?.policy)
      e.integer(n.announces.first?.number)
      e.integer(n.recipientCount)
      e.text(n.recipientsSHA256)
      for ref in n.announces.dropFirst() {
        e.text(ref.policy)
        e.integer(ref.number)
      }
    case .correction(let c):
      e.text(c.id)
      switch c.target {
      case .notice(let id):
        e.text(id)
        e.null()
        e.null()
      case .version(let ref):
        e.null()
        e.text(ref.policy)
        e.integer(ref.number)
      }
      e.integer(c.voidVersion ? 1 : 0)
      e.integer(c.issuedAt.microseconds)
      e.text(c.statement)
      e.text(c.reason)
      e.integer(c.effectiveFrom?.microseconds)
      e.integer(c.effectiveUntil?.microseconds)
      e.integer(c.recipientCount)
      e.text(c.recipientsSHA256)
    case .ack(let a):
      e.text(a.notice)
      e.text(a.employee)
      e.integer(a.at.microseconds)
    case .roster(let r):
      e.text(r.employee)
      e.integer(r.at.microseconds)
      if r.event == .join { e.text(Groups.joined(r.groups)) }
    case .resend(let r):
      e.text(r.message)
      e.integer(r.sentAt.microseconds)
      e.integer(r.recipientCount)
      e.text(r.recipientsSHA256)
    case .rosterImport(let b):
      e.integer(b.rowCount)
      e.text(b.rowsSHA256)
    }
    return e.bytes
  }

  /// Decodes a payload written by ``encoded()`` for the journal kind `kind`.
  package static func decode(kind: String, bytes: [UInt8]) throws -> EntryPayload {
    var d = CanonicalDecoder(bytes)
    let payload: EntryPayload
    switch kind {
    case "policy.add":
      var v = VersionEntry(
          policy: try d.text(), version: try d.integer(), title: try d.text(), body: try d.data(),
          bodySHA256: try d.text(), effectiveFrom: Instant(microseconds: try d.integer()),
          effectiveUntil: try d.optionalInteger().map(Instant.init(microseconds:)),
          announcedAt: Instant(microseconds: try d.integer()))
      if !d.isAtEnd {
        let groups = Groups.split(try d.text())
        // Absent is `all`: an empty list would be a second encoding of the same version.
        guard !groups.isEmpty else { throw LedgerError(.damaged, "malformed policy.add payload: an empty applies_to") }
        v.appliesTo = groups
      }
      payload = .version(v)
    case "notice.send":
      let id = try d.text(), subject = try d.text(), body = try d.data(), sha = try d.text()
      let sentAt = Instant(microseconds: try d.integer()), sender = try d.text(), channel = try d.text()
      let policy = try d.optionalText(), number = try d.optionalInteger()
      guard (policy == nil) == (number == nil) else { throw LedgerError(.damaged, "malformed notice payload: announces half a version") }
      let count = try d.integer(), digest = try d.text()
      var announces = policy.map { [VersionRef(policy: $0, number: number!)] } ?? []
      while !d.isAtEnd {
        guard !announces.isEmpty else { throw LedgerError(.damaged, "malformed notice payload: more versions after none") }
        let more = VersionRef(policy: try d.text(), number: try d.integer())
        guard VersionRef.keyOrder(announces[announces.count - 1], more) else {
          throw LedgerError(.damaged, "malformed notice payload: announced versions out of policy key order")
        }
        announces.append(more)
      }
      payload = .notice(
        NoticeEntry(
          id: id, subject: subject, body: body, bodySHA256: sha, sentAt: sentAt, sender: sender, channel: channel,
          announces: announces, recipientCount: count, recipientsSHA256: digest))
    case "correction.retract", "correction.amend":
      let id = try d.text()
      let notice = try d.optionalText(), policy = try d.optionalText(), number = try d.optionalInteger()
      let target: CorrectionTarget
      if let notice, policy == nil, number == nil {
        target = .notice(notice)
      } else if notice == nil, let policy, let number {
        target = .version(VersionRef(policy: policy, number: number))
      } else {
        throw LedgerError(.damaged, "malformed correction payload: it must target one notice or one version")
      }
      payload = .correction(
        CorrectionEntry(
          id: id, kind: kind == "correction.retract" ? .retraction : .amendment, target: target,
          voidVersion: try d.integer() != 0, issuedAt: Instant(microseconds: try d.integer()),
          statement: try d.text(), reason: try d.text(),
          effectiveFrom: try d.optionalInteger().map(Instant.init(microseconds:)),
          effectiveUntil: try d.optionalInteger().map(Instant.init(microseconds:)),
          recipientCount: try d.integer(), recipientsSHA256: try d.text()))
    case "ack":
      payload = .ack(AckEntry(notice: try d.text(), employee: try d.text(), at: Instant(microseconds: try d.integer())))
    case "employee.join":
      payload = .roster(
        RosterEntry(
          employee: try d.text(), event: .join, at: Instant(microseconds: try d.integer()), groups: Groups.split(try d.text())))
    case "employee.leave":
      payload = .roster(RosterEntry(employee: try d.text(), event: .leave, at: Instant(microseconds: try d.integer())))
    case "message.resend":
      payload = .resend(
        ResendEntry(
          message: try d.text(), sentAt: Instant(microseconds: try d.integer()), recipientCount: try d.integer(),
          recipientsSHA256: try d.text()))
    case "employee.import":
      payload = .rosterImport(RosterImportEntry(rowCount: try d.integer(), rowsSHA256: try d.text()))
    default:
      throw LedgerError(.damaged, "unknown entry kind '\(kind)'")
    }
    guard d.isAtEnd else { throw LedgerError(.damaged, "malformed \(kind) payload: extra bytes after the last field") }
    return payload
  }
}

/// One row of the journal.
public struct JournalEntry: Equatable, Sendable {
  /// The entry's sequence number, from 1.
  public var seq: Int64
  /// When the ledger appended it (assigned by the ledger; never decreasing).
  public var recordedAt: Instant
  /// The entry's kind, as ``EntryPayload/kind`` names it: `policy.add`, `notice.send`,
  /// `correction.retract`, `correction.amend`, `ack`, `employee.join`, `employee.leave`,
  /// `employee.import` or `message.resend`.
  public var kind: String
  /// Who recorded it.
  public var actor: String
  /// The canonical bytes of its ``EntryPayload``.
  public var payload: [UInt8]
  /// The previous entry's hash (32 zero bytes for the first).
  public var previousHash: [UInt8]
  /// `SHA-256(previous hash ‖ canonical entry bytes)` (docs/journal-format.md).
  public var entryHash: [UInt8]

  /// The bytes the entry hash covers after the previous hash: the header fields, then the payload.
  package static func canonicalBytes(seq: Int64, recordedAt: Instant, kind: String, actor: String, payload: [UInt8]) -> [UInt8] {
    var e = CanonicalEncoder()
    e.integer(seq)
    e.integer(recordedAt.microseconds)
    e.text(kind)
    e.text(actor)
    return e.bytes + payload
  }

  /// `SHA-256(previous hash ‖ canonical entry bytes)`.
  package static func hash(previous: [UInt8], seq: Int64, recordedAt: Instant, kind: String, actor: String, payload: [UInt8]) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update(previous)
    hasher.update(canonicalBytes(seq: seq, recordedAt: recordedAt, kind: kind, actor: actor, payload: payload))
    return hasher.finish()
  }

  package static let genesisHash = [UInt8](repeating: 0, count: 32)
}
