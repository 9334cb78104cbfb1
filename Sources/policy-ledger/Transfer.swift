import ArgumentParser
import Foundation
import PolicyLedger

extension ExportKind: ExpressibleByArgument {}

extension PolicyLedgerCommand {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
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
    @Option(help: "The output format: csv (default), json, jsonl or table.") var format: OutputFormat = .csv
    @Flag(help: "In CSV, put a ' before values that start with = + - @ so spreadsheets do not run them (alters data).")
    var excelSafe = false
    @Argument(help: "What to export: versions, notices, recipients, corrections, acks or journal.") var kind: ExportKind
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @Option(help: "Also write a manifest of the export (rows, SHA-256, checkpoint) to this file.") var manifest: String?
    @OptionGroup var signing: SigningOptions

    func validate() throws {
      if signing.isUsed && manifest == nil { throw ValidationError("--sign-key and --origin go with --manifest.") }
    }

    func run() throws {
      let source = try ledger.openForQuery()
      // A manifest's key, origin and file are checked before anything is exported.
      let signer = try signing.signer()
      if let manifest { try ProofFile.checkWritable(manifest, field: "--manifest") }
      let origin = try manifest.map { _ in try source.establishOrigin(signing.origin) }
      let sink = try output.map { try ByteSink.create(path: $0) } ?? .standardOutput
      let progress = Progress(label: "export \(kind.rawValue)")
      let report = { (rows: Int64) in if output != nil { progress(rows) } }
      var written: SignedManifest? = nil
      if let origin {
        written = try source.export(
          kind, format: format, excelSafe: excelSafe, timeZone: try ledger.timeZone(), to: sink, origin: origin,
          signedBy: signer, progress: report)
      } else {
        try source.export(kind, to: makeRowWriter(format, sink: sink, excelSafe: excelSafe), timeZone: try ledger.timeZone(), progress: report)
      }
      progress.finish()
      if output != nil { try sink.close() } else { try sink.flush() }
      if let manifest, let written { try ProofFile.write(written.note.serialized, to: manifest, field: "--manifest") }
    }
  }
}
