import ArgumentParser
import Foundation
import PolicyLedger

extension ExportKind: ExpressibleByArgument {}

extension PolicyLedgerCommand {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Write every row of one kind, streaming, in the CSV that import reads.",
      discussion: """
        Kinds: versions, notices, recipients, corrections, acks, journal. Export to a new
        ledger and back with import, and the history is the same.

          policy-ledger export recipients --format csv --output recipients.csv
        """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The output format: csv (default), json, jsonl or table.") var format: OutputFormat = .csv
    @Flag(help: "In CSV, put a ' before values that start with = + - @ so spreadsheets do not run them (alters data).")
    var excelSafe = false
    @Argument(help: "What to export: versions, notices, recipients, corrections, acks or journal.") var kind: ExportKind
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() throws {
      let source = try ledger.openForQuery()
      let sink = try output.map { try ByteSink.create(path: $0) } ?? .standardOutput
      let progress = Progress(label: "export \(kind.rawValue)")
      try source.export(kind, to: makeRowWriter(format, sink: sink, excelSafe: excelSafe), timeZone: try ledger.timeZone()) {
        if output != nil { progress($0) }
      }
      progress.finish()
      if output != nil { try sink.close() } else { try sink.flush() }
    }
  }
}
