import ArgumentParser
import Foundation
import PolicyLedger

/// How checkpoints, and the receipts and manifests that carry them, are named and signed.
struct SigningOptions: ParsableArguments {
  @Option(help: "Sign with this private key file (from 'policy-ledger keygen').", completion: .file())
  var signKey: String?

  @Option(help: "The ledger's origin, the first line of its checkpoints: set once, at its first checkpoint (default: generated).")
  var origin: String?

  var isUsed: Bool { signKey != nil || origin != nil }

  func signer() throws -> NoteSigningKey? { try signKey.map { try NoteSigningKey(file: $0, field: "--sign-key") } }
}

extension OutputOptions {
  func write(record: EntryRecord) throws { try settings.write(record: record) }
}

extension OutputSettings {
  /// Writes one record: `key  value` lines for `table`, else one row in the chosen format.
  func write(record: EntryRecord) throws {
    let sink = ByteSink.standardOutput
    let writer: any RowWriter = format == .table ? RecordWriter(sink: sink) : self.writer(to: sink)
    try writer.begin(columns: record.columns)
    try writer.write(record.values)
    try writer.finish()
    try sink.flush()
  }
}

extension PolicyLedgerCommand {
  struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "keygen",
      abstract: "Write a new Ed25519 key pair for signing checkpoints, receipts and manifests.",
      discussion: """
        FILE gets the private key (mode 0600: keep it secret); FILE.pub the public key, which \
        auditors and employees give to check-proof and check-export. Neither file may exist. The \
        public key is also printed. Both use the C2SP signed-note key format.

          policy-ledger keygen --name example.com/hr-policy-ledger --out hr.key
        """)

    @Option(help: "The key's name, shown in each signature (no spaces or '+', e.g. example.com/hr-policy-ledger).")
    var name: String
    @Option(help: "Where to write the private key; the public key goes to FILE.pub.", completion: .file()) var out: String

    func run() throws {
      let key = try NoteSigningKey.generate(name: name)
      try key.write(to: out)
      do {
        try printLine(key.verifier.encoded)
      } catch {
        // The files exist, and keygen never overwrites them: a second run would be refused.
        throw LedgerError("wrote the key pair '\(Identifier.printable(out))' and '\(Identifier.printable(out)).pub', but \(error)")
      }
    }
  }

  struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "checkpoint",
      abstract: "Print the ledger's current Merkle tree head as a C2SP checkpoint, signed with --sign-key.",
      discussion: """
        Three lines (origin, number of entries, base64 root hash), a blank line, and one \
        signature line with --sign-key. Keep checkpoints: 'verify --checkpoint FILE' later \
        proves the ledger only grew since, and 'prove' proves entries against them. The first \
        checkpoint fixes the ledger's origin (--origin, else a generated name). A checkpoint \
        commits its signer to the history it names: the whole ledger is verified first, as \
        'verify' does, and one that does not verify is refused.

          policy-ledger checkpoint --origin example.com/hr-policy-ledger \\
              --sign-key hr.key > 2024-06.checkpoint
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var signing: SigningOptions

    func run() throws {
      let signer = try signing.signer()
      let source = try ledger.openForQuery()
      try withOrigin(of: source, signing.origin) { origin in
        let checkpoint = try source.checkpoint(origin: origin, signedBy: signer)
        ByteSink.standardOutput.write(checkpoint.note.serialized)
        try ByteSink.standardOutput.flush()
      }
    }
  }

  struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "prove",
      abstract: "Print the proof that an entry is in a checkpoint's tree (a C2SP tlog-proof), or that one checkpoint extends another.",
      discussion: """
        The proof carries the entry, its audit path and the checkpoint, so that anyone with the \
        public key can check it offline with 'check-proof', without the ledger. With \
        --consistency OLD, it is instead the RFC 9162 consistency proof that NEW (given after \
        OLD or as --to NEW; default: a checkpoint of the ledger now, signed with --sign-key) \
        extends OLD, with both checkpoints. check-proof accepts only signed checkpoints, so a proof that would carry an \
        unsigned one is refused, and nothing is printed, unless --unsigned says it is meant.

          policy-ledger prove N-2020-07-10-0800 --checkpoint 2024-06.checkpoint \\
              > notice.tlog-proof
          policy-ledger prove --consistency 2024-06.checkpoint \\
              2024-07.checkpoint > 2024-07.consistency
        """)

    @OptionGroup var ledger: LedgerOptions
    @Argument(
      help: "The entry: a notice or correction id, or KEY@N (with --consistency OLD: the later checkpoint NEW).",
      completion: LedgerCompletion.of(.version, .notice, .correction)) var entry: String?
    @Option(help: "The entry by its journal sequence number instead.") var seq: Int64?
    @Option(help: "The checkpoint (from 'policy-ledger checkpoint') whose tree the proof is for.", completion: .file()) var checkpoint: String?
    @Option(help: "Prove instead that a later checkpoint extends this earlier one.", completion: .file()) var consistency: String?
    @Option(help: "The later checkpoint for --consistency (default: the ledger's tree now).", completion: .file()) var to: String?
    @Option(help: "Sign the checkpoint of the ledger now, for --consistency without --to.", completion: .file()) var signKey: String?
    @Flag(help: "Write the proof even though a checkpoint in it is unsigned (check-proof refuses such a proof).")
    var unsigned = false

    func validate() throws {
      if consistency != nil {
        if seq != nil || checkpoint != nil {
          throw ValidationError("--consistency proves one checkpoint extends another; give no --seq or --checkpoint with it.")
        }
        if entry != nil && to != nil { throw ValidationError("Give the later checkpoint once: as NEW after --consistency OLD, or as --to NEW.") }
        if (to ?? entry) != nil && signKey != nil {
          throw ValidationError("--sign-key signs the ledger's checkpoint now; it does not go with a later checkpoint NEW.")
        }
        return
      }
      if to != nil || signKey != nil { throw ValidationError("--to and --sign-key go with --consistency.") }
      if let seq, seq < 1 { throw ValidationError("--seq must be 1 or more (entries are numbered from 1), not \(seq).") }
      if (entry == nil) == (seq == nil) { throw ValidationError("Give exactly one of ENTRY and --seq.") }
      if checkpoint == nil { throw ValidationError("Missing expected argument '--checkpoint <checkpoint>'") }
    }

    func run() throws {
      if let consistency {
        // The later checkpoint: `--consistency OLD NEW` (the contract's form) or `--to NEW`.
        let (newPath, newField) = to.map { ($0, "--to") } ?? (entry, "NEW")
        let old = try SignedCheckpoint(file: consistency, field: "--consistency")
        let new = try newPath.map { try SignedCheckpoint(file: $0, field: newField) }
        let signer = try signKey.map { try NoteSigningKey(file: $0, field: "--sign-key") }
        if !unsigned {
          try UnsignedProof.check(old, field: "--consistency", path: consistency)
          if let new, let newPath { try UnsignedProof.check(new, field: newField, path: newPath) }
          if new == nil && signer == nil {
            throw LedgerError(
              .invalidInput,
              "missing --sign-key: the checkpoint of the ledger now would carry no signature, and check-proof refuses an unsigned checkpoint; give --sign-key KEY (or --to NEW, or --unsigned to print the proof anyway)"
            )
          }
        }
        let proof = try ledger.openForQuery().consistencyProof(from: old, to: new, signedBy: signer)
        ByteSink.standardOutput.write(proof.serialized)
        try ByteSink.standardOutput.flush()
        return
      }
      let checkpoint = try SignedCheckpoint(file: self.checkpoint!, field: "--checkpoint")
      if !unsigned { try UnsignedProof.check(checkpoint, field: "--checkpoint", path: self.checkpoint!) }
      let source = try ledger.openForQuery()
      let proof = try source.proof(seq: try seq ?? source.seq(ofEntry: entry!), in: checkpoint)
      ByteSink.standardOutput.write(proof.serialized)
      try ByteSink.standardOutput.flush()
    }
  }

  struct CheckProof: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "check-proof",
      abstract: "Check a proof or receipt offline, without the ledger, and print what it proves.",
      discussion: """
        Exit 0 only when the checkpoint is signed by --public-key and the entry hashes, through \
        the proof's audit path, to the checkpoint's root; 1 when it does not, or when the proof \
        file is not a well-formed proof (a changed byte can break its form as well as its \
        hashes); 2 when a file cannot be read, or the key or --checkpoint file is not one. With --checkpoint, the proof must be for that \
        checkpoint (one you keep), not only the one it carries. A consistency proof ('prove \
        --consistency') passes when both its checkpoints are signed by --public-key, name the \
        same origin, and the later extends the earlier.

          policy-ledger check-proof ack.tlog-proof --public-key hr.key.pub
        """)

    @OptionGroup var output: OutputOptions
    @Argument(help: "The proof file (from 'prove', 'prove --consistency' or 'ack --receipt').", completion: .file()) var proof: String
    @Option(help: "The public key (FILE.pub from 'keygen') that must have signed the checkpoint.", completion: .file()) var publicKey: String
    @Option(help: "A checkpoint you trust, which the proof must be for.", completion: .file()) var checkpoint: String?
    @Option(help: "The time zone for the times printed (IANA name or ±HH:MM; default: $POLICY_LEDGER_TZ, else UTC).")
    var tz: String?

    func run() throws {
      let timeZone = try LedgerSettings(db: nil, tz: tz).timeZone()
      let key = try NoteVerifierKey(file: publicKey, field: "--public-key")
      let trusted = try checkpoint.map { try SignedCheckpoint(file: $0, field: "--checkpoint") }
      // A proof that does not parse is not as claimed (exit 1); one that cannot be read is an
      // error (exit 2).
      func read<T>(_ parse: () throws -> T) throws -> T {
        do {
          return try parse()
        } catch let error as LedgerError where error.code == .invalidInput {
          throw Mismatch(error.description)
        }
      }
      if let consistency = try read({ try ConsistencyProof.ifConsistencyProof(file: proof, field: "PROOF") }) {
        try output.write(record: try verdict { try consistency.check(key: key, trusted: trusted) })
        return
      }
      let parsed = try read { try TlogProof(file: proof, field: "PROOF") }
      let proven = try verdict { try parsed.check(key: key, trusted: trusted) }
      try output.write(record: proven.record(timeZone: timeZone))
    }
  }

  struct CheckExport: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "check-export",
      abstract: "Check that an exported file is exactly what its manifest describes.",
      discussion: """
        Compares the file's size and SHA-256 with the manifest that 'export … --manifest M' \
        wrote; with --public-key, also checks the manifest's signature. A truncated or edited \
        file fails (exit 1); a file that cannot be read is an error (exit 2).

          policy-ledger check-export recipients.csv --manifest recipients.manifest \\
              --public-key hr.key.pub
        """)

    @OptionGroup var output: OutputOptions
    @Argument(help: "The exported file.", completion: .file()) var file: String
    @Option(help: "The manifest written by 'export … --manifest'.", completion: .file()) var manifest: String
    @Option(help: "The public key (FILE.pub from 'keygen') that must have signed the manifest.", completion: .file()) var publicKey: String?

    func run() throws {
      let manifest = try SignedManifest(file: manifest, field: "--manifest")
      let key = try publicKey.map { try NoteVerifierKey(file: $0, field: "--public-key") }
      let record = try verdict { try manifest.check(file: file, key: key) }
      if key == nil { warnUnchecked(manifest.note, "manifest") }
      try output.write(record: record)
    }
  }
}

/// Proof material that check-proof would refuse because its checkpoint carries no signature:
/// `ack --receipt` without `--sign-key` and `prove` with an unsigned checkpoint are refused
/// (exit status 2, nothing recorded or printed) unless `--unsigned` says it is meant.
enum UnsignedProof {
  static func refusal(field: String, path: String) -> LedgerError {
    LedgerError(
      .invalidInput,
      "invalid \(field) '\(path)': the receipt would carry an unsigned checkpoint, which check-proof refuses; give --sign-key KEY (or --unsigned to write it anyway); nothing was recorded"
    )
  }

  static func check(_ checkpoint: SignedCheckpoint, field: String, path: String) throws {
    guard checkpoint.note.signatures.isEmpty else { return }
    throw LedgerError(
      .invalidInput,
      "invalid \(field) '\(path)': the checkpoint carries no signature, so check-proof would refuse the proof; use a checkpoint made with 'checkpoint --sign-key KEY' (or give --unsigned to print the proof anyway)"
    )
  }
}

/// Runs a check whose failure is a verdict: the thing checked is not as claimed (exit
/// status 1). A file that could not be read (`invalid …`) stays an error (exit status 2).
func verdict<T>(_ check: () throws -> T) throws -> T {
  do {
    return try check()
  } catch let error as LedgerError where !error.description.hasPrefix("invalid ") {
    throw Mismatch(error.description)
  }
}

/// A signed note read without `--public-key`: its signature proves nothing until someone
/// checks it, so `check-export` and `verify --checkpoint` say so on standard error.
func warnUnchecked(_ note: SignedNote, _ what: String) {
  guard !note.signatures.isEmpty else { return }
  StandardStreams.writeError("policy-ledger: warning: the \(what)'s signature was not checked (give --public-key)\n")
}

/// Runs `body` with the ledger's origin, stored first when the ledger has none (`requested`,
/// else a generated name). The origin never changes once stored, so a failure after this
/// command stored it says so, as a failure after a recording names the entry: a retry with
/// another `--origin` would otherwise be refused with no word of why.
func withOrigin(of ledger: Ledger, _ requested: String?, _ body: (String) throws -> Void) throws {
  let isNew = try ledger.origin() == nil
  let origin = try ledger.establishOrigin(requested)
  do {
    try body(origin)
  } catch where isNew {
    throw LedgerError("stored this ledger's origin '\(origin)' (it never changes), but \(failureAfterTheFact(error))")
  }
}
