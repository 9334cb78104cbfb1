import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract: "Recompute the hash chain and every table from the journal; exit 0 only if all match.",
      discussion: """
        On failure it names the first bad entry and exits 1. --expect SEQ:HASH (as 'head'
        printed it earlier) also proves the ledger still begins with that history, so
        entries dropped from the end are caught.

          policy-ledger verify --expect 4:9f2c…
        """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "A head printed earlier (SEQ:HASH) that the ledger must still contain.") var expect: String?

    func run() throws {
      let expected = try expect.map { try VerifyResult.Head.parse($0, field: "--expect") }
      let progress = Progress(label: "verify")
      let result = try ledger.openForQuery().verify(expect: expected) { progress($0) }
      progress.finish()
      if let failure = result.failure { PolicyLedgerCommand.fail("verify failed: \(failure)") }
      try printLine("ok: \(result.entries) entries verified; head \(result.head?.description ?? "0:" + String(repeating: "0", count: 64))")
    }
  }

  struct Head: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "head",
      abstract: "Print the last entry's sequence number and hash as SEQ:HASH.",
      discussion: "  Keep it somewhere safe; 'verify --expect SEQ:HASH' later proves nothing before it changed.")

    @OptionGroup var ledger: LedgerOptions

    func run() throws {
      let head = try ledger.openForQuery().head()
      try printLine(head?.description ?? "0:" + String(repeating: "0", count: 64))
    }
  }

  struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "migrate",
      abstract: "Apply pending schema migrations to a ledger (recording commands do this too).")

    @OptionGroup var ledger: LedgerOptions

    func run() throws {
      try requireExistingLedger(ledger)
      _ = try ledger.openForRecording()
    }
  }
}
