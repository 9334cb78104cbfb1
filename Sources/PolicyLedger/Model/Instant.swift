// Over 400 lines on purpose: the strict ISO 8601 reader, the formatter and the proleptic
// Gregorian arithmetic under both (no Foundation Calendar on the hot path) are one piece,
// fuzzed together, and none is used without the others.

import Foundation

/// An absolute point in time at microsecond precision: microseconds since 1970-01-01T00:00:00Z.
///
/// Parsing (`parse`) is strict ISO 8601 / RFC 3339:
///
/// - `YYYY-MM-DD` (a bare date means 00:00 in the given zone),
///   `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS`, `YYYY-MM-DDTHH:MM:SS.f…`;
///   the separator may be `T`, `t` or a single space.
/// - An optional zone: `Z`, `z`, `±HH:MM` or `±HHMM` (hours 00–23, minutes 00–59; `-00:00` is UTC).
///   Without one, the text is a wall-clock time in the `timeZone` argument.
/// - The literal `now`, which returns the `now` argument.
/// - Fractional seconds: any number of digits, but those past the sixth (the microsecond) must be zeros.
///
/// Refused, each with a specific reason: empty text, leading or trailing whitespace, fields with the
/// wrong number of digits (`2020-7-10`, `T8:00`), years outside 0001–9999, month 00 or 13, days past
/// the month's length (Gregorian leap years), hour 24, minute 60, second 60 (no leap seconds),
/// anything after the time, basic formats without separators, times whose offset takes them outside
/// 0001-01-01T00:00:00Z…9999-12-31T23:59:59.999999Z (so that every accepted time prints in UTC as a
/// text that parses back), and — for wall-clock times in a named zone — times that do not exist
/// because the clocks moved forward (a DST gap).
///
/// A wall-clock time that occurs twice (a DST overlap, when the clocks move back) resolves to the
/// EARLIER instant, the first occurrence: `2020-11-01T01:30` in America/Los_Angeles is
/// `2020-11-01T01:30:00-07:00`, not `…-08:00`. Write the offset to name the later one.
///
/// Formatting (`iso8601(in:)`) always writes an explicit `Z` or offset, so its output parses back to
/// the same instant whenever the year shown is 0001–9999: always in UTC for a parsed instant; in
/// another zone, within a day of either end of that range, the local year may be 0000 or 10000. Zones whose historical offset is not a whole
/// number of minutes (local mean time before standard time, e.g. -07:52:58 in Los Angeles before 1883)
/// are written with the offset rounded to the minute and the clock time shifted to match, so the text
/// still names exactly this instant.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
  /// Microseconds since 1970-01-01T00:00:00Z.
  public var microseconds: Int64

  /// The instant `microseconds` after the Unix epoch.
  public init(microseconds: Int64) {
    self.microseconds = microseconds
  }

  /// The system clock, truncated to the microsecond.
  public static func now() -> Instant {
    // The reference-date interval is smaller than the 1970 one, so its Double keeps more precision.
    let sinceReference = Date().timeIntervalSinceReferenceDate
    let whole = sinceReference.rounded(.down)
    let fraction = min(Int64(((sinceReference - whole) * 1_000_000).rounded(.down)), 999_999)
    let seconds = Int64(whole) + InstantCalendar.referenceDateSeconds
    return Instant(microseconds: seconds * 1_000_000 + fraction)
  }

  /// Parses ISO 8601 input strictly. `timeZone` is used only when the text carries no `Z`/offset;
  /// nil is UTC (without building a `TimeZone`, which a one-query start-up need not pay for).
  ///
  /// A wall-clock time that does not exist in `timeZone` (DST gap) is refused; one that exists twice
  /// (DST overlap) resolves to the earlier instant, the first occurrence. See the type's documentation
  /// for the accepted forms.
  public static func parse(
    _ text: String,
    timeZone: TimeZone? = nil,
    now: Instant = .now()
  ) throws(InvalidTime) -> Instant {
    if text == "now" { return now }
    var reader = InstantReader(text)
    let fields = try reader.read()
    let localSeconds =
      InstantCalendar.daysFromCivil(year: fields.year, month: fields.month, day: fields.day) * 86_400
      + fields.hour * 3_600 + fields.minute * 60 + fields.second
    let utcSeconds: Int64
    if let offset = fields.offsetSeconds {
      utcSeconds = localSeconds - offset
    } else if let timeZone, !InstantCalendar.isUTC(timeZone) {
      guard let resolved = InstantCalendar.resolve(localSeconds: localSeconds, in: timeZone) else {
        throw InvalidTime(
          value: text,
          reason: "\(fields.clockText) does not exist in \(timeZone.identifier) on \(fields.dateText)"
            + " (clocks moved forward)")
      }
      utcSeconds = resolved
    } else {
      utcSeconds = localSeconds
    }
    let instant = Instant(microseconds: utcSeconds * 1_000_000 + fields.microsecond)
    guard Instant.parsableRange.contains(instant) else {
      throw InvalidTime(
        value: text, reason: "it is \(instant.iso8601()), outside the years 0001-9999 in UTC, which is all a ledger can print")
    }
    return instant
  }

  /// The first instant of the day `date` (`YYYY-MM-DD`) in `timeZone` (nil is UTC): its
  /// 00:00, or, on a day whose 00:00 the clocks skip (they move forward at midnight, as in
  /// America/Sao_Paulo on 2018-11-04), the instant they moved, the day's first wall-clock
  /// time. `parse` refuses the bare date of such a day, as it refuses any time that does
  /// not exist; this answers where the day begins, which is what a range that ends with the
  /// day before needs: the day before ends just before it.
  public static func startOfDay(_ date: String, timeZone: TimeZone? = nil) throws(InvalidTime) -> Instant {
    var reader = InstantReader(date)
    let fields = try reader.read()
    guard fields.isBareDate else { throw InvalidTime(value: date, reason: "expected a date as YYYY-MM-DD") }
    if let timeZone, !InstantCalendar.isUTC(timeZone) {
      let local = InstantCalendar.daysFromCivil(year: fields.year, month: fields.month, day: fields.day) * 86_400
      if InstantCalendar.resolve(localSeconds: local, in: timeZone) == nil,
        let first = InstantCalendar.firstInstant(atOrAfter: local, in: timeZone)
      {
        let instant = Instant(microseconds: first * 1_000_000)
        if Instant.parsableRange.contains(instant) { return instant }
      }
    }
    return try parse(date, timeZone: timeZone)
  }

  /// 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999Z: the instants whose UTC text parses.
  static let parsableRange = Instant(microseconds: -62_135_596_800_000_000)...Instant(microseconds: 253_402_300_799_999_999)

  /// ISO 8601: in UTC with `Z` when timeZone is nil (or UTC), else with that zone's offset at that instant (`-07:00`).
  /// Fractional seconds only when non-zero, without trailing zeros: 2020-07-10T15:00:00.25Z.
  /// An instant whose year in that zone is outside 0001–9999 (the first hours of 0001 west
  /// of UTC, the last of 9999 east of it) is printed in UTC, so that the text parses again.
  public func iso8601(in timeZone: TimeZone? = nil) -> String {
    let (seconds, microsecond) = InstantCalendar.floorDivMod(microseconds, 1_000_000)
    var offset: Int64? = nil
    if let timeZone, !InstantCalendar.isUTC(timeZone) {
      offset = InstantCalendar.roundedToMinute(InstantCalendar.offset(of: timeZone, at: seconds))
    }
    var (days, secondOfDay) = InstantCalendar.floorDivMod(seconds + (offset ?? 0), 86_400)
    var (year, month, day) = InstantCalendar.civilFromDays(days)
    if offset != nil && (year < 1 || year > 9_999) {
      // An instant at either end of the years a ledger takes reads as year 0000 or 10000 in
      // a zone west or east of UTC, which no reader of ISO 8601 takes (this one included,
      // so an export in that zone could not be imported): it is printed in UTC instead,
      // where it is 0001-01-01 or 9999-12-31, naming the same instant.
      offset = nil
      (days, secondOfDay) = InstantCalendar.floorDivMod(seconds, 86_400)
      (year, month, day) = InstantCalendar.civilFromDays(days)
    }

    var text = year < 0 ? "-" + InstantCalendar.pad(-year, 4) : InstantCalendar.pad(year, 4)
    text += "-" + InstantCalendar.pad(month, 2) + "-" + InstantCalendar.pad(day, 2)
    text += "T" + InstantCalendar.pad(secondOfDay / 3_600, 2)
    text += ":" + InstantCalendar.pad(secondOfDay / 60 % 60, 2)
    text += ":" + InstantCalendar.pad(secondOfDay % 60, 2)
    text += InstantCalendar.fractionText(microsecond)
    if let offset {
      let magnitude = abs(offset)
      text += (offset < 0 ? "-" : "+") + InstantCalendar.pad(magnitude / 3_600, 2)
      text += ":" + InstantCalendar.pad(magnitude / 60 % 60, 2)
    } else {
      text += "Z"
    }
    return text
  }

  /// The instant in ISO 8601, UTC (`iso8601()`).
  public var description: String { iso8601() }

  /// The zone in which the library's messages print instants: the descriptions of the
  /// errors it throws and of `verify`'s findings. nil, the default, is UTC.
  ///
  /// A refusal quotes the time it was given and the times it compares it with, such as
  /// `invalid --at '2020-07-10T07:00:00-07:00': notice 'N-1' was sent later, at
  /// 2020-07-10T08:00:00-07:00`. Bind the zone the caller reads times in for the work
  /// whose messages it shows (the command line binds `--tz` for the whole command):
  ///
  /// ```swift
  /// try Instant.$messageZone.withValue(TimeZone(identifier: "America/Los_Angeles")) {
  ///   try ledger.acknowledge(notice: "N-1", employee: "E1001", at: at, actor: "hr")
  /// }
  /// ```
  ///
  /// Only messages read it. What the ledger stores and hashes, every output (whose zone is
  /// the `timeZone` argument of the call that writes it), and ``description`` are not
  /// affected by it. A refusal of a time outside the years 0001–9999 still names it in
  /// UTC, and says so.
  @TaskLocal public static var messageZone: TimeZone? = nil

  /// Earlier instants sort first.
  public static func < (lhs: Instant, rhs: Instant) -> Bool {
    lhs.microseconds < rhs.microseconds
  }
}

extension DefaultStringInterpolation {
  /// An instant in one of the library's messages: ISO 8601 in ``Instant/messageZone``
  /// (UTC unless bound). Internal, so that only the library's own messages read it.
  mutating func appendInterpolation(_ instant: Instant) {
    appendLiteral(instant.iso8601(in: Instant.messageZone))
  }
}

/// Why a time text was refused: `value` is the text given, `reason` a short, specific explanation.
public struct InvalidTime: Error, Sendable, Equatable, CustomStringConvertible {
  /// The text given.
  public let value: String
  /// Short and specific, e.g. "February 2021 has 28 days" or "hour 25 is out of range (00-23)".
  public let reason: String

  /// A refusal of `value` for `reason`.
  public init(value: String, reason: String) {
    self.value = value
    self.reason = reason
  }

  /// `'<value>': <reason>`
  public var description: String { "'\(Identifier.printable(value))': \(reason)" }
}

extension TimeZone {
  /// UTC: the zone of stored times, and the default for times without an offset (`--tz`).
  /// The one spelling of it in the library.
  public static let utc = TimeZone(identifier: "UTC")!
}

/// Parses a --tz argument: an IANA name (America/Los_Angeles), "UTC", "Z", or a fixed offset (+05:30, -07:00).
/// Throws LedgerError("unknown time zone 'X' ...") otherwise.
///
/// Offsets are `±HH:MM` or `±HHMM` within ±18:00 (what Foundation's fixed-offset zones allow).
/// Names must be IANA time zone names as Foundation knows them (case-sensitive); abbreviations such as
/// `PST` and ICU spellings such as `GMT+5` are refused because their meaning is ambiguous.
public func parseTimeZone(_ text: String) throws -> TimeZone {
  let hint = "(expected an IANA name such as America/Los_Angeles, UTC, Z, or an offset such as +05:30 or -07:00)"
  if text == "UTC" || text == "utc" || text == "Z" || text == "z" {
    return .utc
  }
  let bytes = Array(text.utf8)
  if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
    let digits = bytes.dropFirst()
    var hours = -1
    var minutes = -1
    if digits.count == 5, digits[3] == UInt8(ascii: ":") {
      hours = InstantCalendar.twoDigits(digits[1], digits[2])
      minutes = InstantCalendar.twoDigits(digits[4], digits[5])
    } else if digits.count == 4 {
      hours = InstantCalendar.twoDigits(digits[1], digits[2])
      minutes = InstantCalendar.twoDigits(digits[3], digits[4])
    }
    guard hours >= 0, minutes >= 0, minutes <= 59 else {
      throw LedgerError("unknown time zone '\(Identifier.printable(text))' \(hint)")
    }
    let seconds = (hours * 60 + minutes) * 60 * (sign == UInt8(ascii: "-") ? -1 : 1)
    guard abs(seconds) <= 18 * 3_600, let zone = TimeZone(secondsFromGMT: seconds) else {
      throw LedgerError("unknown time zone '\(Identifier.printable(text))' (offsets must be within -18:00 and +18:00)")
    }
    return zone
  }
  guard InstantCalendar.looksLikeIANAName(text), let zone = TimeZone(identifier: text) else {
    throw LedgerError("unknown time zone '\(Identifier.printable(text))' \(hint)")
  }
  return zone
}

// MARK: - Reading

/// The fields of a time text, validated; `offsetSeconds` is nil when the text carries no `Z`/offset.
private struct InstantFields {
  var year: Int64 = 0
  var month: Int64 = 0
  var day: Int64 = 0
  var hour: Int64 = 0
  var minute: Int64 = 0
  var second: Int64 = 0
  var microsecond: Int64 = 0
  var offsetSeconds: Int64? = nil
  /// Whether the text was a date alone (`YYYY-MM-DD`), read as 00:00.
  var isBareDate = false

  var dateText: String {
    InstantCalendar.pad(year, 4) + "-" + InstantCalendar.pad(month, 2) + "-" + InstantCalendar.pad(day, 2)
  }

  /// HH:MM, with :SS and the fraction only when they are non-zero.
  var clockText: String {
    var text = InstantCalendar.pad(hour, 2) + ":" + InstantCalendar.pad(minute, 2)
    if second != 0 || microsecond != 0 { text += ":" + InstantCalendar.pad(second, 2) }
    return text + InstantCalendar.fractionText(microsecond)
  }
}

/// A strict, byte-level reader of the accepted ISO 8601 forms.
private struct InstantReader {
  let text: String
  let bytes: [UInt8]
  var index = 0

  init(_ text: String) {
    self.text = text
    self.bytes = Array(text.utf8)
  }

  func failure(_ reason: String) -> InvalidTime {
    InvalidTime(value: text, reason: reason)
  }

  var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  /// The rest of the text from the current position (always at an ASCII boundary).
  var rest: String { String(decoding: bytes[index...], as: UTF8.self) }

  func isDigit(_ byte: UInt8?) -> Bool {
    guard let byte else { return false }
    return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  /// Consumes the longest run of ASCII digits and returns it (possibly empty).
  mutating func digits() -> [UInt8] {
    let start = index
    while isDigit(current) { index += 1 }
    return Array(bytes[start..<index])
  }

  mutating func consume(_ character: Character) -> Bool {
    guard let current, current == character.asciiValue else { return false }
    index += 1
    return true
  }

  /// Reads a field of exactly `count` digits; `missing` is the reason when there are none.
  mutating func field(_ name: String, _ pattern: String, count: Int, missing: String) throws(InvalidTime) -> Int64 {
    let run = digits()
    if run.isEmpty { throw failure(missing) }
    guard run.count == count else {
      throw failure("\(name) must have \(count) digits (\(pattern)), got '\(Identifier.printable(String(decoding: run, as: UTF8.self)))'")
    }
    return InstantCalendar.value(of: run)
  }

  mutating func read() throws(InvalidTime) -> InstantFields {
    guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else {
      throw failure("empty text")
    }
    if first.properties.isWhitespace { throw failure("leading whitespace is not allowed") }
    if last.properties.isWhitespace { throw failure("trailing whitespace is not allowed") }

    var fields = InstantFields()
    try readDate(into: &fields)
    guard let separator = current else {  // a bare date: 00:00
      fields.isBareDate = true
      return fields
    }
    guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
      throw failure("unexpected '\(Identifier.printable(rest))' after the date")
    }
    index += 1
    try readClock(into: &fields)
    try readOffset(into: &fields)
    return fields
  }

  mutating func readDate(into fields: inout InstantFields) throws(InvalidTime) {
    let yearRun = digits()
    if yearRun.isEmpty { throw failure("expected a date as YYYY-MM-DD (or 'now')") }
    let yearText = String(decoding: yearRun, as: UTF8.self)
    if yearRun.count < 4 { throw failure("year must have 4 digits (YYYY), got '\(Identifier.printable(yearText))'") }
    if yearRun.count > 4 {
      if current == UInt8(ascii: "-") { throw failure("year \(yearText) is out of range (0001-9999)") }
      throw failure("expected a date as YYYY-MM-DD, got '\(Identifier.printable(yearText))' (the basic format without '-' is not accepted)")
    }
    fields.year = InstantCalendar.value(of: yearRun)
    if fields.year == 0 { throw failure("year 0000 is out of range (0001-9999)") }
    guard consume("-") else { throw failure("expected '-' and the month after the year (YYYY-MM-DD)") }

    fields.month = try field("month", "MM", count: 2, missing: "expected the month after the year (YYYY-MM-DD)")
    guard (1...12).contains(fields.month) else {
      throw failure("month \(InstantCalendar.pad(fields.month, 2)) is out of range (01-12)")
    }
    guard consume("-") else { throw failure("expected '-' and the day after the month (YYYY-MM-DD)") }

    fields.day = try field("day", "DD", count: 2, missing: "expected the day after the month (YYYY-MM-DD)")
    let length = InstantCalendar.daysInMonth(year: fields.year, month: fields.month)
    if fields.day == 0 { throw failure("day 00 is out of range (01-\(length))") }
    if fields.day > length {
      throw failure("\(InstantCalendar.monthNames[Int(fields.month) - 1]) \(yearText) has \(length) days")
    }
  }

  mutating func readClock(into fields: inout InstantFields) throws(InvalidTime) {
    let hourStart = index
    let hourRun = digits()
    if hourRun.count == 4 || hourRun.count == 6 {
      throw failure("expected the time as HH:MM, got '\(Identifier.printable(String(decoding: hourRun, as: UTF8.self)))' (the basic format without ':' is not accepted)")
    }
    index = hourStart
    fields.hour = try field("hour", "HH", count: 2, missing: "expected a time (HH:MM) after the date")
    guard fields.hour <= 23 else { throw failure("hour \(InstantCalendar.pad(fields.hour, 2)) is out of range (00-23)") }
    guard consume(":") else { throw failure("expected ':' and the minutes after the hour (HH:MM)") }

    fields.minute = try field("minute", "MM", count: 2, missing: "expected the minutes after the hour (HH:MM)")
    guard fields.minute <= 59 else { throw failure("minute \(InstantCalendar.pad(fields.minute, 2)) is out of range (00-59)") }
    if current == UInt8(ascii: ".") || current == UInt8(ascii: ",") {
      throw failure("fractional seconds need seconds (HH:MM:SS.f)")
    }
    guard consume(":") else { return }

    fields.second = try field("second", "SS", count: 2, missing: "expected the seconds after the minutes (HH:MM:SS)")
    if fields.second == 60 { throw failure("second 60 is out of range (00-59): leap seconds are not supported") }
    guard fields.second <= 59 else { throw failure("second \(fields.second) is out of range (00-59)") }
    if current == UInt8(ascii: ",") { throw failure("use '.' for fractional seconds, not ','") }
    guard consume(".") else { return }

    let fraction = digits()
    if fraction.isEmpty { throw failure("expected digits after '.' (HH:MM:SS.f)") }
    if fraction.dropFirst(6).contains(where: { $0 != UInt8(ascii: "0") }) {
      throw failure("more than 6 fractional digits must be zeros")
    }
    var microsecond: Int64 = 0
    for position in 0..<6 {
      microsecond = microsecond * 10 + (position < fraction.count ? Int64(fraction[position] - UInt8(ascii: "0")) : 0)
    }
    fields.microsecond = microsecond
  }

  mutating func readOffset(into fields: inout InstantFields) throws(InvalidTime) {
    guard let sign = current else { return }
    if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
      index += 1
      fields.offsetSeconds = 0
    } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      let start = index
      index += 1
      var end = index
      while end < bytes.count, isDigit(bytes[end]) || bytes[end] == UInt8(ascii: ":") { end += 1 }
      let body = Array(bytes[index..<end])
      let offsetText = String(decoding: bytes[start..<end], as: UTF8.self)
      let hours: Int64
      let minutes: Int64
      if body.count == 5, body[2] == UInt8(ascii: ":"), [0, 1, 3, 4].allSatisfy({ isDigit(body[$0]) }) {
        hours = InstantCalendar.value(of: body[0...1])
        minutes = InstantCalendar.value(of: body[3...4])
      } else if body.count == 4, body.allSatisfy({ isDigit($0) }) {
        hours = InstantCalendar.value(of: body[0...1])
        minutes = InstantCalendar.value(of: body[2...3])
      } else {
        throw failure("the offset must be ±HH:MM or ±HHMM, got '\(Identifier.printable(offsetText))'")
      }
      guard hours <= 23 else { throw failure("offset hour \(InstantCalendar.pad(hours, 2)) is out of range (00-23)") }
      guard minutes <= 59 else { throw failure("offset minute \(InstantCalendar.pad(minutes, 2)) is out of range (00-59)") }
      index = end
      fields.offsetSeconds = (hours * 3_600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
    } else {
      throw failure("unexpected '\(Identifier.printable(rest))' after the time")
    }
    if current != nil { throw failure("unexpected '\(Identifier.printable(rest))' after the offset") }
  }
}

// MARK: - Calendar arithmetic

/// Proleptic Gregorian calendar arithmetic on Int64 (exact, no Foundation calendars) and zone lookups.
private enum InstantCalendar {
  /// 2001-01-01T00:00:00Z in seconds since 1970.
  static let referenceDateSeconds: Int64 = 978_307_200

  static let monthNames = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
  ]

  /// Identifiers that mean UTC itself (offset always zero); Europe/London and the like are not UTC.
  static let utcIdentifiers: Set<String> = [
    "UTC", "GMT", "Etc/UTC", "Etc/GMT", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu",
    "Greenwich", "Etc/Greenwich", "GMT0", "Etc/GMT0", "GMT+0", "GMT-0", "Etc/GMT+0", "Etc/GMT-0",
  ]

  /// IANA names without an area prefix (tzdata's backward file included).
  static let singleWordIANANames: Set<String> = [
    "UTC", "GMT", "UCT", "Universal", "Zulu", "Greenwich", "GMT0", "GMT+0", "GMT-0",
    "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "EET", "MET", "WET",
    "Cuba", "Egypt", "Eire", "GB", "GB-Eire", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan",
    "Kwajalein", "Libya", "NZ", "NZ-CHAT", "Navajo", "PRC", "Poland", "Portugal", "ROC", "ROK", "Singapore",
    "Turkey", "W-SU",
  ]

  static func isUTC(_ zone: TimeZone) -> Bool {
    utcIdentifiers.contains(zone.identifier)
  }

  /// Area/Location names (America/Los_Angeles, Etc/GMT+5) or a known single-word IANA name.
  static func looksLikeIANAName(_ text: String) -> Bool {
    if singleWordIANANames.contains(text) { return true }
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else { return false }
    return text.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/_-+".unicodeScalars.contains(scalar))
    }
  }

  static func floorDivMod(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
    var quotient = value / divisor
    var remainder = value % divisor
    if remainder < 0 {
      quotient -= 1
      remainder += divisor
    }
    return (quotient, remainder)
  }

  static func isLeapYear(_ year: Int64) -> Bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
  }

  static func daysInMonth(year: Int64, month: Int64) -> Int64 {
    switch month {
    case 2: return isLeapYear(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
  static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
  static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  /// The zone's offset from UTC, in seconds, at `seconds` since 1970.
  static func offset(of zone: TimeZone, at seconds: Int64) -> Int64 {
    Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
  }

  /// Rounds an offset to the nearest minute (local mean time offsets carry seconds).
  static func roundedToMinute(_ seconds: Int64) -> Int64 {
    floorDivMod(seconds + 30, 60).quotient * 60
  }

  /// The UTC seconds at which the zone's wall clock reads `localSeconds` (a local time counted as if
  /// it were UTC): the earliest such instant when the wall time occurs twice, nil when it never occurs.
  static func resolve(localSeconds: Int64, in zone: TimeZone) -> Int64? {
    // Every candidate instant lies within about a day of the local time; collect the offsets in effect
    // around it (before, at, after), plus one refinement step from each, then keep those that round-trip.
    var candidates: Set<Int64> = []
    for probe in [localSeconds - 90_000, localSeconds, localSeconds + 90_000] {
      let guess = offset(of: zone, at: probe)
      candidates.insert(guess)
      candidates.insert(offset(of: zone, at: localSeconds - guess))
    }
    return candidates
      .map { localSeconds - $0 }
      .filter { utc in utc + offset(of: zone, at: utc) == localSeconds }
      .min()
  }

  /// The first instant whose wall clock in `zone` reads `localSeconds` or later, for a
  /// wall-clock time in a gap (the clocks moved forward over it): the instant of the
  /// transition. nil when `localSeconds` is not in a single gap (it exists, or the offsets
  /// around it do not bracket it).
  static func firstInstant(atOrAfter localSeconds: Int64, in zone: TimeZone) -> Int64? {
    var offsets: [Int64] = []
    for probe in [localSeconds - 90_000, localSeconds, localSeconds + 90_000] {
      offsets.append(offset(of: zone, at: probe))
      offsets.append(offset(of: zone, at: localSeconds - offsets[offsets.count - 1]))
    }
    guard let smallest = offsets.min(), let largest = offsets.max() else { return nil }
    func wallClock(_ utc: Int64) -> Int64 { utc + offset(of: zone, at: utc) }
    // Before the gap the wall clock reads earlier than localSeconds, after it later; the
    // transition is the first second that reads later (transitions fall on whole seconds).
    var before = localSeconds - largest
    var after = localSeconds - smallest
    guard before < after, wallClock(before) < localSeconds, wallClock(after) >= localSeconds else { return nil }
    while after - before > 1 {
      let middle = before + (after - before) / 2
      if wallClock(middle) < localSeconds { before = middle } else { after = middle }
    }
    return after
  }

  /// The value of a run of ASCII digits (at most 18 long in practice).
  static func value<Digits: Collection>(of digits: Digits) -> Int64 where Digits.Element == UInt8 {
    var result: Int64 = 0
    for digit in digits.prefix(18) { result = result * 10 + Int64(digit - UInt8(ascii: "0")) }
    return result
  }

  /// The value of two ASCII digits, or -1 if either is not a digit.
  static func twoDigits(_ tens: UInt8, _ ones: UInt8) -> Int {
    let zero = UInt8(ascii: "0")
    let nine = UInt8(ascii: "9")
    guard (zero...nine).contains(tens), (zero...nine).contains(ones) else { return -1 }
    return Int(tens - zero) * 10 + Int(ones - zero)
  }

  static func pad(_ value: Int64, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
  }

  /// `.f…` without trailing zeros, or "" for zero.
  static func fractionText(_ microsecond: Int64) -> String {
    guard microsecond != 0 else { return "" }
    var digits = pad(microsecond, 6)
    while digits.hasSuffix("0") { digits.removeLast() }
    return "." + digits
  }
}
