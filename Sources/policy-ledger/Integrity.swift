import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract: "Recompute the hash chain and every table from the journal; exit 0 only if all match.",
      discussion: """
        On a mismatch it names the first bad entry and exits 1, as it does for a file too \
        damaged to read; an error that keeps it from checking (no ledger, a file that is not a \
        ledger) exits 2. --expect SEQ:HASH (as 'head' printed it earlier) also proves the ledger \
        still begins with that history, so entries dropped from the end are caught. --checkpoint \
        FILE (as 'checkpoint' printed it earlier) proves, by an RFC 9162 consistency proof, that \
        the ledger is that checkpoint's tree with entries appended and nothing else changed. \
        --format prints the verdict as one record instead of the line (verified, entries, head, \
        checkpoint_size, failed_entry, problem), a mismatch's too, whose line still goes to \
        stderr.

          policy-ledger verify --expect 4:9f2c…
          policy-ledger verify --checkpoint 2024-06.checkpoint --public-key hr.key.pub
        """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "A head printed earlier (SEQ:HASH) that the ledger must still contain.") var expect: String?
    @Option(help: "A checkpoint printed earlier that the ledger must extend.", completion: .file()) var checkpoint: String?
    @Option(help: "The public key (FILE.pub) that must have signed --checkpoint.", completion: .file()) var publicKey: String?
    @Option(help: "Print the verdict as one record in this format: table, csv, tsv, json or jsonl (default: the line 'ok: …').")
    var format: OutputFormat?

    /// How many times a ledger read without SQLite's locks that changed meanwhile is
    /// verified before the change is reported (``LedgerSettings/changedWhileRead()``).
    static let attemptsWithoutLocks = 5

    func validate() throws {
      if publicKey != nil && checkpoint == nil { throw ValidationError("--public-key goes with --checkpoint.") }
    }

    func run() throws {
      var checked: VerifyResult?
      var checkpointSize: Int64?
      do {
        try check(&checked, &checkpointSize)
      } catch let mismatch as Mismatch {
        if let format {
          do {
            try OutputSettings(format: format, excelSafe: false).write(record: verdict(checked, checkpointSize, mismatch: mismatch))
          } catch {
            // An output that fails is an error (exit 2), and its message keeps the verdict.
            throw LedgerError("\(mismatch), but \(failureAfterTheFact(error))")
          }
        }
        throw mismatch
      }
    }

    /// Verifies, setting `checked` once the ledger was read and `checkpointSize` once
    /// `--checkpoint` was; a mismatch is thrown.
    private func check(_ checked: inout VerifyResult?, _ checkpointSize: inout Int64?) throws {
      let expected = try expect.map { try VerifyResult.Head.parse($0, field: "--expect") }
      // The checkpoint is read, and its signature checked, before the ledger is opened.
      let earlier = try checkpoint.map { try SignedCheckpoint(file: $0, field: "--checkpoint") }
      checkpointSize = earlier?.checkpoint.size
      if let earlier, let publicKey {
        do {
          try earlier.note.verify(try NoteVerifierKey(file: publicKey, field: "--public-key"))
        } catch let error as LedgerError where !error.description.hasPrefix("invalid --public-key") {
          // Not signed by that key: the checkpoint is not as claimed, a verdict.
          throw Mismatch("invalid --checkpoint '\(checkpoint!)': \(error)")
        }
      }
      let progress = Progress(label: "verify")
      // Read without SQLite's locks (a folder this user cannot write) while another process
      // recorded, a verdict, or a "damaged" refusal, is of no one state of the file: it is
      // taken again, a few times, before the change is reported (exit status 2, when the
      // command ends). Once a reading saw one state, a later change is after its reads.
      var outcome: Result<VerifyResult, any Error>
      var attempts = 0
      repeat {
        attempts += 1
        outcome = Result { try ledger.openForQuery().verify(expect: expected, checkpoint: earlier) { progress($0) } }
      } while LedgerSettings.changedWhileRead() != nil && attempts < Self.attemptsWithoutLocks
      if LedgerSettings.changedWhileRead() == nil { LedgerSettings.readWithoutLocks = nil }
      let result: VerifyResult
      do {
        result = try outcome.get()
      } catch let error as LedgerError where error.code == .damaged {
        // A file too damaged to open or read is checked and found wrong, not an error of use.
        throw Mismatch(error.description)
      }
      progress.finish()
      checked = result
      if let failure = result.failure { throw Mismatch("verify failed: \(failure)") }
      if let format {
        try OutputSettings(format: format, excelSafe: false).write(record: verdict(result, checkpointSize, mismatch: nil))
      } else {
        var line = "ok: \(result.entries) entries verified; head \(result.head ?? .empty)"
        if let earlier { line += "; extends \(earlier.summary)" }
        try printLine(line)
      }
      // As check-export says it: a signature that nobody checked proves nothing, and a
      // checkpoint's worth is its signature.
      if let earlier, publicKey == nil { warnUnchecked(earlier.note, "checkpoint") }
    }

    /// The verdict as one record (`--format`): what the line says, in columns a script
    /// reads. `entries` and `head` are those of a ledger that verified, null otherwise (a
    /// failed check stops at its first problem, so its count and last entry would be of
    /// the part read, not of the ledger); `checkpoint_size` is null without `--checkpoint`;
    /// `failed_entry` when the problem belongs to no one entry; `problem` is the stderr
    /// line, without `policy-ledger: error: `, escaped as it is.
    private func verdict(_ result: VerifyResult?, _ checkpointSize: Int64?, mismatch: Mismatch?) -> EntryRecord {
      let verified = mismatch == nil ? result : nil
      return EntryRecord(
        columns: ["verified", "entries", "head", "checkpoint_size", "failed_entry", "problem"],
        values: [
          .boolean(mismatch == nil), verified.map { .integer($0.entries) } ?? .null,
          verified.map { .text(($0.head ?? .empty).description) } ?? .null, checkpointSize.map { .integer($0) } ?? .null,
          result?.failure?.seq.map { .integer($0) } ?? .null,
          mismatch.map { .text(PolicyLedgerCommand.shown(own: $0.description)) } ?? .null,
        ])
    }
  }

  struct Head: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "head",
      abstract: "Print the last entry's sequence number and hash as SEQ:HASH.",
      discussion: "Keep it somewhere safe; 'verify --expect SEQ:HASH' later proves nothing before it changed.")

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "Print the head as one record (seq, entry_hash, head) in this format: table, csv, tsv, json or jsonl (default: SEQ:HASH).")
    var format: OutputFormat?

    var values: Values { Values(ledger: ledger.settings, format: format) }
    func validate() throws { try values.validate() }
    func run() throws { try values.run() }

    /// The arguments as plain data, which the fast path builds without ArgumentParser.
    struct Values: QuickValues {
      var ledger: LedgerSettings
      var format: OutputFormat?

      func run() throws {
        let head = try ledger.openForQuery().head() ?? .empty
        if let format {
          try OutputSettings(format: format, excelSafe: false).write(record: head.record)
        } else {
          try printLine(head.description)
        }
      }
    }
  }
}

/// The fast path's table for `Head` (QuickCommandLine.swift), beside the command it mirrors.
extension PolicyLedgerCommand.Head.Values {
  static let quickSyntax = QuickSyntax(options: ["--format"]).with(LedgerSettings.quickSyntax)

  init?(quick arguments: inout QuickArguments) {
    guard let format = arguments.format() else { return nil }
    self.init(ledger: LedgerSettings(quick: &arguments), format: format)
  }
}

extension PolicyLedgerCommand {
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
