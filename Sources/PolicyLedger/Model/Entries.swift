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

/// The rules every id and policy key follows (spec section 5).
public enum Identifier {
  /// 1 to 200 characters (Unicode scalars) of UTF-8, no control characters, no leading
  /// or trailing white space; a policy key also has no `@`.
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
      if scalar.properties.generalCategory == .control { return "control characters are not allowed" }
      if isPolicyKey && scalar == "@" { return "a policy key cannot contain '@'" }
    }
    if count > 200 { return "longer than 200 characters" }
    if first.properties.isWhitespace || last.properties.isWhitespace { return "leading or trailing space is not allowed" }
    return nil
  }

  /// The text with control characters escaped, for error messages.
  public static func printable(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars.prefix(200) {
      if scalar.properties.generalCategory == .control {
        result += scalar.escaped(asASCII: true)
      } else {
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
  public var announces: VersionRef?
  public var recipientCount: Int64
  public var recipientsSHA256: String
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
