import Foundation
import Testing

@testable import PolicyLedger

// Named zones across their daylight-saving transitions in 1970, 2007 and 2037, judged by the
// system's own `zdump -v` (the reference reader of the TZif files under /usr/share/zoneinfo):
// for every transition, the wall clock and offset one second before it and at it, and how a
// wall-clock time in the gap or the overlap it makes is read (a skipped time is refused, an
// ambiguous one is the earlier instant). These pin what the library does today, so that a
// change to how zones are read cannot change an answer unnoticed.

/// One transition as `zdump -v` prints it: the last second of the old offset and the first
/// of the new one, each as UTC and as the zone's wall clock.
private struct ZdumpTransition: CustomStringConvertible {
  var zone: String
  /// Seconds since 1970 of the first second under the new offset.
  var at: Int64
  /// The UTC year of `at`.
  var year: Int64
  /// The wall clock one second before and at the transition, `YYYY-MM-DDTHH:MM:SS`.
  var localBefore: String
  var localAt: String
  var offsetBefore: Int64
  var offsetAt: Int64

  var description: String { "\(zone) at \(Instant(microseconds: at * 1_000_000)) (\(offsetBefore) → \(offsetAt))" }
}

private let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/// `Sun Mar 11 06:59:59 2007` (four fields) as `2007-03-11T06:59:59`.
private func zdumpClock(_ fields: ArraySlice<Substring>) throws -> String {
  let parts = Array(fields)
  let month = try #require(months.firstIndex(of: String(parts[1]))) + 1
  let day = try #require(Int(parts[2]))
  func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
  return "\(parts[4])-\(two(month))-\(two(day))T\(parts[3])"
}

/// Every transition of `zone` from 1800 through 2037, read from `zdump -v`.
private func zdumpTransitions(_ zone: String) throws -> [ZdumpTransition] {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/zdump")
  process.arguments = ["-v", "-c", "1800,2038", zone]
  let output = Pipe()
  process.standardOutput = output
  try process.run()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  try #require(process.terminationStatus == 0, "zdump -v \(zone) failed")
  // `ZONE  Sun Mar 11 06:59:59 2007 UT = Sun Mar 11 01:59:59 2007 EST isdst=0 gmtoff=-18000`
  let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasSuffix("= NULL") }
  try #require(lines.count % 2 == 0, "zdump printed an odd number of transition lines for \(zone)")
  var transitions: [ZdumpTransition] = []
  for index in stride(from: 0, to: lines.count, by: 2) {
    let before = lines[index].split(separator: " ", omittingEmptySubsequences: true)
    let at = lines[index + 1].split(separator: " ", omittingEmptySubsequences: true)
    try #require(before.count == 16 && at.count == 16 && before[6] == "UT" && at[6] == "UT", "\(lines[index])")
    let utcBefore = try Instant.parse(try zdumpClock(before[1...5]) + "Z").microseconds / 1_000_000
    let utcAt = try Instant.parse(try zdumpClock(at[1...5]) + "Z").microseconds / 1_000_000
    try #require(utcAt == utcBefore + 1, "zdump's pair is not one second apart: \(lines[index])")
    func offset(_ fields: [Substring]) throws -> Int64 {
      try #require(fields[15].hasPrefix("gmtoff=") ? Int64(fields[15].dropFirst(7)) : nil)
    }
    transitions.append(
      ZdumpTransition(
        zone: zone, at: utcAt, year: Int64(at[5])!, localBefore: try zdumpClock(before[8...12]),
        localAt: try zdumpClock(at[8...12]), offsetBefore: try offset(before), offsetAt: try offset(at)))
  }
  return transitions
}

/// `+05:30`, `-03:00`, `+00:00`.
private func offsetText(_ seconds: Int64) -> String {
  let magnitude = abs(seconds)
  func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
  return (seconds < 0 ? "-" : "+") + two(magnitude / 3_600) + ":" + two(magnitude / 60 % 60)
}

private func instant(_ seconds: Int64) -> Instant { Instant(microseconds: seconds * 1_000_000) }

/// The zones of the checks, and how many transitions each has in 1970, 2007 and 2037 (by
/// zdump: a count that changes means the system's tzdata changed, and the test says so).
private let zones: [(name: String, transitions: [Int64: Int])] = [
  ("America/Los_Angeles", [1970: 2, 2007: 2, 2037: 2]),
  // 2007: the first year of the later US rule (second Sunday of March, first of November).
  ("America/New_York", [1970: 2, 2007: 2, 2037: 2]),
  // 1970: British Standard Time, one hour ahead all year (27 October 1968 to 31 October 1971).
  ("Europe/London", [1968: 2, 1970: 0, 1971: 1, 2007: 2, 2037: 2]),
  // A 30-minute shift; no daylight saving time before 1981.
  ("Australia/Lord_Howe", [1970: 0, 2007: 2, 2037: 2]),
  // The clocks go forward at midnight (a day without 00:00); no daylight saving time since 2019.
  ("America/Sao_Paulo", [1970: 0, 2007: 2, 2037: 0]),
  // +05:30 throughout.
  ("Asia/Kolkata", [1970: 0, 2007: 0, 2037: 0]),
]

@Test(arguments: zones.map(\.name))
func offsetsAndWallClocksAtEachTransitionMatchZdump(_ name: String) throws {
  let zone = try parseTimeZone(name)
  let expected = try #require(zones.first { $0.name == name }).transitions
  let all = try zdumpTransitions(name)
  for (year, count) in expected {
    let these = all.filter { $0.year == year }
    #expect(these.count == count, "\(name) has \(these.count) transitions in \(year) by zdump, expected \(count)")
    for transition in these {
      // One second before, and at, the transition: the wall clock and the offset.
      #expect(
        instant(transition.at - 1).iso8601(in: zone) == transition.localBefore + offsetText(transition.offsetBefore),
        "\(transition)")
      #expect(instant(transition.at).iso8601(in: zone) == transition.localAt + offsetText(transition.offsetAt), "\(transition)")
    }
    // Midday UTC on the 1st of every month of the year: the offset of the last transition
    // before it (every one of these zones has one after 1800: its change from local mean time).
    for month in 1...12 {
      let text = "\(year)-\(month < 10 ? "0" : "")\(month)-01T12:00:00Z"
      let seconds = try Instant.parse(text).microseconds / 1_000_000
      let last = try #require(all.last { $0.at <= seconds }, "\(name): no transition before \(text)")
      let shown = instant(seconds).iso8601(in: zone)
      #expect(shown.hasSuffix(offsetText(last.offsetAt)), "\(name) at \(text): \(shown), zdump: \(offsetText(last.offsetAt))")
    }
  }
}

@Test(arguments: zones.map(\.name))
func wallClockTimesInTheGapsAndOverlapsOfEachTransitionAreReadAsDocumented(_ name: String) throws {
  let zone = try parseTimeZone(name)
  let years = try #require(zones.first { $0.name == name }).transitions.keys
  for transition in try zdumpTransitions(name) where years.contains(transition.year) {
    let shift = transition.offsetAt - transition.offsetBefore
    // The last second before the transition, written without an offset, is that instant
    // (in an overlap it is the earlier of the two it names).
    #expect(try Instant.parse(transition.localBefore, timeZone: zone) == instant(transition.at - 1), "\(transition)")
    if shift > 0 {
      // Clocks moved forward: the wall clock after the transition is the transition ...
      #expect(try Instant.parse(transition.localAt, timeZone: zone) == instant(transition.at), "\(transition)")
      // ... and every wall-clock time in between does not exist: the start and the middle.
      let gapStart = transition.at - 1 + transition.offsetBefore + 1
      for local in [gapStart, gapStart + shift / 2] {
        let text = String(instant(local).iso8601().dropLast())  // the local time, as if UTC
        let clock = text.dropFirst(11)
        let shownClock = clock.hasSuffix(":00") ? String(clock.dropLast(3)) : String(clock)
        let error = #expect(throws: InvalidTime.self, "\(transition): \(text)") {
          try Instant.parse(text, timeZone: zone)
        }
        #expect(
          error?.reason == "\(shownClock) does not exist in \(name) on \(text.prefix(10)) (clocks moved forward)",
          "\(transition)")
        if shownClock == "00:00" {
          // A bare date is that day's 00:00: on a day that has none, it is refused alike.
          #expect(throws: InvalidTime.self, "\(transition)") { try Instant.parse(String(text.prefix(10)), timeZone: zone) }
        }
      }
    } else if shift < 0 {
      // Clocks moved back: a wall-clock time in the overlap names two instants; written
      // without an offset it is the earlier, with the new offset the later.
      let local = transition.at + transition.offsetAt - shift / 2
      let text = String(instant(local).iso8601().dropLast())
      let earlier = instant(local - transition.offsetBefore)
      let later = instant(local - transition.offsetAt)
      #expect(try Instant.parse(text, timeZone: zone) == earlier, "\(transition): \(text)")
      #expect(try Instant.parse(text + offsetText(transition.offsetAt)) == later, "\(transition): \(text)")
      #expect(later.iso8601(in: zone) == text + offsetText(transition.offsetAt), "\(transition)")
      #expect(earlier.iso8601(in: zone) == text + offsetText(transition.offsetBefore), "\(transition)")
      // The wall clock at the transition is shown again an hour (or half an hour) later:
      // written without an offset it is the earlier time.
      #expect(try Instant.parse(transition.localAt, timeZone: zone) == instant(transition.at + shift), "\(transition)")
    }
  }
}

/// Where a day begins, for the end of a range given as the day before (`--to 2018-11-03`): at
/// its 00:00, or, on a day whose 00:00 the clocks skip, at the transition that skips it, the
/// day's first wall-clock time. `parse` still refuses such a bare date (checked above).
@Test(arguments: zones.map(\.name))
func aDayBeginsAtItsFirstWallClockTimeWhenTheClocksSkipItsMidnight(_ name: String) throws {
  let zone = try parseTimeZone(name)
  var skipped = 0
  for transition in try zdumpTransitions(name) where transition.offsetAt > transition.offsetBefore {
    let day = String(transition.localAt.prefix(10))
    if transition.localBefore.prefix(10) != day && !transition.localAt.hasSuffix("T00:00:00") {
      skipped += 1
      #expect(try Instant.startOfDay(day, timeZone: zone) == instant(transition.at), "\(transition)")
      #expect(throws: InvalidTime.self, "\(transition)") { try Instant.parse(day, timeZone: zone) }
    } else {
      #expect(try Instant.startOfDay(day, timeZone: zone) == Instant.parse(day, timeZone: zone), "\(transition)")
    }
  }
  // São Paulo moved its clocks at midnight for decades; none of the others ever skipped one.
  #expect((skipped > 20) == (name == "America/Sao_Paulo"), "\(name): \(skipped) days without 00:00")
}

@Test func theStartOfADayIsNamedForADateOnly() throws {
  let saoPaulo = try parseTimeZone("America/Sao_Paulo")
  #expect(try Instant.startOfDay("2018-11-04", timeZone: saoPaulo).iso8601(in: saoPaulo) == "2018-11-04T01:00:00-02:00")
  #expect(try Instant.startOfDay("2018-11-03", timeZone: saoPaulo).iso8601(in: saoPaulo) == "2018-11-03T00:00:00-03:00")
  #expect(try Instant.startOfDay("2018-11-04").description == "2018-11-04T00:00:00Z")
  // Samoa skipped the whole of 2011-12-30: that day "begins" where the 31st does, so the
  // 29th ends just before it.
  let apia = try parseTimeZone("Pacific/Apia")
  #expect(try Instant.startOfDay("2011-12-30", timeZone: apia).description == "2011-12-30T10:00:00Z")
  #expect(try Instant.startOfDay("2011-12-31", timeZone: apia).description == "2011-12-30T10:00:00Z")
  let error = #expect(throws: InvalidTime.self) { try Instant.startOfDay("2018-11-04T01:00", timeZone: saoPaulo) }
  #expect(error?.reason == "expected a date as YYYY-MM-DD")
  #expect(throws: InvalidTime.self) { try Instant.startOfDay("2018-02-30", timeZone: saoPaulo) }
}

/// A few of zdump's answers written out, so that the checks above cannot pass on an empty
/// or misread zdump output.
@Test func knownTransitionsAreWhereZdumpPutsThem() throws {
  let newYork = try zdumpTransitions("America/New_York").filter { $0.year == 2007 }
  // The 2007 rule: the second Sunday of March (not the first Sunday of April as in 2006).
  #expect(newYork.first.map { instant($0.at).description } == "2007-03-11T07:00:00Z")
  #expect(try instant(newYork[0].at).iso8601(in: parseTimeZone("America/New_York")) == "2007-03-11T03:00:00-04:00")
  // 1970 began in British Standard Time: +01:00 in midwinter.
  #expect(try Instant(microseconds: 0).iso8601(in: parseTimeZone("Europe/London")) == "1970-01-01T01:00:00+01:00")
  let lordHowe = try zdumpTransitions("Australia/Lord_Howe").filter { $0.year == 2037 }
  #expect(lordHowe.map { $0.offsetAt - $0.offsetBefore } == [-1_800, 1_800])
  let error = #expect(throws: InvalidTime.self) {
    try Instant.parse("2037-10-04T02:15", timeZone: parseTimeZone("Australia/Lord_Howe"))
  }
  #expect(error?.reason == "02:15 does not exist in Australia/Lord_Howe on 2037-10-04 (clocks moved forward)")
  // The overlap's 01:45 is the earlier instant, at +11:00.
  #expect(
    try Instant.parse("2037-04-05T01:45", timeZone: parseTimeZone("Australia/Lord_Howe")).description == "2037-04-04T14:45:00Z")
}
