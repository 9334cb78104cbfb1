import Foundation
import Testing

/// The binary's named time zones against the system's own tools, through the command line:
/// the same zones and years as the library's zdump tests
/// (PolicyLedgerTests/TimeZoneTransitionTests.swift), run on whichever binary the CLI tests
/// run (`POLICY_LEDGER_TEST_BINARY`: the installed build), since how the binary is linked
/// decides which time-zone code it carries. Times are written by `history --tz`, read by
/// `policy add --effective-from … --tz`; the expected texts come from `zdump -v` and GNU
/// `date`, both reading the TZif files under /usr/share/zoneinfo.
struct TimeZoneCLITests {
  static let zones = [
    "America/Los_Angeles", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata",
  ]
  static let years = [1970, 2007, 2037]

  /// A transition by `zdump -v`: seconds since 1970 of its first second, and the offsets
  /// before and at it.
  struct Transition {
    var at: Int
    var offsetBefore: Int
    var offsetAt: Int
  }

  static func output(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = readToEnd(pipe.fileHandleForReading)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(program) \(arguments) failed")
    return String(decoding: data, as: UTF8.self)
  }

  /// The wall clock and offset of `seconds` in `zone` as GNU date writes them
  /// (`2007-03-11T03:00:00-04:00`), or in UTC with `Z`.
  static func date(_ seconds: Int, in zone: String?) throws -> String {
    let format = zone == nil ? "+%Y-%m-%dT%H:%M:%SZ" : "+%Y-%m-%dT%H:%M:%S%:z"
    let text = try output("/usr/bin/date", ["-d", "@\(seconds)", format], environment: ["TZ": zone ?? "UTC"])
    return text.trimmingCharacters(in: .newlines)
  }

  /// The seconds since 1970 of a UTC text (`2007-03-11 07:00:00`), by GNU date.
  static func seconds(_ utc: String) throws -> Int {
    try #require(Int(output("/usr/bin/date", ["-u", "-d", utc + " UTC", "+%s"]).trimmingCharacters(in: .newlines)))
  }

  /// The transitions of `zone` in `years`, from `zdump -v`.
  static func transitions(_ zone: String) throws -> [Transition] {
    let text = try output("/usr/bin/zdump", ["-v", "-c", "1970,2038", zone])
    let lines = text.split(separator: "\n").filter { !$0.hasSuffix("= NULL") }
    var found: [Transition] = []
    for index in stride(from: 0, to: lines.count - 1, by: 2) {
      // `ZONE  Sun Mar 11 07:00:00 2007 UT = Sun Mar 11 03:00:00 2007 EDT isdst=1 gmtoff=-14400`
      let before = lines[index].split(separator: " ", omittingEmptySubsequences: true)
      let at = lines[index + 1].split(separator: " ", omittingEmptySubsequences: true)
      try #require(before.count == 16 && at.count == 16 && at[6] == "UT", "\(lines[index + 1])")
      guard let year = Int(at[5]), years.contains(year) else { continue }
      let day = at[3].count == 1 ? "0" + at[3] : String(at[3])
      let utc = "\(at[5])-\(month(at[2]))-\(day) \(at[4])"
      found.append(
        Transition(
          at: try seconds(utc), offsetBefore: try #require(Int(before[15].dropFirst(7))),
          offsetAt: try #require(Int(at[15].dropFirst(7)))))
    }
    return found
  }

  static func month(_ name: Substring) -> String {
    let index = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].firstIndex(of: String(name))!
    return index < 9 ? "0\(index + 1)" : "\(index + 1)"
  }

  static func add(_ db: String, _ policy: String, from: String, tz: String? = nil) throws -> CLIResult {
    var arguments = ["policy", "add", policy, "--title", "T", "--body", "B", "--effective-from", from, "--db", db]
    if let tz { arguments += ["--tz", tz] }
    return try CLI.run(arguments)
  }

  /// The effective_from column of `history POLICY --format csv`, version by version.
  static func effectiveFroms(_ db: String, _ policy: String, tz: String?) throws -> [String] {
    var arguments = ["history", policy, "--format", "csv", "--db", db]
    if let tz { arguments += ["--tz", tz] }
    let result = try CLI.run(arguments)
    #expect(result.status == 0, "\(result.stderr)")
    let header = result.lines.first?.split(separator: ",").map(String.init) ?? []
    let column = try #require(header.firstIndex(of: "effective_from"))
    return result.lines.dropFirst().map { String($0.split(separator: ",", omittingEmptySubsequences: false)[column]) }
  }

  @Test(arguments: zones)
  func historyWritesEachTransitionAsZdumpAndDateDo(_ zone: String) throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    var instants: [Int] = []
    for transition in try Self.transitions(zone) { instants += [transition.at - 1, transition.at] }
    for year in Self.years {
      for month in ["01", "07"] { instants.append(try Self.seconds("\(year)-\(month)-01 12:00:00")) }
    }
    instants.sort()
    for instant in instants {
      let added = try Self.add(db, "p", from: try Self.date(instant, in: nil))
      try #require(added.status == 0, "\(added.stderr)")
    }
    let expected = try instants.map { try Self.date($0, in: zone) }
    #expect(try Self.effectiveFroms(db, "p", tz: zone) == expected)
  }

  @Test(arguments: zones)
  func wallClockTimesInGapsAreRefusedAndInOverlapsAreTheEarlierInstant(_ zone: String) throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    try #require(try Self.add(db, "seed", from: "2000-01-01T00:00:00Z").status == 0)
    var overlaps: [(local: String, expected: String)] = []
    for transition in try Self.transitions(zone) where transition.offsetAt != transition.offsetBefore {
      let shift = transition.offsetAt - transition.offsetBefore
      if shift > 0 {
        // The middle of the gap, as a wall-clock time (the local text of an instant in UTC).
        let local = String(try Self.date(transition.at + transition.offsetBefore + shift / 2, in: nil).dropLast())
        let head = try CLI.run(["head", "--db", db]).stdout
        let refused = try Self.add(db, "gap", from: local, tz: zone)
        let clock = local.dropFirst(11).hasSuffix(":00") ? String(local.dropFirst(11).dropLast(3)) : String(local.dropFirst(11))
        #expect(refused.status == 2)
        #expect(
          refused.stderr
            == "policy-ledger: error: invalid --effective-from '\(local)': \(clock) does not exist in \(zone) on \(local.prefix(10)) (clocks moved forward)\n")
        #expect(try CLI.run(["head", "--db", db]).stdout == head, "nothing is written")
      } else {
        let localSeconds = transition.at + transition.offsetAt - shift / 2
        let local = String(try Self.date(localSeconds, in: nil).dropLast())
        overlaps.append((local, try Self.date(localSeconds - transition.offsetBefore, in: nil)))
      }
    }
    guard !overlaps.isEmpty else { return }
    for overlap in overlaps {
      try #require(try Self.add(db, "overlap", from: overlap.local, tz: zone).status == 0)
    }
    #expect(try Self.effectiveFroms(db, "overlap", tz: nil) == overlaps.map(\.expected))
  }
}
