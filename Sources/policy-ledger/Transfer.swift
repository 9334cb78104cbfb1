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
        Kinds: versions, notices, recipients, corrections, acks, journal. Export to a new
        ledger and back with import, and the history is the same. --manifest M
        also writes what was exported, its row count, the SHA-256 of the bytes
        written and the checkpoint they were read at (signed with --sign-key),
        for 'check-export'.

          policy-ledger export recipients --format csv --output recipients.csv
          policy-ledger export recipients --output recipients.csv \\
              --manifest recipients.manifest --sign-key hr.key
        """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The output format: csv (default), tsv, json, jsonl or table.") var format: OutputFormat = .csv
    @Flag(help: "In CSV, put a ' before values that start with = + - @ so spreadsheets do not run them (alters data).")
    var excelSafe = false
    @Flag(help: "Leave out the header row of csv, tsv and table output (not with --manifest).") var noHeaders = false
    @Argument(help: "What to export: versions, notices, recipients, corrections, acks or journal.") var kind: ExportKind
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @Option(help: "Also write a manifest of the export (rows, SHA-256, checkpoint) to this file.") var manifest: String?
    @OptionGroup var signing: SigningOptions

    func validate() throws {
      if signing.isUsed && manifest == nil { throw ValidationError("--sign-key and --origin go with --manifest.") }
      if noHeaders && manifest != nil { throw ValidationError("--no-headers does not go with --manifest: check-export reads the header.") }
    }

    func run() throws {
      // Every output is checked before the ledger is read: never the ledger or its -wal,
      // -shm or -journal, never two outputs on one file (standard output included).
      let data =
        try output.map { try OutputFile($0, field: "--output", ledger: ledger.path) }
        ?? OutputFile.standardOutput(ledger: ledger.path)
      let manifestFile = try manifest.map { try OutputFile($0, field: "--manifest", ledger: ledger.path) }
      try OutputFile.checkDistinct([data, manifestFile])
      try OutputFile.checkNotInputs([data, manifestFile], [("--sign-key", signing.signKey)])
      let source = try ledger.openForQuery()
      // A manifest's key and origin are checked before anything is exported.
      let signer = try signing.signer()
      let origin = try manifest.map { _ in try source.establishOrigin(signing.origin) }
      let progress = Progress(label: "export \(kind.rawValue)")
      let report = { (rows: Int64) in if !data.isStandardOutput { progress(rows) } }
      var written: SignedManifest? = nil
      defer { progress.finish() }
      try data.write { sink in
        if let origin {
          written = try source.export(
            kind, format: format, excelSafe: excelSafe, timeZone: try ledger.timeZone(), to: sink, origin: origin,
            signedBy: signer, progress: report)
        } else {
          try source.export(
            kind, to: makeRowWriter(format, sink: sink, excelSafe: excelSafe, headers: !noHeaders), timeZone: try ledger.timeZone(), progress: report)
        }
      }
      if let manifestFile, let written { try manifestFile.write(Array(written.note.serialized.utf8)) }
    }
  }
}

extension PolicyLedgerCommand {
  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "import",
      abstract: "Record the rows of a CSV file that export wrote, all in one transaction.",
      discussion: """
        Each import appends one entry per row, checked as the recording commands
        check them; a bad row names the file, the line, the column and the value,
        and then nothing is recorded. A row's by column names who made the entry
        (when empty: --by). Import in this order: versions, notices, corrections,
        acks; docs/formats.md lists the columns.

          for kind in versions notices recipients corrections acks; do
            policy-ledger export $kind --db old.db --output $kind.csv
          done
          policy-ledger import versions versions.csv --db new.db
          policy-ledger import notices notices.csv \\
              --recipients recipients.csv --db new.db
          policy-ledger import corrections corrections.csv \\
              --recipients recipients.csv --db new.db
          policy-ledger import acks acks.csv --db new.db
        """,
      subcommands: [Versions.self, Notices.self, Corrections.self, Acks.self])

    struct Versions: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "Record one policy version per row of an 'export versions' file.",
        discussion: """
          Needs policy, title, body, effective_from; takes version,
          effective_until, announced_at, by, recorded_at and body_sha256. version
          and body_sha256, when given, must be what the ledger assigns; recorded_at
          is checked as a time, then ignored (the ledger records its own).

            policy-ledger import versions versions.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Argument(help: "The CSV file ('-' for standard input).") var file: String

      func run() throws {
        let input = try ImportFile(path: file)
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
          Each notice goes to the rows of the recipients file ('export recipients')
          whose notice column is its id, in file order. That file also lists the
          recipients of corrections: rows naming an id that is not in the notices
          file are skipped and counted on standard error.

            policy-ledger import notices notices.csv \\
                --recipients recipients.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Argument(help: "The CSV file ('-' for standard input).") var file: String
      @Option(help: "The recipients CSV file (notice, employee), as 'export recipients' writes it.") var recipients: String

      func run() throws {
        let input = try ImportFile(path: file)
        let recipientsFile = try ImportFile(path: recipients)
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
          With --recipients, each correction goes to the rows of that file whose
          notice column is its id (to nobody when there are none) and the other
          rows are skipped; without it, each goes to its default recipients, those
          of the notice or version it corrects.

            policy-ledger import corrections corrections.csv \\
                --recipients recipients.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Argument(help: "The CSV file ('-' for standard input).") var file: String
      @Option(help: "The recipients CSV file (notice, employee), as 'export recipients' writes it.") var recipients: String?

      func run() throws {
        try requireExistingLedger(ledger)
        let input = try ImportFile(path: file)
        let recipientsFile = try recipients.map { try ImportFile(path: $0) }
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
          Needs notice, employee and at; takes by and recorded_at. Each employee
          must be a recipient of the notice, acknowledge no earlier than it was
          sent, and once.

            policy-ledger import acks acks.csv --db new.db
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Argument(help: "The CSV file ('-' for standard input).") var file: String

      func run() throws {
        try requireExistingLedger(ledger)
        let input = try ImportFile(path: file)
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
  func count(_ n: Int64, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
  var text = "imported \(count(summary.entries, kind.singular))"
  if let recipients {
    text += " with \(count(summary.recipients, "recipient")) from \(recipients.name)"
    if summary.skippedRecipientRows > 0 {
      let (own, other) = kind == .notices ? ("notice", "corrections") : ("correction", "notices")
      text +=
        "\nskipped \(count(summary.skippedRecipientRows, "row")) of \(recipients.name) that name no \(own) of \(input.name)"
        + " (the recipients of \(other), or of entries not imported)"
    }
  }
  FileHandle.standardError.write(Data((text + "\n").utf8))
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
