import Foundation
import Testing

/// The command-line conventions of contract section 5 that scripts and people rely on:
/// `--db` before the subcommand, time zones (`--tz -07:00`, `$POLICY_LEDGER_TZ`, a bare
/// date as the end of a range), typed JSON, TSV and `--no-headers`, `timeline --limit
/// --reverse`, `in-force --with-body`.
struct ConventionsCLITests: OnDemoLedger {
  let demo: DemoLedger

  init() throws { demo = try DemoLedger() }

  /// Both paths: as usual (the fast path where it applies) and through ArgumentParser only.
  func bothPaths(_ arguments: [String], environment: [String: String] = [:], currentDirectory: String? = nil) throws -> CLIResult {
    let usual = try CLI.run(arguments, environment: environment, currentDirectory: currentDirectory)
    var parserOnly = environment
    parserOnly["POLICY_LEDGER_ARGUMENT_PARSER"] = "1"
    let argumentParser = try CLI.run(arguments, environment: parserOnly, currentDirectory: currentDirectory)
    #expect(usual.stdout == argumentParser.stdout && usual.stderr == argumentParser.stderr, "\(arguments)")
    #expect(usual.status == argumentParser.status, "\(arguments)")
    return usual
  }

  // MARK: 1. --db before the subcommand

  @Test(arguments: [
    ["history", "mobile-devices"], ["in-force", "--at", "now"], ["show", "mobile-devices@1"],
    ["timeline", "--employee", "E1001"], ["recipients", "N-2020-07-10-0800"], ["outstanding"], ["head"], ["verify"],
    ["export", "versions"], ["diff", "mobile-devices@1", "mobile-devices@2"],
  ])
  func dbBeforeTheSubcommandAnswersAsAfterIt(_ command: [String]) throws {
    let before = try bothPaths(["--db", db] + command)
    let after = try CLI.run(command + ["--db", db])
    #expect(before.status == 0, "\(before.stderr)")
    #expect(before.stdout == after.stdout && before.stderr == after.stderr && before.status == after.status)
    let attached = try CLI.run(["--db=\(db)"] + command)
    #expect(attached.stdout == after.stdout && attached.status == after.status)
  }

  /// `--tz` before the subcommand too, alone or with `--db`, a negative offset included:
  /// the same output as after it, on both paths.
  @Test func tzBeforeTheSubcommandAnswersAsAfterIt() throws {
    for zone in [["--tz", "America/Los_Angeles"], ["--tz", "-07:00"], ["--tz=+05:30"]] {
      let after = try CLI.run(["notices", "--format", "csv", "--db", db] + zone)
      #expect(after.status == 0 && !after.stdout.contains("Z,"), "\(after)")
      for before in [zone + ["--db", db, "notices", "--format", "csv"], ["--db", db] + zone + ["notices", "--format", "csv"]] {
        let moved = try bothPaths(before)
        #expect(moved.stdout == after.stdout && moved.stderr == after.stderr && moved.status == 0, "\(before)")
      }
    }
    // A refusal's times follow it as well.
    let refused = try bothPaths([
      "--tz", "America/Los_Angeles", "ack", "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "2020-07-10T07:00", "--db", db,
    ])
    #expect(refused.stderr.hasPrefix("policy-ledger: error: invalid --at '2020-07-10T07:00:00-07:00'"), "\(refused)")
    // Given before and after the command, the two must agree; twice before, too.
    let different = try bothPaths(["--tz", "UTC", "history", "mobile-devices", "--db", db, "--tz", "Europe/London"])
    #expect(different.status == 64)
    #expect(
      different.stderr
        == "policy-ledger: error: --tz is given twice with different zones: 'UTC' and 'Europe/London'\n")
    // Twice before a recording command, on new paths: refused, and neither file is created.
    let (a, b) = (dir.file("a.db"), dir.file("b.db"))
    let twice = try bothPaths(["--db", a, "--db", b, "employee", "join", "E1", "--at", "2020-01-01"])
    #expect(twice.status == 64 && twice.stdout.isEmpty)
    #expect(twice.stderr == "policy-ledger: error: --db is given twice with different paths: '\(a)' and '\(b)'\n")
    #expect(!LedgerFiles.exists(a) && !LedgerFiles.exists(b))
    let zones = try bothPaths(["--tz", "UTC", "--tz", "-07:00", "employee", "join", "E1", "--at", "2020-01-01", "--db", a])
    #expect(zones.status == 64 && zones.stderr == "policy-ledger: error: --tz is given twice with different zones: 'UTC' and '-07:00'\n")
    #expect(!LedgerFiles.exists(a))
    #expect(try bothPaths(["--tz", "UTC", "--tz", "UTC", "head", "--db", db]).status == 0)
  }

  @Test func dbBeforeTheSubcommandRecordsToo() throws {
    let path = dir.file("new.db")
    let added = try CLI.run([
      "--db", path, "policy", "add", "expenses", "--title", "Expenses", "--body", "Keep receipts.",
      "--effective-from", "2023-01-01",
    ])
    #expect(added.status == 0, "\(added.stderr)")
    #expect(added.stdout == "expenses@1\n")
    #expect(FileManager.default.fileExists(atPath: path))
  }

  /// `--db` or `--tz` without its value before the command: a missing value, exit 64, as
  /// after a command (ArgumentParser had called it an unknown option of the top level).
  @Test func aLeadingOptionWithoutItsValueIsAMissingValue() throws {
    for (arguments, option) in [
      (["--db"], "--db <db>"), (["--tz"], "--tz <tz>"), (["--db", db, "--tz"], "--tz <tz>"),
      (["--tz=UTC", "--db"], "--db <db>"),
    ] {
      let result = try bothPaths(arguments)
      #expect(result.status == 64 && result.stdout.isEmpty, "\(arguments): \(result)")
      #expect(result.stderr == "policy-ledger: error: missing value for '\(option)'\n", "\(arguments)")
    }
    // After the command it stays ArgumentParser's, with the command's usage.
    let after = try CLI.run(["history", "mobile-devices", "--db"])
    #expect(after.status == 64 && after.stderr.hasPrefix("Error: Missing value for '--db <db>'"), "\(after)")
  }

  @Test func dbGivenTwiceTheSameIsAcceptedAndDifferentIsAUsageError() throws {
    let same = try CLI.run(["--db", db, "head", "--db", db])
    #expect(same.status == 0)
    // Two spellings of one file agree: relative and absolute, `./`, a doubled '/', a link.
    let name = (db as NSString).lastPathComponent
    let link = dir.file("link.db")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: db)
    for other in ["./" + name, dir.path + "//" + name, link] {
      let spelt = try bothPaths(["--db", name, "head", "--db", other], currentDirectory: dir.path)
      #expect(spelt.status == 0 && spelt.stdout == same.stdout, "\(other): \(spelt)")
    }
    // A ledger not made yet: the same name in the same folder, whichever way it is spelt.
    let fresh = try CLI.run(
      ["--db", "fresh.db", "employee", "join", "E1", "--at", "2020-01-01", "--db", dir.path + "/./fresh.db"], currentDirectory: dir.path)
    #expect(fresh.status == 0 && fresh.stdout == "E1\n", "\(fresh)")
    #expect(LedgerFiles.exists(dir.file("fresh.db")))
    let apart = try CLI.run(
      ["--db", "new-a.db", "employee", "join", "E1", "--at", "2020-01-01", "--db", "new-b.db"], currentDirectory: dir.path)
    #expect(apart.status == 64 && !LedgerFiles.exists(dir.file("new-a.db")) && !LedgerFiles.exists(dir.file("new-b.db")))
    // A trailing '/' names a folder: not the file of the same name.
    let folder = try CLI.run(
      ["--db", "new-c.db", "employee", "join", "E1", "--at", "2020-01-01", "--db", "new-c.db/"], currentDirectory: dir.path)
    #expect(folder.status == 64 && !LedgerFiles.exists(dir.file("new-c.db")), "\(folder)")
    let other = dir.file("other.db")
    let different = try bothPaths(["--db", db, "history", "mobile-devices", "--db", other])
    #expect(different.status == 64)
    #expect(different.stdout.isEmpty)
    #expect(
      different.stderr
        == "policy-ledger: error: --db is given twice with different paths: '\(db)' and '\(other)'\n")
    #expect(!FileManager.default.fileExists(atPath: other))
  }

  /// `--db` or `--tz` at a command group and again at its subcommand, with different
  /// values: ArgumentParser would keep one without a word, so the import would record into
  /// another ledger (or read its times in another zone) than one of them says.
  @Test func dbOrTzGivenTwiceAtAGroupAndItsSubcommandIsAUsageError() throws {
    let csv = dir.file("versions.csv")
    #expect(try run(["export", "versions", "--output", csv]).status == 0)
    let (a, b) = (dir.file("a.db"), dir.file("b.db"))
    let twice = try CLI.run(["import", "--db", a, "versions", csv, "--db", b])
    #expect(twice.status == 64 && twice.stdout.isEmpty)
    #expect(twice.stderr == "policy-ledger: error: --db is given twice with different paths: '\(a)' and '\(b)'\n")
    let zones = try CLI.run(["import", "--tz", "America/Los_Angeles", "versions", csv, "--db", a, "--tz", "UTC"])
    #expect(zones.status == 64)
    #expect(zones.stderr == "policy-ledger: error: --tz is given twice with different zones: 'America/Los_Angeles' and 'UTC'\n")
    let offsets = try CLI.run(["history", "mobile-devices", "--tz", "-07:00", "--db", db, "--tz=+02:00"])
    #expect(offsets.status == 64 && offsets.stderr.contains("'-07:00' and '+02:00'"), "\(offsets)")
    #expect(!LedgerFiles.exists(a) && !LedgerFiles.exists(b))
    // The same value twice is no conflict.
    let same = try CLI.run(["import", "--db", a, "versions", csv, "--db", a, "--tz", "UTC", "--tz=UTC"])
    #expect(same.status == 0, "\(same)")
  }

  /// `import --all DIR KIND FILE`: one of the two, as `export` has it; nothing recorded.
  @Test func importAllWithAKindIsAUsageError() throws {
    let folder = dir.file("copy")
    #expect(try run(["export", "--all", folder]).status == 0)
    let target = dir.file("new.db")
    for arguments in [
      ["import", "--all", folder, "versions", folder + "/versions.csv", "--db", target],
      ["import", "versions", folder + "/versions.csv", "--all", folder, "--db", target],
    ] {
      let result = try CLI.run(arguments)
      #expect(result.status == 64, "\(arguments): \(result)")
      #expect(result.stderr.hasPrefix("Error: Give exactly one of KIND and --all DIR."), "\(result.stderr)")
      #expect(!LedgerFiles.exists(target))
    }
    #expect(try CLI.run(["import", "--all", folder, "--db", target]).status == 0)
  }

  // MARK: 2. Time zones

  @Test func aNegativeOffsetIsAcceptedAsASeparateArgument() throws {
    // 05:00 at -07:00 is 12:00Z: before the 08:00 -07:00 notice, as known then.
    let at = ["in-force", "mobile-devices", "--at", "2020-07-10T09:00:00", "--as-known-at", "2020-07-10T09:00:00"]
    let separate = try bothPaths(at + ["--tz", "-07:00", "--format", "csv", "--db", db])
    #expect(separate.status == 0, "\(separate.stderr)")
    #expect(separate.lines.count == 2)
    #expect(separate.lines[1].hasPrefix("mobile-devices,2,Mobile devices that access company email,2020-07-10T08:00:00-07:00,"))
    let attached = try CLI.run(at + ["--tz=-07:00", "--format", "csv", "--db", db])
    #expect(attached.stdout == separate.stdout)
    let compact = try CLI.run(at + ["--tz", "-0700", "--format", "csv", "--db", db])
    #expect(compact.stdout == separate.stdout)
    let history = try bothPaths(["history", "mobile-devices", "--tz", "-07:00", "--format", "csv", "--db", db])
    #expect(history.lines[1].contains("2020-01-01T01:00:00-07:00"))
  }

  /// A count given a negative number is named by the command's own check (exit 64), where
  /// the parser had said "Missing value for '--limit'", reading -1 as an option.
  @Test func aNegativeCountIsNamedNotReadAsAnOption() throws {
    for (arguments, message) in [
      (["timeline", "--policy", "mobile-devices", "--limit", "-1"], "Error: --limit must be 0 or more, not -1.\n"),
      (["diff", "mobile-devices@1", "mobile-devices@2", "--context", "-2"], "Error: --context must be 0 or more.\n"),
      (["report", "--outstanding-limit", "-1", "--output", "-"], "Error: --outstanding-limit must be 0 or more.\n"),
      (["prove", "--seq", "-1", "--checkpoint", "cp"], "Error: --seq must be 1 or more (entries are numbered from 1), not -1.\n"),
    ] {
      let result = try CLI.run(arguments + ["--db", db])
      #expect(result.status == 64, "\(arguments)")
      #expect(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
  }

  @Test func theEnvironmentSetsTheZoneWhenTzIsAbsent() throws {
    let environment = ["POLICY_LEDGER_TZ": "America/Los_Angeles"]
    let fromEnvironment = try bothPaths(
      ["timeline", "--employee", "E1001", "--from", "2020-07-10T08:00:00", "--format", "csv", "--db", db],
      environment: environment)
    #expect(fromEnvironment.status == 0)
    #expect(fromEnvironment.lines.dropFirst().map { String($0.prefix(25)) } == ["2020-07-10T08:00:00-07:00", "2020-07-10T14:00:00-07:00"])
    // --tz wins over the environment.
    let overridden = try CLI.run(
      ["timeline", "--employee", "E1001", "--tz", "UTC", "--format", "csv", "--db", db], environment: environment)
    #expect(overridden.lines[1].hasPrefix("2020-07-10T15:00:00Z,"))
  }

  @Test func anInvalidZoneInTheEnvironmentIsAOneLineErrorNamingTheVariable() throws {
    let result = try bothPaths(["history", "mobile-devices", "--db", db], environment: ["POLICY_LEDGER_TZ": "Pacific"])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("policy-ledger: error: invalid $POLICY_LEDGER_TZ: unknown time zone 'Pacific'"))
    #expect(result.stderr.filter { $0 == "\n" }.count == 1)
  }

  /// A misspelt zone names the option (or the variable) and the nearest zone names.
  @Test func aMisspeltZoneNamesTheOptionAndTheNearestZones() throws {
    let hint = "(expected an IANA name such as America/Los_Angeles, UTC, Z, or an offset such as +05:30 or -07:00)"
    let option = try bothPaths(["history", "mobile-devices", "--tz", "America/Los_Angles", "--db", db])
    #expect(option.isOneLineError)
    #expect(
      option.stderr
        == "policy-ledger: error: invalid --tz: unknown time zone 'America/Los_Angles' \(hint); did you mean 'America/Los_Angeles'?\n")
    let variable = try bothPaths(["history", "mobile-devices", "--db", db], environment: ["POLICY_LEDGER_TZ": "europe/london"])
    #expect(
      variable.stderr
        == "policy-ledger: error: invalid $POLICY_LEDGER_TZ: unknown time zone 'europe/london' \(hint); did you mean 'Europe/London'?\n")
    // Nothing near: no suggestion; an abbreviation is not a misspelt name.
    let far = try bothPaths(["history", "mobile-devices", "--tz", "PST", "--db", db])
    #expect(far.stderr == "policy-ledger: error: invalid --tz: unknown time zone 'PST' \(hint)\n")
  }

  @Test func aBareDateAsTheUpperEndIncludesThatWholeDay() throws {
    // E1001's notice (15:00Z) and retraction (21:00Z) are both on 2020-07-10.
    let day = try bothPaths(
      ["timeline", "--employee", "E1001", "--from", "2020-07-10", "--to", "2020-07-10", "--format", "csv", "--db", db])
    #expect(day.status == 0)
    #expect(day.lines.dropFirst().map { $0.split(separator: ",")[2] } == ["N-2020-07-10-0800", "R-2020-07-10-1400"])
    // In Pacific time the day ends at 07:00Z on the 11th; the day before holds nothing.
    let pacific = try CLI.run([
      "timeline", "--employee", "E1001", "--to", "2020-07-09", "--tz", "America/Los_Angeles", "--format", "csv",
      "--db", db,
    ])
    #expect(pacific.lines.count == 1)
    // A time with the date is still an inclusive instant.
    let instant = try CLI.run([
      "timeline", "--employee", "E1001", "--to", "2020-07-10T15:00:00Z", "--format", "csv", "--db", db,
    ])
    #expect(instant.lines.count == 2)
  }

  /// A bare date as `--to` ends where the next day begins, also when the clocks skip that
  /// day's 00:00 (São Paulo, 2018-11-04: 23:59:59-03:00, then 01:00:00-02:00). The day typed
  /// is valid; the range had been refused, quoting the next day's date, which no one typed.
  @Test func aBareDateAsTheUpperEndEndsWhereTheNextDayBeginsWhenItsMidnightIsSkipped() throws {
    let dir = try TemporaryDirectory()
    let ledger = dir.file("sp.db")
    for (subject, at) in [("late", "2018-11-03T23:59:59.999999-03:00"), ("first", "2018-11-04T01:00:00-02:00")] {
      let sent = try CLI.run(["notice", "send", "--subject", subject, "--body", "b", "--sent-at", at, "--sender", "hr", "--to", "E1", "--db", ledger])
      try #require(sent.status == 0, "\(sent.stderr)")
    }
    let subjects = { (result: CLIResult) in result.lines.dropFirst().map { $0.split(separator: ",")[2] } }
    let day = try bothPaths(["notices", "--from", "2018-11-03", "--to", "2018-11-03", "--tz", "America/Sao_Paulo", "--format", "csv", "--db", ledger])
    #expect(day.status == 0, "\(day.stderr)")
    #expect(subjects(day) == ["late"])
    let timeline = try bothPaths(["timeline", "--employee", "E1", "--to", "2018-11-03", "--tz", "America/Sao_Paulo", "--format", "csv", "--db", ledger])
    #expect(timeline.lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[5] } == ["late"])
    // The day without 00:00 itself, as a bare date, is refused at either end, as any time
    // that does not exist is, quoting what was typed.
    let before = LedgerFiles.sha256(ledger)
    let next = try bothPaths(["notices", "--to", "2018-11-04", "--tz", "America/Sao_Paulo", "--format", "csv", "--db", ledger])
    #expect(next.status == 2)
    #expect(next.stdout.isEmpty)
    #expect(next.stderr == "policy-ledger: error: invalid --to '2018-11-04': 00:00 does not exist in America/Sao_Paulo on 2018-11-04 (clocks moved forward)\n")
    #expect(LedgerFiles.sha256(ledger) == before)
  }

  /// The last day a ledger can hold has no next day to read: as `--to` it ends with its
  /// last microsecond in the zone, and west of UTC, where that is past 9999 in UTC, with
  /// the last instant a ledger can print.
  @Test func theLastDayAsTheUpperEndEndsWithItsLastInstantInTheZone() throws {
    let dir = try TemporaryDirectory()
    let ledger = dir.file("last.db")
    for (subject, at) in [("evening", "9999-12-31T18:59:59.999999Z"), ("late", "9999-12-31T20:00:00Z"), ("last", "9999-12-31T23:59:59.999999Z")] {
      let sent = try CLI.run(["notice", "send", "--subject", subject, "--body", "b", "--sent-at", at, "--sender", "hr", "--to", "E1", "--db", ledger])
      try #require(sent.status == 0, "\(sent.stderr)")
    }
    func subjects(_ tz: String) throws -> [Substring] {
      let result = try bothPaths(["notices", "--to", "9999-12-31", "--tz", tz, "--format", "csv", "--db", ledger])
      #expect(result.status == 0, "\(result.stderr)")
      return result.lines.dropFirst().map { $0.split(separator: ",")[2] }
    }
    // East of UTC the day ends at 18:59:59.999999Z; the two later are the next local day.
    #expect(try subjects("+05:00") == ["evening"])
    #expect(try subjects("UTC") == ["evening", "late", "last"])
    #expect(try subjects("-05:00") == ["evening", "late", "last"])
  }

  /// A `--to` before `--from` holds nothing; the queries refuse it as `report` does
  /// (ReportCLITests), quoting both as typed (not a bare date's end), rather than answering an empty table
  /// that reads as "nothing happened". Equal ends are a range of one instant.
  @Test(arguments: [
    ["timeline", "--employee", "E1001"], ["timeline", "--policy", "mobile-devices"], ["notices"],
    ["notices", "--policy", "mobile-devices"],
  ])
  func aReversedRangeIsRefused(_ command: [String]) throws {
    let before = LedgerFiles.sha256(db)
    let reversed = try bothPaths(command + ["--from", "2020-07-11", "--to", "2020-07-10", "--tz", "America/Los_Angeles", "--db", db])
    #expect(reversed.status == 2)
    #expect(reversed.stdout.isEmpty)
    #expect(reversed.stderr == "policy-ledger: error: invalid --to '2020-07-10': it is before --from '2020-07-11'\n")
    let instants = try bothPaths(command + ["--from=2020-07-10T08:00:01-07:00", "--to", "2020-07-10T15:00:00Z", "--db", db])
    #expect(instants.stderr == "policy-ledger: error: invalid --to '2020-07-10T15:00:00Z': it is before --from '2020-07-10T08:00:01-07:00'\n")
    #expect(instants.status == 2)
    // One instant, the notice's sent_at, is a range that holds the notice.
    let one = try bothPaths(command + ["--from", "2020-07-10T08:00:00-07:00", "--to", "2020-07-10T15:00:00Z", "--db", db])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout.contains("N-2020-07-10-0800"))
    #expect(LedgerFiles.sha256(db) == before)
  }

  // MARK: 3. JSON types

  @Test func jsonHasBooleansNumbersArraysAndNulls() throws {
    let corrections = try CLI.run(["export", "corrections", "--format", "json", "--db", db])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(corrections.stdout.utf8)) as? [[String: Any]])
    #expect(corrections.stdout.contains("\"void_version\":true"))
    #expect(corrections.stdout.contains("\"recipient_count\":3"))
    #expect(rows[0]["effective_from"] is NSNull)
    let history = try bothPaths(["history", "mobile-devices", "--format", "jsonl", "--db", db])
    #expect(history.lines[0].hasSuffix("\"status\":\"in_force\",\"corrected_by\":[],\"applies_to\":[\"all\"]}"))
    #expect(history.lines[1].hasSuffix("\"status\":\"void\",\"corrected_by\":[\"R-2020-07-10-1400\"],\"applies_to\":[\"all\"]}"))
    #expect(history.lines[1].contains("\"version\":2,"))
    let notices = try CLI.run(["export", "notices", "--format", "jsonl", "--db", db])
    #expect(notices.stdout.contains("\"announces\":[\"mobile-devices@2\"]"))
    // CSV stays flat.
    let csv = try CLI.run(["export", "corrections", "--db", db])
    #expect(csv.lines[1].contains(",true,"))
  }

  // MARK: 4. TSV and --no-headers

  @Test func tsvAndNoHeadersWorkForEveryQueryAndExport() throws {
    let commands: [[String]] = [
      ["in-force", "--at", "now"], ["history", "mobile-devices"], ["show", "mobile-devices@1"],
      ["timeline", "--employee", "E1001"], ["recipients", "N-2020-07-10-0800"], ["outstanding"], ["export", "versions"],
    ]
    for command in commands {
      let tsv = try bothPaths(command + ["--format", "tsv", "--db", db])
      let csv = try CLI.run(command + ["--format", "csv", "--db", db])
      #expect(tsv.status == 0, "\(command): \(tsv.stderr)")
      #expect(tsv.lines.first == csv.lines.first?.replacingOccurrences(of: ",", with: "\t"), "\(command)")
      let bare = try bothPaths(command + ["--format", "tsv", "--no-headers", "--db", db])
      #expect(bare.lines == Array(tsv.lines.dropFirst()), "\(command)")
      let bareCSV = try CLI.run(command + ["--format", "csv", "--no-headers", "--db", db])
      #expect(bareCSV.lines == Array(csv.lines.dropFirst()), "\(command)")
    }
    let table = try bothPaths(["history", "mobile-devices", "--no-headers", "--db", db])
    #expect(table.lines.count == 2)
    #expect(table.lines[0].hasPrefix("mobile-devices  1  "))
  }

  @Test func tsvEscapesTabsAndLineBreaksInFields() throws {
    let export = try CLI.run(["export", "versions", "--format", "tsv", "--db", db])
    // Each body ends in a line break: written as \n, so each row stays one line.
    #expect(export.lines.count == 3)
    #expect(export.lines[1].contains("restriction on apps.\\n\t"))
    #expect(export.lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 11 })
  }

  @Test func noHeadersDoesNotGoWithAManifest() throws {
    let result = try CLI.run([
      "export", "versions", "--no-headers", "--manifest", dir.file("m"), "--output", dir.file("v.csv"), "--db", db,
    ])
    #expect(result.status == 64)
    #expect(!FileManager.default.fileExists(atPath: dir.file("v.csv")))
  }

  // MARK: 5. timeline --limit --reverse

  @Test func timelineLimitAndReverseReadLikeGitLog() throws {
    let all = try bothPaths(["timeline", "--employee", "E1001", "--format", "csv", "--no-headers", "--db", db])
    #expect(all.lines.count >= 2)
    let first = try bothPaths(["timeline", "--employee", "E1001", "--limit", "1", "--format", "csv", "--no-headers", "--db", db])
    #expect(first.lines == [all.lines[0]])
    let reversed = try bothPaths(["timeline", "--employee", "E1001", "--reverse", "--format", "csv", "--no-headers", "--db", db])
    #expect(reversed.lines == all.lines.reversed())
    let latest = try bothPaths([
      "timeline", "--employee", "E1001", "--reverse", "--limit", "1", "--format", "csv", "--no-headers", "--db", db,
    ])
    #expect(latest.lines == [all.lines.last!])
    let none = try CLI.run(["timeline", "--employee", "E1001", "--limit", "0", "--format", "csv", "--db", db])
    #expect(none.lines.count == 1)
    let negative = try CLI.run(["timeline", "--employee", "E1001", "--limit=-2", "--db", db])
    #expect(negative.status == 64)
    #expect(negative.stdout.isEmpty)
    #expect(negative.stderr.contains("--limit must be 0 or more, not -2."))
  }

  // MARK: 6. in-force --with-body

  @Test func inForceWithBodyAddsTheTextAsALastColumn() throws {
    let args = ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--with-body", "--db", db]
    let csv = try bothPaths(args + ["--format", "csv"])
    #expect(csv.lines.first == "policy,version,title,effective_from,effective_until,announced_at,body_sha256,body")
    #expect(csv.stdout.hasSuffix(",\"Any phone that accesses company email must use a passcode. There is no restriction on apps.\n\"\n"))
    let json = try bothPaths(args + ["--format", "json"])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(rows[0]["body"] as? String == "Any phone that accesses company email must use a passcode. There is no restriction on apps.\n")
    let table = try bothPaths(args)
    #expect(table.lines[0].hasSuffix("  body"))
    #expect(table.lines[2].hasSuffix("Any phone that accesses company email must use a passcode. …"))
    let without = try CLI.run(["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00Z", "--format", "csv", "--db", db])
    #expect(!without.lines[0].hasSuffix(",body"))
  }
}

extension ConventionsCLITests {
  @Test func aReportDrawnInTheEnvironmentsZoneNamesItInItsCommand() throws {
    let output = dir.file("report.html")
    let result = try CLI.run(
      ["report", "--output", output, "--db", db], environment: ["POLICY_LEDGER_TZ": "America/Los_Angeles"])
    #expect(result.status == 0, "\(result.stderr)")
    let html = try String(contentsOfFile: output, encoding: .utf8)
    let command = html.firstMatch(of: /<th scope="row">Reproduce<\/th><td><code class="command">(.*?)<\/code>/).map { String($0.1) }
    #expect(command?.replacingOccurrences(of: "<span>", with: "").replacingOccurrences(of: "</span>", with: "").contains("--tz America/Los_Angeles") == true)
  }

  /// A bad `$POLICY_LEDGER_ACTOR` is named as the variable, not as a `--by` nobody gave;
  /// `--by` given wins over it.
  @Test func aBadActorVariableIsNamedAsTheVariable() throws {
    let before = LedgerFiles.sha256(db)
    for command in [
      ["policy", "add", "a", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"],
      ["import", "versions", "-"],
    ] {
      let result = try CLI.run(command + ["--db", db], stdin: "policy,title,body,effective_from\nq,T,B,2021-01-01\n",
        environment: ["POLICY_LEDGER_ACTOR": "bob "])
      #expect(result.status == 2, "\(command)")
      #expect(result.stderr == "policy-ledger: error: invalid $POLICY_LEDGER_ACTOR 'bob ': leading or trailing space is not allowed\n")
    }
    #expect(LedgerFiles.sha256(db) == before)
    let dir = try TemporaryDirectory()
    let given = try CLI.run(
      ["policy", "add", "a", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--by", "hr", "--db", dir.file("l.db")],
      environment: ["POLICY_LEDGER_ACTOR": "bob "])
    #expect(given.status == 0, "\(given.stderr)")
  }
}

