import Foundation
import LedgerBenchData
import Testing

@testable import PolicyLedger

private let utc = TimeZone(identifier: "UTC")!
private let fixedNow = Instant(microseconds: 1_700_000_000_123_456)

private func losAngeles() throws -> TimeZone {
  try #require(TimeZone(identifier: "America/Los_Angeles"))
}

/// Parses with a fixed `now` so tests never depend on the clock.
private func parse(_ text: String, in zone: TimeZone = utc) throws -> Instant {
  try Instant.parse(text, timeZone: zone, now: fixedNow)
}

/// The reason `text` is refused, or nil when it parses.
private func refusal(_ text: String, in zone: TimeZone = utc) -> String? {
  do {
    _ = try Instant.parse(text, timeZone: zone, now: fixedNow)
    return nil
  } catch {
    #expect(error.value == text)
    return error.reason
  }
}


// MARK: - Accepted forms

@Test(arguments: [
  ("2020-07-10T15:00:00Z", Int64(1_594_393_200_000_000)),
  ("2020-07-10T08:00:00-07:00", 1_594_393_200_000_000),
  ("2020-07-10T08:00:00-0700", 1_594_393_200_000_000),
  ("2020-07-10T20:30:00+05:30", 1_594_393_200_000_000),
  ("2020-07-10T15:00Z", 1_594_393_200_000_000),
  ("2020-07-10T15:00", 1_594_393_200_000_000),
  ("2020-07-10T15:00:00", 1_594_393_200_000_000),
  ("2020-07-10t15:00:00z", 1_594_393_200_000_000),
  ("2020-07-10 15:00:00Z", 1_594_393_200_000_000),
  ("2020-07-10T15:00:00-00:00", 1_594_393_200_000_000),
  ("2020-07-10T15:00:00+00:00", 1_594_393_200_000_000),
  ("2020-07-10T15:00:00.25Z", 1_594_393_200_250_000),
  ("2020-07-10T15:00:00.000001Z", 1_594_393_200_000_001),
  ("2020-07-10T15:00:00.1234560Z", 1_594_393_200_123_456),
  ("2020-07-10T15:00:00.123456000000Z", 1_594_393_200_123_456),
  ("2020-07-10T15:00:00.0Z", 1_594_393_200_000_000),
  ("2020-07-10T15:00:00.5+23:59", 1_594_306_860_500_000),
  ("2020-07-10", 1_594_339_200_000_000),
  ("1970-01-01T00:00:00Z", 0),
  ("1969-12-31T23:59:59.999999Z", -1),
  ("1900-03-01", -2_203_891_200_000_000),
  ("2000-02-29T12:00:00Z", 951_825_600_000_000),
  ("2024-02-29", 1_709_164_800_000_000),
  ("0001-01-01T00:00:00Z", -62_135_596_800_000_000),
  ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999),
])
func acceptedFormsParseToTheExpectedMicroseconds(text: String, microseconds: Int64) throws {
  #expect(try parse(text).microseconds == microseconds)
}

@Test func anOffsetAndItsUTCEquivalentAreTheSameInstant() throws {
  let pacific = try parse("2020-07-10T08:00:00-07:00")
  let zulu = try parse("2020-07-10T15:00:00Z")
  #expect(pacific == zulu)
  #expect(pacific.microseconds == 1_594_393_200_000_000)
  // An explicit offset wins over the zone argument.
  #expect(try parse("2020-07-10T15:00:00Z", in: losAngeles()) == zulu)
  #expect(try parse("2020-07-10T15:00:00+05:30", in: losAngeles()).microseconds == 1_594_373_400_000_000)
}

/// Foundation's fixed GMT zone is UTC; so is no zone at all, which is how the CLI reads times
/// without --tz (no `TimeZone` built on a query's start-up). The ends of the range and a
/// wall-clock time that does not exist in Los Angeles read the same in all three.
@Test func theFixedGMTZoneAndNoZoneAreUTC() throws {
  let gmt = TimeZone(secondsFromGMT: 0)!
  for text in ["2020-07-10T15:00:00", "2020-07-10", "2020-03-08T02:30:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999"] {
    let inUTC = try parse(text, in: utc)
    #expect(try parse(text, in: gmt) == inUTC, "\(text)")
    #expect(try Instant.parse(text, timeZone: nil, now: fixedNow) == inUTC, "\(text)")
  }
  #expect(try Instant.parse("2020-07-10T08:00:00-07:00", timeZone: nil, now: fixedNow).microseconds == 1_594_393_200_000_000)
  #expect(try Instant.parse("now", timeZone: nil, now: fixedNow) == fixedNow)
  // Outside the years 0001-9999 once read as UTC: refused with no zone as in UTC.
  #expect(throws: InvalidTime.self) { try Instant.parse("0001-01-01T00:00:00+00:01", timeZone: nil, now: fixedNow) }
}

@Test func nowReturnsTheGivenNow() throws {
  #expect(try parse("now") == fixedNow)
  #expect(try parse("now", in: losAngeles()) == fixedNow)
  #expect(refusal("NOW") != nil)
  #expect(refusal(" now") == "leading whitespace is not allowed")
}

@Test func theSystemClockIsTruncatedToTheMicrosecond() throws {
  let before = Date().timeIntervalSince1970
  let now = Instant.now()
  let after = Date().timeIntervalSince1970
  let seconds = Double(now.microseconds) / 1_000_000
  #expect(seconds >= before - 0.000_01)
  #expect(seconds <= after + 0.000_01)
  // The default `now` argument is the system clock.
  let parsed = try Instant.parse("now")
  #expect(abs(parsed.microseconds - now.microseconds) < 60_000_000)
}

@Test func aBareDateIsMidnightInTheGivenZone() throws {
  #expect(try parse("2020-07-10").iso8601() == "2020-07-10T00:00:00Z")
  let la = try losAngeles()
  let local = try parse("2020-07-10", in: la)
  #expect(local.microseconds == 1_594_364_400_000_000)
  #expect(local.iso8601(in: la) == "2020-07-10T00:00:00-07:00")
  #expect(try parse("2020-01-10", in: la).iso8601(in: la) == "2020-01-10T00:00:00-08:00")
  let fixed = try parseTimeZone("+05:30")
  #expect(try parse("2020-07-10", in: fixed).iso8601() == "2020-07-09T18:30:00Z")
}

// MARK: - Refusals

@Test(arguments: [
  ("", "empty text"),
  (" 2020-07-10T15:00:00Z", "leading whitespace is not allowed"),
  ("2020-07-10T15:00:00Z ", "trailing whitespace is not allowed"),
  ("2020-07-10T15:00:00Z\n", "trailing whitespace is not allowed"),
  ("garbage", "expected a date as YYYY-MM-DD (or 'now')"),
  ("2021-02-30", "February 2021 has 28 days"),
  ("2021-02-29", "February 2021 has 28 days"),
  ("1900-02-29", "February 1900 has 28 days"),
  ("2020-02-30", "February 2020 has 29 days"),
  ("2021-04-31", "April 2021 has 30 days"),
  ("2021-01-32", "January 2021 has 31 days"),
  ("2021-01-00", "day 00 is out of range (01-31)"),
  ("2021-13-01", "month 13 is out of range (01-12)"),
  ("2021-00-01", "month 00 is out of range (01-12)"),
  ("0000-01-01", "year 0000 is out of range (0001-9999)"),
  ("10000-01-01", "year 10000 is out of range (0001-9999)"),
  ("-2020-01-01", "expected a date as YYYY-MM-DD (or 'now')"),
  ("+2020-01-01", "expected a date as YYYY-MM-DD (or 'now')"),
  ("20200710", "expected a date as YYYY-MM-DD, got '20200710' (the basic format without '-' is not accepted)"),
  ("2020/07/10", "expected '-' and the month after the year (YYYY-MM-DD)"),
  ("2020-07", "expected '-' and the day after the month (YYYY-MM-DD)"),
  ("2020-07-", "expected the day after the month (YYYY-MM-DD)"),
  ("202-07-10", "year must have 4 digits (YYYY), got '202'"),
  ("2020-7-10", "month must have 2 digits (MM), got '7'"),
  ("2020-7-10garbage", "month must have 2 digits (MM), got '7'"),
  ("2020-07-1", "day must have 2 digits (DD), got '1'"),
  ("2020-07-100", "day must have 2 digits (DD), got '100'"),
  ("2020-07-10garbage", "unexpected 'garbage' after the date"),
  ("2020-07-10Z", "unexpected 'Z' after the date"),
  ("2020-07-10T", "expected a time (HH:MM) after the date"),
  ("2020-07-10  15:00", "expected a time (HH:MM) after the date"),
  ("2020-07-10T8:00", "hour must have 2 digits (HH), got '8'"),
  ("2020-07-10T0800", "expected the time as HH:MM, got '0800' (the basic format without ':' is not accepted)"),
  ("2020-07-10T15", "expected ':' and the minutes after the hour (HH:MM)"),
  ("2020-07-10T15:", "expected the minutes after the hour (HH:MM)"),
  ("2020-07-10T15:0", "minute must have 2 digits (MM), got '0'"),
  ("2020-07-10T24:00", "hour 24 is out of range (00-23)"),
  ("2020-07-10T25:00", "hour 25 is out of range (00-23)"),
  ("2020-07-10T15:60", "minute 60 is out of range (00-59)"),
  ("2020-07-10T15:00:60Z", "second 60 is out of range (00-59): leap seconds are not supported"),
  ("2020-07-10T15:00:61Z", "second 61 is out of range (00-59)"),
  ("2020-07-10T15:00:5Z", "second must have 2 digits (SS), got '5'"),
  ("2020-07-10T15:00:Z", "expected the seconds after the minutes (HH:MM:SS)"),
  ("2020-07-10T15:00.5Z", "fractional seconds need seconds (HH:MM:SS.f)"),
  ("2020-07-10T15:00:00.Z", "expected digits after '.' (HH:MM:SS.f)"),
  ("2020-07-10T15:00:00,5Z", "use '.' for fractional seconds, not ','"),
  ("2020-07-10T15:00:00.1234567Z", "more than 6 fractional digits must be zeros"),
  ("2020-07-10T15:00:00.0000001Z", "more than 6 fractional digits must be zeros"),
  ("2020-07-10T15:00:00garbage", "unexpected 'garbage' after the time"),
  ("2020-07-10T15:00garbage", "unexpected 'garbage' after the time"),
  ("2020-07-10T15:00:00Zgarbage", "unexpected 'garbage' after the offset"),
  ("2020-07-10T15:00:00+05:30x", "unexpected 'x' after the offset"),
  ("2020-07-10T15:00:00+5:30", "the offset must be ±HH:MM or ±HHMM, got '+5:30'"),
  ("2020-07-10T15:00:00+05", "the offset must be ±HH:MM or ±HHMM, got '+05'"),
  ("2020-07-10T15:00:00+05:3", "the offset must be ±HH:MM or ±HHMM, got '+05:3'"),
  ("2020-07-10T15:00:00+", "the offset must be ±HH:MM or ±HHMM, got '+'"),
  ("2020-07-10T15:00:00+24:00", "offset hour 24 is out of range (00-23)"),
  ("2020-07-10T15:00:00-0760", "offset minute 60 is out of range (00-59)"),
  ("2020-07-10T15:00:00 Z", "unexpected ' Z' after the time"),
  ("２０２０-07-10", "expected a date as YYYY-MM-DD (or 'now')"),
])
func refusedFormsGiveAPreciseReason(text: String, reason: String) {
  #expect(refusal(text) == reason)
}

@Test func invalidTimeDescribesTheTextAndTheReason() throws {
  let error = #expect(throws: InvalidTime.self) { try parse("2021-02-30") }
  #expect(error == InvalidTime(value: "2021-02-30", reason: "February 2021 has 28 days"))
  #expect(error?.description == "'2021-02-30': February 2021 has 28 days")
}

/// The first and last instants a ledger takes read as year 0000 or 10000 in a zone west or
/// east of UTC; they are printed in UTC instead, so that the text parses again (an export in
/// that zone imports). An instant a day inside stays in the zone.
@Test func theEndsOfTheYearsALedgerTakesArePrintedInUTCWhereTheZoneWouldLeaveThem() throws {
  let first = Instant.parsableRange.lowerBound, last = Instant.parsableRange.upperBound
  let newYork = try #require(TimeZone(identifier: "America/New_York"))
  let plus14 = try #require(TimeZone(secondsFromGMT: 14 * 3_600))
  let cases: [(Instant, TimeZone, String)] = [
    (first, newYork, "0001-01-01T00:00:00Z"),
    (Instant(microseconds: first.microseconds + 3_600_000_000), newYork, "0001-01-01T01:00:00Z"),
    (Instant(microseconds: first.microseconds + 86_400_000_000), newYork, "0001-01-01T19:04:00-04:56"),
    (last, plus14, "9999-12-31T23:59:59.999999Z"),
    (last, newYork, "9999-12-31T18:59:59.999999-05:00"),
    (first, plus14, "0001-01-01T14:00:00+14:00"),
  ]
  for (instant, zone, text) in cases {
    #expect(instant.iso8601(in: zone) == text)
    #expect(try Instant.parse(text) == instant, "\(text) parses back to the same instant")
  }
}

/// The text and the reason quote the value escaped and cut at 200 characters: a time from
/// a file may hold terminal control sequences, or megabytes.
@Test func invalidTimeShowsItsTextEscapedAndCut() throws {
  let hostile = "2021-01-01\u{1B}[2K\rok" + String(repeating: "x", count: 300)
  let error = #expect(throws: InvalidTime.self) { try parse(hostile) }
  let description = try #require(error?.description)
  #expect(description.hasPrefix(#"'2021-01-01\u{1B}[2K\rokxxx"#))
  #expect(description.contains(#"xxx…': unexpected '\u{1B}[2K\rokxxx"#))
  #expect(description.hasSuffix("xxx…' after the date"))
  #expect(description.count < 500)
  #expect(error?.description.unicodeScalars.contains { $0.properties.generalCategory == .control } == false)
}

// MARK: - Daylight saving time

@Test func aTimeInTheSpringForwardGapIsRefused() throws {
  let la = try losAngeles()
  #expect(
    refusal("2020-03-08T02:30", in: la)
      == "02:30 does not exist in America/Los_Angeles on 2020-03-08 (clocks moved forward)")
  #expect(
    refusal("2020-03-08T02:00:00.5", in: la)
      == "02:00:00.5 does not exist in America/Los_Angeles on 2020-03-08 (clocks moved forward)")
  // Either side of the gap exists.
  #expect(try parse("2020-03-08T01:59:59", in: la).microseconds == 1_583_661_599_000_000)
  #expect(try parse("2020-03-08T03:00", in: la).iso8601(in: la) == "2020-03-08T03:00:00-07:00")
  // With an explicit offset there is nothing to resolve.
  #expect(try parse("2020-03-08T02:30:00-08:00", in: la).iso8601(in: la) == "2020-03-08T03:30:00-07:00")
}

@Test func anAmbiguousTimeInTheFallBackOverlapTakesTheEarlierInstant() throws {
  let la = try losAngeles()
  let resolved = try parse("2020-11-01T01:30", in: la)
  #expect(resolved.microseconds == 1_604_219_400_000_000)
  #expect(resolved.iso8601(in: la) == "2020-11-01T01:30:00-07:00")
  #expect(resolved == (try parse("2020-11-01T01:30:00-07:00")))
  // The later occurrence is one hour on and needs its offset spelled out.
  let later = try parse("2020-11-01T01:30:00-08:00")
  #expect(later.microseconds - resolved.microseconds == 3_600_000_000)
  #expect(later.iso8601(in: la) == "2020-11-01T01:30:00-08:00")
  #expect(try parse("2020-11-01T02:00", in: la).iso8601(in: la) == "2020-11-01T02:00:00-08:00")
}

// MARK: - Formatting

@Test func formattingWritesUTCWithZAndFractionsWithoutTrailingZeros() throws {
  #expect(Instant(microseconds: 1_594_393_200_000_000).iso8601() == "2020-07-10T15:00:00Z")
  #expect(Instant(microseconds: 1_594_393_200_250_000).iso8601() == "2020-07-10T15:00:00.25Z")
  #expect(Instant(microseconds: 1_594_393_200_000_001).iso8601() == "2020-07-10T15:00:00.000001Z")
  #expect(Instant(microseconds: 1_594_393_200_123_456).iso8601() == "2020-07-10T15:00:00.123456Z")
  #expect(Instant(microseconds: 1_594_393_200_000_000).description == "2020-07-10T15:00:00Z")
  #expect(Instant(microseconds: 1_594_393_200_000_000).iso8601(in: utc) == "2020-07-10T15:00:00Z")
  #expect(try Instant(microseconds: 0).iso8601(in: parseTimeZone("Z")) == "1970-01-01T00:00:00Z")
}

@Test func formattingInAZoneUsesItsOffsetAtThatInstant() throws {
  let la = try losAngeles()
  let summer = Instant(microseconds: 1_594_393_200_000_000)
  #expect(summer.iso8601(in: la) == "2020-07-10T08:00:00-07:00")
  #expect(try parse("2020-01-10T16:00:00Z").iso8601(in: la) == "2020-01-10T08:00:00-08:00")
  #expect(try summer.iso8601(in: parseTimeZone("+05:30")) == "2020-07-10T20:30:00+05:30")
  #expect(try summer.iso8601(in: parseTimeZone("-0930")) == "2020-07-10T05:30:00-09:30")
  // Europe/London is not UTC even when its offset is zero.
  let london = try #require(TimeZone(identifier: "Europe/London"))
  #expect(try parse("2020-01-10T16:00:00Z").iso8601(in: london) == "2020-01-10T16:00:00+00:00")
}

@Test func localMeanTimeOffsetsAreRoundedToTheMinuteAndStillNameTheSameInstant() throws {
  let la = try losAngeles()
  // Before 1883 Los Angeles kept local mean time, -07:52:58.
  let noon = try parse("1850-06-15T12:00", in: la)
  #expect(noon.microseconds == (-3_772_526_400 + 7 * 3_600 + 52 * 60 + 58) * 1_000_000)
  let text = noon.iso8601(in: la)
  #expect(text == "1850-06-15T11:59:58-07:53")
  #expect(try parse(text) == noon)
}

@Test func instantsBefore1970ParseAndFormat() throws {
  #expect(Instant(microseconds: -1).iso8601() == "1969-12-31T23:59:59.999999Z")
  #expect(Instant(microseconds: -1_500_000).iso8601() == "1969-12-31T23:59:58.5Z")
  #expect(Instant(microseconds: -1_000_000).iso8601() == "1969-12-31T23:59:59Z")
  #expect(Instant(microseconds: -62_135_596_800_000_000).iso8601() == "0001-01-01T00:00:00Z")
  #expect(try parse("1969-12-31T23:59:58.5Z").microseconds == -1_500_000)
  #expect(try parse("1900-01-01T00:00:00.000001Z").iso8601() == "1900-01-01T00:00:00.000001Z")
  let la = try losAngeles()
  #expect(try parse("1960-06-01T12:00", in: la).iso8601(in: la) == "1960-06-01T12:00:00-07:00")
}

@Test func extremeInstantsFormatWithoutTrapping() {
  #expect(!Instant(microseconds: .max).iso8601().isEmpty)
  #expect(Instant(microseconds: .min).iso8601().hasPrefix("-"))
  #expect(Instant(microseconds: -62_135_596_800_000_001).iso8601() == "0000-12-31T23:59:59.999999Z")
}

@Test func instantsCompareByMicroseconds() {
  #expect(Instant(microseconds: -5) < Instant(microseconds: 3))
  #expect(Instant(microseconds: 7) == Instant(microseconds: 7))
  #expect(Set([Instant(microseconds: 1), Instant(microseconds: 1)]).count == 1)
}

// MARK: - Time zones

@Test func parseTimeZoneAcceptsNamesUTCAndFixedOffsets() throws {
  #expect(try parseTimeZone("America/Los_Angeles").identifier == "America/Los_Angeles")
  #expect(try parseTimeZone("Etc/GMT+5").secondsFromGMT() == -5 * 3_600)
  #expect(try parseTimeZone("UTC").secondsFromGMT() == 0)
  #expect(try parseTimeZone("Z").secondsFromGMT() == 0)
  #expect(try parseTimeZone("+05:30").secondsFromGMT() == 19_800)
  #expect(try parseTimeZone("+0530").secondsFromGMT() == 19_800)
  #expect(try parseTimeZone("-07:00").secondsFromGMT() == -25_200)
  #expect(try parseTimeZone("-00:00").secondsFromGMT() == 0)
}

@Test(arguments: ["", "Mars/Olympus", "america/los_angeles", "PST", "GMT+5", "+5", "+05", "+05:3", "+05:60", "+19:00", "05:30", " UTC"])
func parseTimeZoneRefusesAnythingElse(text: String) {
  do {
    let zone = try parseTimeZone(text)
    Issue.record("'\(text)' was accepted as \(zone.identifier)")
  } catch {
    #expect((error as? LedgerError)?.description.hasPrefix("unknown time zone '\(text)'") == true)
  }
}

// MARK: - Round trips

@Test func randomInstantsRoundTripThroughISO8601() throws {
  let la = try losAngeles()
  let kolkata = try parseTimeZone("+05:30")
  let minimum = try parse("0001-01-02T00:00:00Z").microseconds  // a day's margin keeps local years in range
  let maximum = try parse("9999-12-30T23:59:59.999999Z").microseconds
  var generator = SplitMix64(seed: 20_200_710)
  for round in 0..<2_000 {
    var microseconds = Int64.random(in: minimum...maximum, using: &generator)
    switch round % 4 {
    case 0: microseconds -= microseconds % 1_000_000  // whole seconds
    case 1: microseconds -= microseconds % 1_000  // milliseconds
    default: break
    }
    let instant = Instant(microseconds: microseconds)
    for zone in [nil, kolkata, la] as [TimeZone?] {
      let text = instant.iso8601(in: zone)
      let back = try Instant.parse(text, timeZone: la, now: fixedNow)
      #expect(back == instant, "\(text) parsed back as \(back.microseconds), not \(microseconds)")
    }
  }
}

@Test func localWallTimesInLosAngelesRoundTripToTheEarliestMatchingInstant() throws {
  let la = try losAngeles()
  let minimum = try parse("1900-01-01T00:00:00Z").microseconds
  let maximum = try parse("2100-12-31T00:00:00Z").microseconds
  var generator = SplitMix64(seed: 1_583_661_599)
  for _ in 0..<500 {
    let instant = Instant(microseconds: Int64.random(in: minimum...maximum, using: &generator))
    let text = instant.iso8601(in: la)
    let wallTime = String(text.dropLast(6))  // drop the ±HH:MM offset
    let back = try Instant.parse(wallTime, timeZone: la, now: fixedNow)
    #expect(back <= instant)
    #expect(String(back.iso8601(in: la).dropLast(6)) == wallTime)
    #expect(back == instant || instant.microseconds - back.microseconds == 3_600_000_000)
  }
}
