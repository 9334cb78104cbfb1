/// A policy version named as `KEY@N`.
public struct VersionRef: Hashable, Sendable, CustomStringConvertible {
  public let policy: String
  public let number: Int64

  public init(policy: String, number: Int64) {
    self.policy = policy
    self.number = number
  }

  public var description: String { "\(policy)@\(number)" }

  /// Parses `KEY@N`; `field` names the option or column in the error.
  public static func parse(_ text: String, field: String) throws -> VersionRef {
    guard let at = text.lastIndex(of: "@"),
      let number = Int64(text[text.index(after: at)...]), number >= 1,
      text[text.index(after: at)...].allSatisfy(\.isASCII)
    else {
      throw LedgerError("invalid \(field) '\(text)': expected KEY@N, a policy key and a version number such as mobile-devices@2")
    }
    let key = String(text[..<at])
    try Identifier.check(key, field: field, isPolicyKey: true)
    return VersionRef(policy: key, number: number)
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

  private static func codePoint(_ scalar: Unicode.Scalar) -> String {
    let hex = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }

  /// The text with control, format and separator characters escaped, for error messages.
  public static func printable(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars.prefix(200) {
      switch scalar.properties.generalCategory {
      case .control, .format, .lineSeparator, .paragraphSeparator:
        result += scalar.escaped(asASCII: true)
      default:
        result.unicodeScalars.append(scalar)
      }
    }
    return text.unicodeScalars.count > 200 ? result + "…" : result
  }
}

public enum CorrectionKind: String, Sendable, CaseIterable {
  case retraction
  case amendment
}

public enum CorrectionTarget: Hashable, Sendable {
  case notice(String)
  case version(VersionRef)
}

/// What a `policy add` entry records.
public struct VersionEntry: Equatable, Sendable {
  public var policy: String
  public var version: Int64
  public var title: String
  public var body: [UInt8]
  public var bodySHA256: String
  public var effectiveFrom: Instant
  public var effectiveUntil: Instant?
  public var announcedAt: Instant
}

/// What a `notice send` entry records. The recipients are covered by their count and
/// the SHA-256 of their sorted ids, one per line.
public struct NoticeEntry: Equatable, Sendable {
  public var id: String
  public var subject: String
  public var body: [UInt8]
  public var bodySHA256: String
  public var sentAt: Instant
  public var sender: String
  public var channel: String
  /// The versions it announces, at most one per policy, in policy key order (rule 17).
  public var announces: [VersionRef]
  public var recipientCount: Int64
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
  public var id: String
  public var kind: CorrectionKind
  public var target: CorrectionTarget
  public var voidVersion: Bool
  public var issuedAt: Instant
  public var statement: String
  public var reason: String
  public var effectiveFrom: Instant?
  public var effectiveUntil: Instant?
  public var recipientCount: Int64
  public var recipientsSHA256: String
}

/// What an `ack` entry records.
public struct AckEntry: Equatable, Sendable {
  public var notice: String
  public var employee: String
  public var at: Instant
}

/// What a `notice resend` or `correct resend` entry records (rule 16): the message
/// delivered again, when, and its new recipients by count and the SHA-256 of their
/// sorted ids, one per line — as a notice covers its own.
public struct ResendEntry: Equatable, Sendable {
  /// The id of the notice or correction delivered again.
  public var message: String
  public var sentAt: Instant
  public var recipientCount: Int64
  public var recipientsSHA256: String
}
