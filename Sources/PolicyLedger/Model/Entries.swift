/// A policy version named as `KEY@N`.
public struct VersionRef: Hashable, Sendable, CustomStringConvertible {
  /// The policy's key.
  public let policy: String
  /// The version number, from 1 per policy.
  public let number: Int64

  /// The version `number` of `policy`.
  public init(policy: String, number: Int64) {
    self.policy = policy
    self.number = number
  }

  /// `KEY@N`, as the command line prints and reads it.
  public var description: String { "\(policy)@\(number)" }

  /// Parses `KEY@N`; `field` names the option or column in the error.
  public static func parse(_ text: String, field: String) throws -> VersionRef {
    guard let at = text.lastIndex(of: "@"),
      let number = Int64(text[text.index(after: at)...]), number >= 1,
      // Digits only: `Int64` also reads a sign, and `KEY@+1` is not how a version is named.
      text[text.index(after: at)...].allSatisfy({ $0.isASCII && $0.isWholeNumber })
    else {
      throw LedgerError("invalid \(field) '\(Identifier.printable(text))': expected KEY@N, a policy key and a version number such as mobile-devices@2")
    }
    let key = String(text[..<at])
    // The value as given, not only its key: `a@1,b@2` (a comma for the list's `;`) is
    // quoted whole, with the key that the last `@` left.
    if let problem = Identifier.problem(key, isPolicyKey: true) {
      throw LedgerError("invalid \(field) '\(Identifier.printable(text))': policy key '\(Identifier.printable(key))': \(problem)")
    }
    return VersionRef(policy: key, number: number)
  }

  /// Parses a `;`-joined list of `KEY@N`, as the `announces` column writes it. A policy key
  /// may itself hold `;` but never `@`, so the list is split only at a `;` that follows a
  /// version number: `a;b@1;c@2` is `a;b@1` and `c@2`. An empty item is refused as `KEY@N`.
  package static func parseList(_ text: String, field: String) throws -> [VersionRef] {
    var refs: [VersionRef] = []
    var start = text.startIndex
    var index = text.startIndex
    while index < text.endIndex {
      if text[index] == ";", endsWithVersionNumber(text[start..<index]) {
        refs.append(try parse(String(text[start..<index]), field: field))
        start = text.index(after: index)
      }
      index = text.index(after: index)
    }
    refs.append(try parse(String(text[start...]), field: field))
    return refs
  }

  /// Whether `item` ends in `@` and ASCII digits.
  private static func endsWithVersionNumber(_ item: Substring) -> Bool {
    guard let at = item.lastIndex(of: "@") else { return false }
    let digits = item[item.index(after: at)...].unicodeScalars
    return !digits.isEmpty && digits.allSatisfy { $0.value >= 0x30 && $0.value <= 0x39 }
  }
}

/// The rules every id and policy key follows (spec sections 5 and 7), at every entry
/// point alike: options (`--to`, `--id`, `--employee`, policy keys), recipients files and
/// imports.
///
/// One normalisation, ``trimmed(_:)``, where a list is split or a line read (`--to`,
/// recipients files): white space at either end is removed, and nothing else is changed.
/// Then ``check(_:field:isPolicyKey:)`` refuses what cannot be an id; ids are compared as
/// exact bytes (no Unicode normalisation), so two ids that look alike but differ in bytes
/// are two employees — which is why characters that do not show are refused.
/// A text compared and hashed as its UTF-8 bytes, as SQLite compares the ledger's ids.
/// Swift's `String` equality is canonical equivalence: `é` and `e` followed by a combining
/// acute accent are equal to it, and would be one key of a `Set` or `Dictionary`, though
/// the ledger holds them as two ids (two groups, two employees).
struct ExactText: Hashable {
  let text: String
  init(_ text: String) { self.text = text }
  static func == (a: ExactText, b: ExactText) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }
  func hash(into hasher: inout Hasher) {
    hasher.combine(text.utf8.count)
    for byte in text.utf8 { hasher.combine(byte) }
  }
}

public enum Identifier {
  /// 1 to 200 characters (Unicode scalars) of UTF-8, no leading or trailing white space,
  /// none of: control characters (category Cc), format characters (Cf: zero-width space
  /// and joiners, bidi overrides and isolates, tag characters, the byte order mark), line
  /// and paragraph separators (U+2028, U+2029); a policy key also has no `@`.
  public static func check(_ text: String, field: String, isPolicyKey: Bool = false) throws {
    if let problem = problem(text, isPolicyKey: isPolicyKey) {
      throw LedgerError("invalid \(field) '\(printable(text))': \(problem)")
    }
  }

  /// What is wrong with `text` as an id (or, with `isPolicyKey`, a policy key), or nil when it is a valid one.
  public static func problem(_ text: String, isPolicyKey: Bool = false) -> String? {
    // Fast path: printable ASCII (nearly every id) has no control characters and one
    // scalar per byte, so the rules below reduce to byte tests.
    var copy = text
    let ascii: String?? = copy.withUTF8 { utf8 in
      var hasAt = false
      for byte in utf8 {
        if byte < 0x20 || byte >= 0x7F { return .none }
        if byte == 0x40 { hasAt = true }
      }
      guard let first = utf8.first, let last = utf8.last else { return "must not be empty" }
      if isPolicyKey && hasAt { return "a policy key cannot contain '@'" }
      if utf8.count > 200 { return "longer than 200 characters" }
      if first == 0x20 || last == 0x20 { return "leading or trailing space is not allowed" }
      return .some(nil)
    }
    if let ascii { return ascii }
    let scalars = text.unicodeScalars
    guard let first = scalars.first, let last = scalars.last else { return "must not be empty" }
    var count = 0
    for scalar in scalars {
      count += 1
      switch scalar.properties.generalCategory {
      case .control: return "control characters are not allowed"
      case .format:
        return "the invisible or direction-changing character \(codePoint(scalar)) is not allowed (Unicode format characters)"
      case .lineSeparator, .paragraphSeparator: return "the line or paragraph separator \(codePoint(scalar)) is not allowed"
      default: break
      }
      if isPolicyKey && scalar == "@" { return "a policy key cannot contain '@'" }
    }
    if count > 200 { return "longer than 200 characters" }
    if first.properties.isWhitespace || last.properties.isWhitespace { return "leading or trailing space is not allowed" }
    return nil
  }

  /// The id with white space removed from both ends: ASCII white space (space, tab, line
  /// feed, vertical tab, form feed, carriage return) and Unicode space separators
  /// (category Zs, such as U+00A0 and U+3000). Nothing else: an invisible character
  /// (U+200B), a line separator (U+2028) or NEL (U+0085) stays, and ``check(_:field:isPolicyKey:)``
  /// refuses it, wherever the id came from.
  public static func trimmed(_ text: String) -> String { text.trimmingWhitespace() }

  /// Whether ``trimmed(_:)`` removes the scalar.
  static func isTrimmable(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20: true
    default: scalar.properties.generalCategory == .spaceSeparator
    }
  }

  static func codePoint(_ scalar: Unicode.Scalar) -> String {
    let hex = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }

  /// The text with control, format and separator characters escaped, for error messages:
  /// every space but U+0020 too, so that a no-break space at an id's end does not read as
  /// an ordinary one.
  public static func printable(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars.prefix(200) {
      switch scalar.properties.generalCategory {
      case .control, .format, .lineSeparator, .paragraphSeparator:
        result += escaped(scalar)
      case .spaceSeparator where scalar != " ":
        result += escaped(scalar)
      default:
        result.unicodeScalars.append(scalar)
      }
    }
    return text.unicodeScalars.count > 200 ? result + "…" : result
  }

  /// One character as a message shows it: Swift's escape (`\t`, `\u{1B}`, `\u{00A0}`), but
  /// NUL as `\u{0}`, since `\0` before a digit reads as an octal escape (`E\02`).
  public static func escaped(_ scalar: Unicode.Scalar) -> String {
    scalar == "\0" ? "\\u{0}" : scalar.escaped(asASCII: true)
  }
}

/// The two kinds of correction (rules 3 and 4).
public enum CorrectionKind: String, Sendable, CaseIterable {
  /// "This was never so": voids its target from the start (rule 3).
  case retraction
  /// New effective bounds for the version affected, from the amendment's issue time on (rule 4).
  case amendment
}

/// What a correction corrects: a notice, by id, or a version.
public enum CorrectionTarget: Hashable, Sendable {
  /// The notice with this id.
  case notice(String)
  /// This version.
  case version(VersionRef)
}

/// What a `policy add` entry records.
public struct VersionEntry: Equatable, Sendable {
  /// The policy's key.
  public var policy: String
  /// The version number the ledger assigned.
  public var version: Int64
  /// The version's title.
  public var title: String
  /// The version's text.
  public var body: [UInt8]
  /// The SHA-256 of `body`, in lowercase hex.
  public var bodySHA256: String
  /// The start of the effective period (included), as first recorded.
  public var effectiveFrom: Instant
  /// The end of the effective period (excluded), as first recorded; nil for "until further notice".
  public var effectiveUntil: Instant?
  /// When the version was announced (its business time).
  public var announcedAt: Instant
  /// The groups the version applies to (rule 20); nil is `all`. Encoded only when not
  /// nil, so every version recorded before audiences existed keeps its bytes and hash.
  public var appliesTo: [String]? = nil
}

/// What a `notice send` entry records. The recipients are covered by their count and
/// the SHA-256 of their sorted ids, one per line.
public struct NoticeEntry: Equatable, Sendable {
  /// The notice's id.
  public var id: String
  /// The subject line.
  public var subject: String
  /// The text sent.
  public var body: [UInt8]
  /// The SHA-256 of `body`, in lowercase hex.
  public var bodySHA256: String
  /// When it was sent (its business time).
  public var sentAt: Instant
  /// Who sent it.
  public var sender: String
  /// How it was sent.
  public var channel: String
  /// The versions it announces, at most one per policy, in policy key order (rule 17).
  public var announces: [VersionRef]
  /// How many recipients it went to.
  public var recipientCount: Int64
  /// The SHA-256, in lowercase hex, of the recipients' ids sorted, one per line.
  public var recipientsSHA256: String
}

extension NoticeEntry {
  /// A notice announcing at most one version, as every notice did before rule 17.
  init(
    id: String, subject: String, body: [UInt8], bodySHA256: String, sentAt: Instant, sender: String, channel: String,
    announces: VersionRef?, recipientCount: Int64, recipientsSHA256: String
  ) {
    self.init(
      id: id, subject: subject, body: body, bodySHA256: bodySHA256, sentAt: sentAt, sender: sender, channel: channel,
      announces: announces.map { [$0] } ?? [], recipientCount: recipientCount, recipientsSHA256: recipientsSHA256)
  }
}

extension VersionRef {
  /// Rule 17's order of a notice's versions: by policy key, compared as UTF-8 bytes
  /// (as SQLite compares them).
  static func keyOrder(_ a: VersionRef, _ b: VersionRef) -> Bool {
    a.policy.utf8.lexicographicallyPrecedes(b.policy.utf8)
  }
}

/// What a `correct retract` or `correct amend` entry records.
public struct CorrectionEntry: Equatable, Sendable {
  /// The correction's id.
  public var id: String
  /// Retraction or amendment.
  public var kind: CorrectionKind
  /// The notice or version corrected.
  public var target: CorrectionTarget
  /// For a retraction of a notice: whether it also voids the version the notice announces.
  public var voidVersion: Bool
  /// When it was issued (its business time).
  public var issuedAt: Instant
  /// What it says to its recipients.
  public var statement: String
  /// Why it was issued.
  public var reason: String
  /// For an amendment: the new start of the effective period.
  public var effectiveFrom: Instant?
  /// For an amendment: the new end of the effective period.
  public var effectiveUntil: Instant?
  /// How many recipients it went to.
  public var recipientCount: Int64
  /// The SHA-256, in lowercase hex, of the recipients' ids sorted, one per line.
  public var recipientsSHA256: String
}

/// What an `ack` entry records.
public struct AckEntry: Equatable, Sendable {
  /// The notice acknowledged.
  public var notice: String
  /// The employee who acknowledged it (one of its recipients).
  public var employee: String
  /// When it was acknowledged (its business time).
  public var at: Instant
}

/// `employee join` or `employee leave` (rule 19).
public enum RosterEvent: String, Sendable, CaseIterable {
  case join
  case leave
}

/// What an `employee.join` or `employee.leave` entry records: an employee id, the
/// business time and, for a join, the groups (without the implicit `all`). Ids only: no
/// name or other personal data (docs/semantics.md, "Coverage").
public struct RosterEntry: Equatable, Sendable {
  /// The employee id.
  public var employee: String
  /// A join (or transfer) or a leave.
  public var event: RosterEvent
  /// When it takes effect (business time).
  public var at: Instant
  /// A join's groups, in the order given; empty for a leave.
  public var groups: [String]

  /// A roster entry; `groups` only for a join.
  public init(employee: String, event: RosterEvent, at: Instant, groups: [String] = []) {
    self.employee = employee
    self.event = event
    self.at = at
    self.groups = groups
  }
}

/// Group names (rules 19 and 20): ids (``Identifier``) that hold no comma or semicolon —
/// a comma separates them in `--groups` and `--applies-to`, and a semicolon joins a list in
/// CSV — and are not `all`, the group every employee is in.
public enum Groups {
  /// The implicit group of every employee.
  public static let all = "all"

  /// Whether `list` names `group`, byte for byte, as SQL compares them (``ExactText``):
  /// Swift's `contains` would take `Équipe` for the other spelling of it.
  static func contains(_ list: [String], _ group: String) -> Bool {
    list.contains { $0.utf8.elementsEqual(group.utf8) }
  }

  /// Splits `--groups G1,G2` or a CSV field (`;`- or `,`-separated), trims each name as
  /// ids are trimmed, and checks each; a name given twice is refused.
  public static func parse(_ text: String, field: String) throws -> [String] {
    let names = text.split(omittingEmptySubsequences: false) { $0 == "," || $0 == ";" }.map { Identifier.trimmed(String($0)) }
    var seen = Set<ExactText>()
    for name in names {
      try check(name, field: field, whole: text)
      guard seen.insert(ExactText(name)).inserted else {
        throw LedgerError(.invalidInput, "invalid \(field) '\(Identifier.printable(text))': group '\(name)' is named twice")
      }
    }
    return names
  }

  /// `--applies-to`: `all` (nil: everyone) or a list of groups as ``parse(_:field:)`` reads it.
  public static func audience(_ text: String, field: String) throws -> [String]? {
    Identifier.trimmed(text) == all ? nil : try parse(text, field: field)
  }

  /// One group name: an id with no comma or semicolon, and not `all`.
  public static func check(_ name: String, field: String, whole: @autoclosure () -> String? = nil) throws {
    // Worded only when refused: a million roster rows are checked on the way in.
    var shown: String { Identifier.printable(whole() ?? name) }
    if let problem = Identifier.problem(name) {
      throw LedgerError(.invalidInput, "invalid \(field) '\(shown)': group '\(Identifier.printable(name))' \(problem)")
    }
    if name.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") }) {
      throw LedgerError(.invalidInput, "invalid \(field) '\(shown)': a group name cannot contain a comma or a semicolon")
    }
    if name == all {
      throw LedgerError(.invalidInput, "invalid \(field) '\(shown)': every employee is in group 'all'; name the other groups")
    }
  }

  /// How the journal and the tables hold a list of groups.
  static func joined(_ groups: [String]) -> String { groups.joined(separator: ",") }

  /// The inverse of ``joined(_:)``.
  static func split(_ text: String) -> [String] {
    text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  }
}

/// What a `notice resend` or `correct resend` entry records (rule 16): the message
/// delivered again, when, and its new recipients by count and the SHA-256 of their
/// sorted ids, one per line — as a notice covers its own.
public struct ResendEntry: Equatable, Sendable {
  /// The id of the notice or correction delivered again.
  public var message: String
  /// When this delivery was sent (no earlier than the message's first).
  public var sentAt: Instant
  /// How many recipients this delivery reached.
  public var recipientCount: Int64
  /// The SHA-256 of this delivery's sorted recipient ids, one a line, in lowercase hex.
  public var recipientsSHA256: String
}
