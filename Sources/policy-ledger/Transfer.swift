import ArgumentParser
import Foundation
import PolicyLedger

extension ExportKind: @retroactive ExpressibleByArgument {}

extension PolicyLedgerCommand {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Write every row of one kind, streaming, in the CSV that import reads.",
      discussion: """
        Kinds: versions, notices, recipients, corrections, acks, employees, journal. Export to a new ledger \
        and back with import, and the history is the same. --all DIR writes every kind into DIR \
        (created when missing) as KIND.csv, all read at one instant, for 'import --all DIR'; \
        every file is written or none. --manifest M also writes what was exported, its row \
        count, the SHA-256 of the bytes written and the checkpoint they were read at (signed \
        with --sign-key), for 'check-export'; both are written before either replaces its \
        target.

          policy-ledger export recipients --format csv --output recipients.csv
          policy-ledger export recipients --output recipients.csv \\
              --manifest recipients.manifest --sign-key hr.key
          policy-ledger export --all copy/ --db old.db

        \(ExportKind.allCases.map { "Columns of \($0.rawValue): \($0.columns.joined(separator: ", "))." }.joined(separator: "\n\n"))
        """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The output format: csv (default), tsv, json, jsonl or table.") var format: OutputFormat = .csv
    @Flag(help: "In CSV and TSV, put a ' before values that start with = + - @ (in CSV, TAB or CR too) so spreadsheets do not run them (alters data).")
    var excelSafe = false
    @Flag(help: "Leave out the header row of csv, tsv and table output (not with --manifest).") var noHeaders = false
    @Argument(help: "What to export: versions, notices, recipients, corrections, acks, employees or journal.") var kind: ExportKind?
    @Option(
      name: .customLong("all"), help: "Write every kind into this folder instead, one CSV file each (KIND.csv).",
      completion: .directory)
    var all: String?
    @Option(help: "Write to this file instead of standard output.", completion: .file()) var output: String?
    @Option(help: "Also write a manifest of the export (rows, SHA-256, checkpoint) to this file.", completion: .file()) var manifest: String?
    @OptionGroup var signing: SigningOptions

    func validate() throws {
      if (kind == nil) == (all == nil) { throw ValidationError("Give exactly one of KIND and --all DIR.") }
      if all != nil && (output != nil || manifest != nil || signing.isUsed || format != .csv || noHeaders || excelSafe) {
        throw ValidationError(
          "--all writes the CSV that 'import --all' reads; it takes no --output, --manifest, --sign-key, --origin, --format, --no-headers or --excel-safe.")
      }
      if signing.isUsed && manifest == nil { throw ValidationError("--sign-key and --origin go with --manifest.") }
      if noHeaders && manifest != nil { throw ValidationError("--no-headers does not go with --manifest: check-export reads the header.") }
    }

    func run() throws {
      guard let kind else { return try exportAll(to: all!) }
      // Every output is checked before the ledger is read: never the ledger or its -wal,
      // -shm or -journal, never two outputs on one file (standard output included; `main`
      // has refused standard output on the ledger).
      let data = try output.map { try OutputFile($0, field: "--output", ledger: ledger.path) } ?? OutputFile.standardOutput
      let manifestFile = try manifest.map { try OutputFile($0, field: "--manifest", ledger: ledger.path) }
      try OutputFile.checkDistinct([data, manifestFile])
      try OutputFile.checkNotSigningKey([data, manifestFile], signingKey: signing.signKey)
      let source = try ledger.openForQuery()
      // A manifest's key and origin are checked before anything is exported.
      let signer = try signing.signer()
      let progress = Progress(label: "export \(kind.rawValue)")
      let report = { (rows: Int64) in if !data.isStandardOutput { progress(rows) } }
      defer { progress.finish() }
      guard let manifestFile else {
        try data.write { sink in
          try source.export(
            kind, to: makeRowWriter(format, sink: sink, excelSafe: excelSafe, headers: !noHeaders), timeZone: try ledger.timeZone(), progress: report)
        }
        return
      }
      // Two such exports into one folder take turns: the export of one and the manifest of
      // the other would not match.
      // (An export to standard output puts one file in the folder, its manifest: no turn.)
      try data.takingTurns {
        try withOrigin(of: source, signing.origin) { origin in
          // Both files are written whole first (the manifest describes the export), then
          // renamed over their targets one after the other with SIGINT and SIGTERM held: a
          // failure to write either, or a signal, leaves both new or both as they were,
          // never a manifest beside an export it does not describe. Nothing held waits on a
          // reader or the disk: both files are closed before. (An export to standard output
          // or a FIFO has gone out as it was written; only its manifest waits.)
          var exported: SignedManifest? = nil
          let writtenData = try data.prepare { sink in
            exported = try source.export(
              kind, format: format, excelSafe: excelSafe, timeZone: try ledger.timeZone(), to: sink, origin: origin,
              signedBy: signer, progress: report)
          }
          guard let manifest = exported else { preconditionFailure("an export returned without its manifest") }
          let writtenManifest = try manifestFile.prepare { sink in sink.write(manifest.note.serialized) }
          try WrittenOutput.putInPlace([writtenData, writtenManifest])
        }
      }
    }

    /// `export --all DIR`: every kind of ``WholeLedger/kinds`` into `DIR/KIND.csv`, read in
    /// one snapshot. Each file passes the checks of `--output`; the files are renamed into
    /// place only once all of them are written, and a folder this command created is
    /// removed again when anything fails.
    func exportAll(to folder: String) throws {
      let source = try ledger.openForQuery()
      let zone = try ledger.timeZone()
      var isFolder: ObjCBool = false
      var created = false
      var folderSlot: Int? = nil
      try OutputFile.checkOutputFolder(folder, field: "--all", ledger: ledger.path)
      if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
        guard isFolder.boolValue else { throw LedgerError("invalid --all '\(folder)': it is not a folder") }
      } else {
        // A signal before the files are in place removes the folder with them: it is made
        // and put in the handler's list with SIGINT and SIGTERM held, so that a signal
        // comes before it exists or after the handler knows it.
        folderSlot = try TemporaryOutputs.holdingSignals {
          guard mkdir(folder, 0o777) == 0 else {
            throw LedgerError("invalid --all '\(folder)': cannot create the folder (\(String(cString: strerror(errno))))")
          }
          created = true
          return TemporaryOutputs.register(folder: folder)
        }
      }
      defer { TemporaryOutputs.unregister(folder: folderSlot) }
      do {
        let files = try WholeLedger.kinds.map {
          ($0.kind, try OutputFile(folder + "/" + $0.fileName, field: "--all", ledger: ledger.path))
        }
        try OutputFile.checkDistinct(files.map(\.1))
        var counts: [(ExportKind, Int64)] = []
        // Every file is written whole and closed before any replaces its target: a failure
        // removes them all and leaves every file as it was. Their renames then follow one
        // another with SIGINT and SIGTERM held, so that a signal leaves every file new or
        // every file as it was, never a mix of two snapshots; nothing held waits on a
        // reader or the disk (a FIFO among the targets has had its bytes, and is closed).
        func exportEach() throws {
          var written: [WrittenOutput] = []
          for (kind, file) in files {
            written.append(
              try file.prepare { sink in
                let progress = Progress(label: "export \(kind.rawValue)")
                defer { progress.finish() }
                let rows = try source.export(
                  kind, to: makeRowWriter(.csv, sink: sink, excelSafe: false, headers: true), timeZone: zone,
                  progress: { progress($0) })
                counts.append((kind, rows))
              })
          }
          try WrittenOutput.putInPlace(written)
        }
        // Two exports into one folder take turns, each reading its snapshot in its turn:
        // their renames would otherwise interleave, leaving files of two snapshots.
        try OutputFile.takingTurns(in: folder, field: "--all '\(folder)'") { try source.snapshot { try exportEach() } }
        let summary = counts.map { WholeLedger.count($0.1, $0.0) }.joined(separator: ", ")
        StandardStreams.writeError("exported \(summary) to \(folder)\n")
      } catch {
        if created { try? FileManager.default.removeItem(atPath: folder) }
        throw error
      }
    }
  }
}

extension PolicyLedgerCommand {
  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "import",
      abstract: "Record the rows of a CSV file that export wrote, all in one transaction.",
      discussion: """
        Each import appends one entry per row (import employees: one entry for the whole file), \
        checked as the recording commands check them; a bad row names the file, the line, the column and the value, and then nothing is \
        recorded. A row's by column names who made the entry (when empty: --by). Import in this \
        order: employees, versions, notices, corrections, acks; docs/cli.md lists the columns. --all DIR \
        reads the files that 'export --all DIR' wrote, in that order, in one transaction: every \
        file is recorded or none.

          for kind in employees versions notices recipients corrections acks; do
            policy-ledger export $kind --db old.db --output $kind.csv
          done
          policy-ledger import employees employees.csv --db new.db
          policy-ledger import versions versions.csv --db new.db
          policy-ledger import notices notices.csv \\
              --recipients recipients.csv --db new.db
          policy-ledger import corrections corrections.csv \\
              --recipients recipients.csv --db new.db
          policy-ledger import acks acks.csv --db new.db

          policy-ledger export --all copy/ --db old.db
          policy-ledger import --all copy/ --db new.db
        """,
      subcommands: [Versions.self, Notices.self, Corrections.self, Acks.self, Employees.self])

    struct Employees: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "employees",
        abstract: "Record the rows of an 'export employees' file as one journal entry.",
        discussion: """
          Needs employee, at and event (join or leave); takes groups (a join's \
          groups, separated by ';'), by and recorded_at. Each row is checked as \
          'employee join' and 'employee leave' check it, in file order (a leave \
          against the ledger and the earlier rows of the file). The whole file is \
          one journal entry, employee.import, holding the rows' count and SHA-256 \
          digest; the rows are known from its one recorded_at. A file with no rows \
          records nothing.

            policy-ledger import employees employees.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @OptionGroup(visibility: .private) var folder: WholeLedgerFolder
      func validate() throws { try folder.refuseWithKind() }
      @Argument(help: "The CSV file ('-' for standard input).", completion: .file()) var file: String

      func run() throws {
        let input = try ImportFile(path: file, field: "FILE")
        try runImport(ledger, .employees, input) { target, zone, progress in
          try target.importEmployees(input, timeZone: zone, actor: who.actor, progress: progress)
        }
      }
    }

    // Declared here for --all; the subcommands' groups of the same types take these values.
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var who: ActorOptions
    @OptionGroup var folder: WholeLedgerFolder
    var all: String? { folder.all }

    /// `import --all DIR`: the files of ``WholeLedger/kinds`` in their order, in one
    /// transaction; every file is checked to exist before anything is recorded.
    func run() throws {
      guard let all else { throw ValidationError("Give a kind to import (versions, notices, corrections, acks, employees) or --all DIR.") }
      let files = WholeLedger.Files(folder: all)
      try files.check(field: "--all")
      let zone = try ledger.timeZone() ?? .utc
      let summaries = try record(ledger) { target in
        try target.batch {
          let start = try target.head()?.seq ?? 0
          let summaries = try WholeLedger.kinds.compactMap { entry -> (ImportSummary, String)? in
            guard let recordFile = entry.record, let kind = entry.imports else { return nil }
            let recipients = kind == .notices || kind == .corrections ? try files.open(.recipients) : nil
            let summary = try recordImport(target, kind, recipients: recipients, zone: zone) { ledger, zone, progress in
              try recordFile(ledger, files, zone, who.actor, progress)
            }
            return (summary, files.path(entry.kind))
          }
          // Every row of the recipients file is a notice's or a correction's: the notices
          // skipped those of the corrections, and the corrections took them all, or some
          // row named neither.
          let notices = summaries.first { $0.0.kind == .notices }!.0
          let corrections = summaries.first { $0.0.kind == .corrections }!.0
          if notices.skippedRecipientRows > corrections.recipients {
            try target.refuseUnclaimedRecipientRows(
              files.open(.recipients), recordedAfter: start, notices: files.path(.notices), corrections: files.path(.corrections))
          }
          return summaries
        }
      }
      let lines = summaries.map { summary, name in
        // The recipients file holds the recipients of both notices and corrections: that
        // each import skips the other's rows is expected, and not reported.
        importSummary(
          summary, input: name,
          recipients: summary.kind == .notices || summary.kind == .corrections ? files.path(.recipients) : nil,
          reportsSkipped: false)
      }
      reportImported(lines.joined(separator: "\n"))
    }

    struct Versions: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "Record one policy version per row of an 'export versions' file.",
        discussion: """
          Needs policy, title, body, effective_from; takes version, effective_until, \
          announced_at, by, recorded_at, body_sha256 and applies_to. version and body_sha256, when given, \
          must be what the ledger assigns; recorded_at is checked as a time, then ignored (the \
          ledger records its own).

            policy-ledger import versions versions.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @OptionGroup(visibility: .private) var folder: WholeLedgerFolder
      func validate() throws { try folder.refuseWithKind() }
      @Argument(help: "The CSV file ('-' for standard input).", completion: .file()) var file: String

      func run() throws {
        let input = try ImportFile(path: file, field: "FILE")
        try runImport(ledger, .versions, input) { target, zone, progress in
          try target.importVersions(input, timeZone: zone, actor: who.actor, progress: progress)
        }
      }
    }

    struct Notices: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Record one notice per row of an 'export notices' file, with its recipients.",
        discussion: """
          Each notice goes to the rows of the recipients file ('export recipients') whose notice \
          column is its id, in file order. That file also lists the recipients of corrections: \
          rows naming an id that is not in the notices file are skipped and counted on standard \
          error.

            policy-ledger import notices notices.csv \\
                --recipients recipients.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @OptionGroup(visibility: .private) var folder: WholeLedgerFolder
      func validate() throws {
        try folder.refuseWithKind()
        try refuseStandardInputTwice(("The file", file), ("--recipients", recipients))
      }
      @Argument(help: "The CSV file ('-' for standard input).", completion: .file()) var file: String
      @Option(help: "The recipients CSV file (notice, employee, sent_at, delivery), as 'export recipients' writes it.", completion: .file()) var recipients: String

      func run() throws {
        let input = try ImportFile(path: file, field: "FILE")
        let recipientsFile = try ImportFile(path: recipients, field: "--recipients")
        try runImport(ledger, .notices, input, recipients: recipientsFile) { target, zone, progress in
          try target.importNotices(input, recipients: recipientsFile, timeZone: zone, actor: who.actor, progress: progress)
        }
      }
    }

    struct Corrections: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "corrections",
        abstract: "Record one retraction or amendment per row of an 'export corrections' file.",
        discussion: """
          With --recipients, each correction goes to the rows of that file whose notice column \
          is its id (to nobody when there are none) and the other rows are skipped; without it, \
          each goes to its default recipients, those of the notice or version it corrects.

            policy-ledger import corrections corrections.csv \\
                --recipients recipients.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @OptionGroup(visibility: .private) var folder: WholeLedgerFolder
      func validate() throws {
        try folder.refuseWithKind()
        try refuseStandardInputTwice(("The file", file), ("--recipients", recipients))
      }
      @Argument(help: "The CSV file ('-' for standard input).", completion: .file()) var file: String
      @Option(help: "The recipients CSV file (notice, employee, sent_at, delivery), as 'export recipients' writes it.", completion: .file()) var recipients: String?

      func run() throws {
        try requireExistingLedger(ledger)
        let input = try ImportFile(path: file, field: "FILE")
        let recipientsFile = try recipients.map { try ImportFile(path: $0, field: "--recipients") }
        try runImport(ledger, .corrections, input, recipients: recipientsFile) { target, zone, progress in
          try target.importCorrections(input, recipients: recipientsFile, timeZone: zone, actor: who.actor, progress: progress)
        }
      }
    }

    struct Acks: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "acks",
        abstract: "Record one acknowledgement per row of an 'export acks' file.",
        discussion: """
          Needs notice, employee and at; takes by and recorded_at. Each employee must be a \
          recipient of the notice, acknowledge no earlier than the delivery that reached them (the \
          notice's own, or a resend), and once.

            policy-ledger import acks acks.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @OptionGroup(visibility: .private) var folder: WholeLedgerFolder
      func validate() throws { try folder.refuseWithKind() }
      @Argument(help: "The CSV file ('-' for standard input).", completion: .file()) var file: String

      func run() throws {
        try requireExistingLedger(ledger)
        let input = try ImportFile(path: file, field: "FILE")
        try runImport(ledger, .acks, input) { target, zone, progress in
          try target.importAcks(input, timeZone: zone, actor: who.actor, progress: progress)
        }
      }
    }
  }
}


/// Opens the ledger, runs one import with progress on a terminal, then says on stderr
/// what it recorded and how many rows of the recipients file it skipped. stdout stays empty.
private func runImport(
  _ options: LedgerOptions, _ kind: ImportKind, _ input: ImportFile, recipients: ImportFile? = nil,
  _ body: (Ledger, TimeZone, @escaping (ImportProgress) -> Void) throws -> ImportSummary
) throws {
  let zone = try options.timeZone() ?? .utc
  let summary = try record(options) { ledger in
    try recordImport(ledger, kind, recipients: recipients, zone: zone, body)
  }
  reportImported(importSummary(summary, input: input.name, recipients: recipients?.name))
}

/// Writes an import's summary, after its commit, to standard error. The import has
/// succeeded whether or not the summary can be written: with standard error closed, full
/// or a pipe whose reader has gone, the summary is dropped and the exit status is still 0,
/// so that a script that sees 0 knows the rows are in and does not import them again.
/// (``StandardStreams/writeError(_:)`` meets a pipe nobody reads as an error, not SIGPIPE.)
private func reportImported(_ summary: String) {
  StandardStreams.writeError(summary + "\n")
}

/// What an import says on stderr: `imported 2 notices with 7 recipients from r.csv`, and a
/// second line when rows of the recipients file named no entry of the file imported.
private func importSummary(_ summary: ImportSummary, input: String, recipients: String?, reportsSkipped: Bool = true) -> String {
  func count(_ n: Int64, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
  let kind = summary.kind
  // An employees file is one journal entry, whatever its rows: count the rows.
  // An employees file is its roster rows (joins and leaves), several per employee.
  var text = "imported \(kind == .employees ? count(summary.rows, "roster row") : count(summary.entries, kind.singular))"
  if let recipients {
    text += " with \(count(summary.recipients, "recipient")) from \(recipients)"
    if summary.resends > 0 { text += ", and \(count(summary.resends, "resend")) of them" }
    if reportsSkipped, summary.skippedRecipientRows > 0 {
      let (own, other) = kind == .notices ? ("notice", "corrections") : ("correction", "notices")
      text +=
        "\nskipped \(count(summary.skippedRecipientRows, "row")) of \(recipients) that \(summary.skippedRecipientRows == 1 ? "names" : "name") no \(own) of \(input)"
        + " (the recipients of \(other), or of entries not imported)"
    }
  }
  return text
}

/// Runs one import with progress on a terminal, in the transaction `record` opened.
private func recordImport(
  _ ledger: Ledger, _ kind: ImportKind, recipients: ImportFile?, zone: TimeZone,
  _ body: (Ledger, TimeZone, @escaping (ImportProgress) -> Void) throws -> ImportSummary
) throws -> ImportSummary {
  let loading = recipients.map { Progress(label: "import \(kind.rawValue): reading \($0.name)") }
  // Made at the first row recorded, so that its rate leaves out the reading.
  var recording: Progress? = nil
  let summary: ImportSummary
  do {
    // Clear the progress line on failure too, before main() prints the error.
    defer { (recording ?? loading)?.finish() }
    summary = try body(ledger, zone) {
      switch $0 {
      case .loading(let rows): loading?(rows)
      case .recording(let rows):
        if recording == nil {
          loading?.finish()
          recording = Progress(label: "import \(kind.rawValue): recording")
        }
        recording?(rows)
      }
    }
  }
  return summary
}

/// `import --all DIR`, in a group of its own so that the kinds' commands receive it too
/// (ArgumentParser hands a subcommand the values its parent decoded into a group of the
/// same type) and refuse it: `import --all DIR versions FILE` would otherwise import the
/// one file and drop the folder without a word.
struct WholeLedgerFolder: ParsableArguments {
  @Option(
    name: .customLong("all"), help: "Import every file that 'export --all DIR' wrote into this folder, in one transaction.",
    completion: .directory)
  var all: String?

  /// A kind's command given `--all` too: a usage error, as `export` makes it.
  func refuseWithKind() throws {
    if all != nil { throw ValidationError("Give exactly one of KIND and --all DIR.") }
  }
}
