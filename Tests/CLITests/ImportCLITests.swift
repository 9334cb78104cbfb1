import Foundation
import Testing

struct ImportCLITests {
  @Test func anExportImportedIntoANewLedgerGivesTheSameAnswers() throws {
    let dir = try TemporaryDirectory()
    let old = dir.file("old.db"), new = dir.file("new.db")
    #expect(try CLI.run(["demo", "--db", old]).status == 0)
    // An amendment sent to nobody, so that the corrections file has two rows.
    let amend = try CLI.run([
      "correct", "amend", "--db", old, "--version", "mobile-devices@1", "--id", "A1", "--issued-at", "2020-08-01",
      "--effective-until", "2021-01-01", "--reason", "sunset", "--statement", "Version 1 ends with 2020.", "--no-recipients",
    ])
    #expect(amend.stdout == "A1\n", "stderr: \(amend.stderr)")
    for kind in ["versions", "notices", "recipients", "corrections", "acks"] {
      // Times in Pacific with offsets: import reads the offsets whatever its --tz.
      let export = try CLI.run(["export", kind, "--db", old, "--tz", "America/Los_Angeles", "--output", dir.file("\(kind).csv")])
      #expect(export.status == 0, "stderr: \(export.stderr)")
    }
    let recipients = dir.file("recipients.csv")
    let steps: [([String], String)] = [
      (["versions", dir.file("versions.csv")], "imported 2 versions\n"),
      (
        ["notices", dir.file("notices.csv"), "--recipients", recipients],
        "imported 2 notices with 5 recipients from \(recipients)\n"
          + "skipped 4 rows of \(recipients) that name no notice of \(dir.file("notices.csv")) (the recipients of corrections, or of entries not imported)\n"
      ),
      (
        ["corrections", dir.file("corrections.csv"), "--recipients", recipients],
        "imported 2 corrections with 4 recipients from \(recipients), and 1 resend of them\n"
          + "skipped 5 rows of \(recipients) that name no correction of \(dir.file("corrections.csv")) (the recipients of notices, or of entries not imported)\n"
      ),
      (["acks", dir.file("acks.csv")], "imported 1 ack\n"),
    ]
    for (arguments, summary) in steps {
      let result = try CLI.run(["import"] + arguments + ["--db", new])
      #expect(result.status == 0)
      #expect(result.stdout == "")
      #expect(result.stderr == summary)
    }
    #expect(try CLI.run(["verify", "--db", new]).stdout.hasPrefix("ok: 8 entries verified"))

    let questions: [[String]] = [
      ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00-07:00"],
      ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00-07:00", "--as-known-at", "2020-07-10T12:00:00-07:00"],
      ["in-force", "mobile-devices", "--at", "2020-07-10T15:00:00-07:00", "--as-told-to", "E1004"],
      ["in-force", "mobile-devices", "--at", "2020-12-01"],
      ["in-force", "--at", "2020-07-10T12:00:00-07:00", "--as-known-at", "2020-07-10T09:00:00-07:00"],
      ["history", "mobile-devices", "--at", "2020-12-31"],
      ["timeline", "--employee", "E1001"],
      ["outstanding", "--as-known-at", "2020-07-10T15:00:00-07:00"],
      ["recipients", "R-2020-07-10-1400"],
      ["recipients", "N-2020-07-10-0800"],
    ]
    for question in questions {
      let before = try CLI.run(question + ["--db", old, "--format", "csv"])
      let after = try CLI.run(question + ["--db", new, "--format", "csv"])
      #expect(before.status == 0 && after.status == 0)
      #expect(before.stdout == after.stdout, "\(question)")
      #expect(before.stdout.split(separator: "\n").count > 1, "\(question)")
    }
  }

  @Test func aBadRowNamesTheFileLineColumnAndValueAndRecordsNothing() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    #expect(try CLI.run(["demo", "--db", db]).status == 0)
    let head = try CLI.run(["head", "--db", db]).stdout
    let notices = try dir.write(
      "notices.csv",
      "id,subject,body,sent_at,sender\nN1,Hello,\"Line one,\nline two\",2020-12-01,hr\nN2,Hello,Body,2020-13-01,hr\nN3,Hello,Body,2020-12-03,hr\n")
    let recipients = try dir.write("recipients.csv", "notice,employee\nN1,E1\nN2,E1\nN3,E1\n")
    let result = try CLI.run(["import", "notices", notices, "--recipients", recipients, "--db", db])
    #expect(result.status == 2)
    #expect(result.stdout == "")
    #expect(result.stderr == "policy-ledger: error: \(notices) line 4: invalid sent_at '2020-13-01': month 13 is out of range (01-12)\n")
    #expect(try CLI.run(["head", "--db", db]).stdout == head)
    #expect(try CLI.run(["verify", "--db", db]).status == 0)
  }

  /// Standard input is read once: `-` for both the file and --recipients is a usage error
  /// (the second read had found it empty: "empty file: expected a header"), and no ledger
  /// file is made.
  @Test func standardInputForBothFilesIsAUsageError() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("new.db")
    for kind in ["notices", "corrections"] {
      let result = try CLI.run(["import", kind, "-", "--recipients", "-", "--db", db], stdin: "id,subject,body,sent_at,sender\n")
      #expect(result.status == 64)
      #expect(result.stderr.hasPrefix("Error: The file and --recipients cannot both be '-': standard input can be read only once.\n"))
      #expect(!FileManager.default.fileExists(atPath: db))
    }
  }

  @Test func anUnknownColumnIsRefusedBeforeAnyRow() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    #expect(try CLI.run(["demo", "--db", db]).status == 0)
    let head = try CLI.run(["head", "--db", db]).stdout
    let acks = try dir.write("acks.csv", "notice,employee,at,mood\nN-2020-07-10-0800,E1001,2020-07-10T16:00:00Z,happy\n")
    let result = try CLI.run(["import", "acks", acks, "--db", db])
    #expect(result.status == 2)
    #expect(result.stdout == "")
    #expect(
      result.stderr
        == "policy-ledger: error: \(acks) line 1: unknown column 'mood' (expected: notice, employee, at, by, recorded_at)\n")
    #expect(try CLI.run(["head", "--db", db]).stdout == head)
  }

  @Test func timesWithoutAnOffsetAreReadInTZ() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    let versions = try dir.write("versions.csv", "policy,title,body,effective_from\np,Title,Body,2020-07-10T08:00\n")
    let result = try CLI.run(["import", "versions", versions, "--db", db, "--tz", "America/Los_Angeles", "--by", "hr-ops"])
    #expect(result.stderr == "imported 1 version\n")
    let export = try CLI.run(["export", "versions", "--db", db])
    #expect(export.lines.count == 2)
    #expect(export.lines[1].hasPrefix("p,1,Title,Body,2020-07-10T15:00:00Z,,2020-07-10T15:00:00Z,hr-ops,"))
  }

  @Test func readsTheFileFromStandardInput() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    let result = try CLI.run(["import", "versions", "-", "--db", db], stdin: "policy,title,body,effective_from\np,T,B,2020-01-01\np,T,B,2020-02-01\n")
    #expect(result.status == 0)
    #expect(result.stderr == "imported 2 versions\n")
    let bad = try CLI.run(["import", "versions", "-", "--db", db], stdin: "policy,title,body,effective_from\np,T,B,20200301\n")
    #expect(bad.stderr == "policy-ledger: error: standard input line 2: invalid effective_from '20200301': expected a date as YYYY-MM-DD, got '20200301' (the basic format without '-' is not accepted)\n")
    #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("2:"))
  }

  @Test func correctionsAndAcksNeedAnExistingLedger() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("missing.db")
    let acks = try dir.write("acks.csv", "notice,employee,at\nN1,E1,2020-01-01\n")
    let result = try CLI.run(["import", "acks", acks, "--db", db])
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: no ledger at \(db)\n")
    #expect(!FileManager.default.fileExists(atPath: db))
  }

  /// A file that cannot be opened is refused with the option or argument that named it,
  /// as `--body-file` is: the ledger is not created, or not changed.
  @Test func aMissingFileIsNamedWithItsField() throws {
    let dir = try TemporaryDirectory()
    let (nope, folder, fresh) = (dir.file("nope.csv"), dir.path, dir.file("fresh.db"))
    let result = try CLI.run(["import", "versions", nope, "--db", fresh])
    #expect(result.status == 2 && result.stdout.isEmpty)
    #expect(result.stderr == "policy-ledger: error: invalid FILE '\(nope)': cannot open it (No such file or directory)\n")
    #expect(!LedgerFiles.exists(fresh))
    let db = dir.file("ledger.db")
    #expect(try CLI.run(["demo", "--db", db]).status == 0)
    let before = LedgerFiles.sha256(db)
    let notices = try dir.write("notices.csv", "id,subject,body,sent_at,sender,channel,announces\n")
    for (arguments, field, path) in [
      (["import", "acks", nope], "FILE", nope),
      (["import", "notices", notices, "--recipients", nope], "--recipients", nope),
      (["import", "corrections", folder], "FILE", folder),
      (
        ["notice", "send", "--subject", "S", "--body", "B", "--sent-at", "2021-01-01", "--sender", "hr", "--recipients-file", nope],
        "--recipients-file", nope
      ),
      (["notice", "resend", "N-2020-07-10-0800", "--sent-at", "2021-01-01", "--recipients-file", folder], "--recipients-file", folder),
    ] {
      let refused = try CLI.run(arguments + ["--db", db])
      let reason = path == folder ? "Is a directory" : "No such file or directory"
      #expect(refused.status == 2 && refused.stdout.isEmpty, "\(arguments): \(refused)")
      #expect(refused.stderr == "policy-ledger: error: invalid \(field) '\(path)': cannot open it (\(reason))\n", "\(arguments)")
      #expect(LedgerFiles.sha256(db) == before, "\(arguments)")
    }
  }

  @Test func eachImportHelpShowsAWorkedExample() throws {
    for (kind, example) in [
      ("versions", "policy-ledger import versions versions.csv --db new.db"),
      ("notices", "policy-ledger import notices notices.csv \\"),
      ("corrections", "policy-ledger import corrections corrections.csv \\"),
      ("acks", "policy-ledger import acks acks.csv --db new.db"),
    ] {
      let help = try CLI.run(["import", kind, "--help"])
      #expect(help.status == 0)
      #expect(help.stdout.contains(example), "\(kind)")
    }
    let root = try CLI.run(["--help"])
    #expect(root.stdout.contains("EXPORT AND IMPORT SUBCOMMANDS:\n  export"))
    #expect(root.stdout.contains("\n  import                  Record the rows of a CSV file that export wrote"))
  }
}
