import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct Policy: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "policy",
      abstract: "Record policy versions.", subcommands: [Add.self])

    struct Add: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record a new version of a policy; prints KEY@N.",
        discussion: """
          Versions are numbered 1, 2, 3 … per policy. The body is stored byte for byte. A \
          version no notice announces is public, as in a handbook.

            policy-ledger policy add mobile-devices --title "Mobile devices" \\
                --body "No restriction on apps." --effective-from 2020-01-01
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Argument(help: "The policy key (no '@').", completion: LedgerCompletion.of(.policy)) var key: String
      @Option(help: "The version's title.") var title: String
      @Option(help: "The version's text.") var body: String?
      @Option(help: "A file holding the version's text ('-' for standard input).", completion: .file()) var bodyFile: String?
      @Option(help: "When the version takes effect (inclusive).") var effectiveFrom: String
      @Option(help: "When it stops being in force (exclusive; default: open).") var effectiveUntil: String?
      @Option(help: "When it was announced (default: --effective-from).") var announcedAt: String?
      @Option(name: .customLong("applies-to"), help: "The groups it applies to, separated by commas; may be repeated (default: all).")
      var appliesToList: [String] = []
      var appliesTo: String? { joinedList(appliesToList) }

      func validate() throws { try validateBody(text: body, file: bodyFile) }

      func run() throws {
        let new = NewVersion(
          policy: key, title: title, body: try readBody(text: body, file: bodyFile),
          effectiveFrom: try ledger.time(effectiveFrom, "--effective-from"),
          effectiveUntil: try ledger.time(effectiveUntil, "--effective-until"),
          announcedAt: try ledger.time(announcedAt, "--announced-at"),
          appliesTo: try appliesTo.flatMap { try Groups.audience($0, field: "--applies-to") })
        let ref = try record(ledger) { try $0.addVersion(new, actor: who.actor) }
        try printRecorded(ref.description)
      }
    }
  }

  struct Notice: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "notice",
      abstract: "Record notices sent to employees.", subcommands: [Send.self, Resend.self])

    struct Send: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Record a notice and its exact recipients; prints the notice id.",
        discussion: """
          Recipients stream from a file (one employee id a line; trimmed; blank lines skipped; a \
          duplicate is refused), so a notice can go to a million employees. --announces may be \
          repeated: one notice announcing several policies' versions ("updated handbook"), at \
          most one version of each policy.

            policy-ledger notice send --id N-2020-07-10-0800 --subject "Delete TikTok" \\
                --body-file notice.txt --sent-at 2020-07-10T08:00:00-07:00 \\
                --sender it-security --announces mobile-devices@2 \\
                --recipients-file staff.txt
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @Option(help: "The notice's id (default: assigned).") var id: String?
      @Option(help: "The notice's subject line.") var subject: String
      @Option(help: "The notice's text.") var body: String?
      @Option(help: "A file holding the notice's text ('-' for standard input).", completion: .file()) var bodyFile: String?
      @Option(help: "When it was sent.") var sentAt: String
      @Option(help: "Who sent it.") var sender: String
      @Option(help: "How it was sent: email, chat, letter, portal ….") var channel = "email"
      @Option(
        help: "A policy version it announces, as KEY@N; repeat for several, at most one per policy.",
        completion: LedgerCompletion.of(.version))
      var announces: [String] = []
      @Option(name: .customLong("to"), help: "Recipients, separated by commas; may be repeated.") var toList: [String] = []
      var to: String? { joinedList(toList) }
      @Option(help: "A file of recipients, one a line ('-' for standard input).", completion: .file()) var recipientsFile: String?

      func validate() throws {
        try validateBody(text: body, file: bodyFile)
        if (to == nil) == (recipientsFile == nil) { throw ValidationError("Give exactly one of --to and --recipients-file.") }
        try refuseStandardInputTwice(("--body-file", bodyFile), ("--recipients-file", recipientsFile))
      }

      func run() throws {
        let new = NewNotice(
          id: id, subject: subject, body: try readBody(text: body, file: bodyFile),
          sentAt: try ledger.time(sentAt, "--sent-at"), sender: sender, channel: channel,
          announces: try announces.map { try VersionRef.parse($0, field: "--announces") })
        if !new.announces.isEmpty { try requireExistingLedger(ledger) }
        let id: String
        if let to {
          id = try record(ledger) { try $0.sendNotice(new, recipients: RecipientList(splitList(to)), actor: who.actor) }
        } else {
          let source = CountingRecipients(try openRecipientsFile(recipientsFile!), label: "recipients")
          id = try record(ledger) { try $0.sendNotice(new, recipients: source, actor: who.actor) }
        }
        try printRecorded(id)
      }
    }
  }

  struct Correct: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "correct",
      abstract: "Record a retraction or an amendment of a notice or version.",
      subcommands: [Retract.self, Amend.self, Resend.self])

    struct Retract: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "retract",
        abstract: "Void a notice or a version from the start; prints the correction id.",
        discussion: """
          A retraction of a notice voids the version it announces (each of them, when it \
          announces several) only with --void-version. By default it goes to every recipient of \
          the notice, by any of its deliveries (or, for a version, of every notice announcing \
          it). A target is retracted once: to reach more people, deliver the retraction again \
          with 'correct resend'. The statement may span lines (--statement-file).

            policy-ledger correct retract --notice N-2020-07-10-0800 --void-version \\
                --id R-2020-07-10-1400 \\
                --issued-at 2020-07-10T14:00:00-07:00 --reason "sent in error" \\
                --statement "There is no change to our policies right now."
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @OptionGroup var target: CorrectionTargetOptions
      @Flag(help: "Also void the version (or each version) the notice announces.") var voidVersion = false
      @Option(help: "The correction's id (default: assigned).") var id: String?
      @Option(help: "When it was issued.") var issuedAt: String
      @OptionGroup var statement: StatementOptions
      @Option(help: "Why (for the record).") var reason: String
      @OptionGroup var recipients: CorrectionRecipientOptions

      func validate() throws {
        try refuseStandardInputTwice(("--statement-file", statement.statementFile), ("--recipients-file", recipients.recipientsFile))
        // A malformed command line, refused before the ledger is opened: a retraction of a
        // version voids that version already.
        if voidVersion && target.version != nil {
          throw ValidationError("--void-version goes with --notice: a retraction of a version voids it already.")
        }
      }

      func run() throws {
        try requireExistingLedger(ledger)
        let new = NewCorrection(
          id: id, kind: .retraction, target: try target.target(), voidVersion: voidVersion,
          issuedAt: try ledger.time(issuedAt, "--issued-at"), statement: try statement.text(), reason: reason)
        let choice = try recipients.choice()
        try printRecorded(try record(ledger) { try $0.correct(new, recipients: choice, actor: who.actor) })
      }
    }

    struct Amend: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "amend",
        abstract: "Change a version's effective period as known from --issued-at on; prints the correction id.",
        discussion: """
          From its issue time on, the amendment sets the bounds it names on the version it \
          targets (or the version its target notice announces). Setting --effective-until with \
          no successor repeals the policy. A notice announcing several versions is not amended: \
          amend the version (--version KEY@N).

            policy-ledger correct amend --version mobile-devices@2 \\
                --issued-at 2020-07-11 --effective-from 2020-08-01 \\
                --reason "wrong date" --statement "The change starts on 1 August."
          """)

      @OptionGroup var ledger: LedgerOptions
      @OptionGroup var who: ActorOptions
      @OptionGroup var target: CorrectionTargetOptions
      @Option(help: "The correction's id (default: assigned).") var id: String?
      @Option(help: "When it was issued.") var issuedAt: String
      @OptionGroup var statement: StatementOptions
      @Option(help: "Why (for the record).") var reason: String
      @Option(help: "The corrected start of the effective period.") var effectiveFrom: String?
      @Option(help: "The corrected end of the effective period (exclusive).") var effectiveUntil: String?
      @OptionGroup var recipients: CorrectionRecipientOptions

      func validate() throws {
        try refuseStandardInputTwice(("--statement-file", statement.statementFile), ("--recipients-file", recipients.recipientsFile))
      }

      func run() throws {
        try requireExistingLedger(ledger)
        let new = NewCorrection(
          id: id, kind: .amendment, target: try target.target(), issuedAt: try ledger.time(issuedAt, "--issued-at"),
          statement: try statement.text(), reason: reason,
          effectiveFrom: try ledger.time(effectiveFrom, "--effective-from"),
          effectiveUntil: try ledger.time(effectiveUntil, "--effective-until"))
        let choice = try recipients.choice()
        try printRecorded(try record(ledger) { try $0.correct(new, recipients: choice, actor: who.actor) })
      }
    }
  }

  struct Ack: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ack",
      abstract: "Record that an employee read a notice; prints nothing.",
      discussion: """
        Only a recipient can acknowledge, no earlier than the delivery of the notice that \
        reached them (its own, or a resend), and once. --receipt FILE also writes the \
        employee's proof of it: the entry, its inclusion proof and a checkpoint signed with \
        --sign-key, which 'check-proof' checks offline (docs/proofs.md). check-proof accepts \
        only a signed receipt, so --receipt without --sign-key is refused, and nothing is \
        recorded, unless --unsigned says an unsigned one is meant.

          policy-ledger ack --notice N-2020-07-10-0800 --employee E1001 \\
              --at 2020-07-10T09:12:00-07:00
          policy-ledger ack --notice N-2020-07-10-0800 --employee E1002 --at now \\
              --receipt E1002.tlog-proof --sign-key hr.key
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var who: ActorOptions
    @Option(help: "The notice acknowledged.", completion: LedgerCompletion.of(.notice)) var notice: String
    @Option(help: "The employee who acknowledged it.", completion: LedgerCompletion.of(.employee)) var employee: String
    @Option(help: "When they acknowledged it.") var at: String
    @Option(help: "Also write the acknowledgement's receipt (a proof) to this file.", completion: .file()) var receipt: String?
    @OptionGroup var signing: SigningOptions
    @Flag(help: "Write the receipt without a signature (check-proof refuses such a receipt).") var unsigned = false

    func validate() throws {
      if signing.isUsed && receipt == nil { throw ValidationError("--sign-key and --origin go with --receipt.") }
      if unsigned && receipt == nil { throw ValidationError("--unsigned goes with --receipt.") }
      if unsigned && signing.signKey != nil { throw ValidationError("Give at most one of --sign-key and --unsigned.") }
    }

    func run() throws {
      let at = try ledger.time(at, "--at")
      try requireExistingLedger(ledger)
      // Everything the receipt needs is checked before the acknowledgement is recorded.
      let signer = try signing.signer()
      let receiptFile = try receipt.map { try OutputFile($0, field: "--receipt", ledger: ledger.path) }
      try OutputFile.checkNotSigningKey([receiptFile], signingKey: signing.signKey)
      if let receipt, signer == nil, !unsigned { throw UnsignedProof.refusal(field: "--receipt", path: receipt) }
      let ledgerFile = try record(ledger) { ledgerFile in
        if receipt != nil { try ledgerFile.checkOrigin(signing.origin) }
        try ledgerFile.acknowledge(notice: notice, employee: employee, at: at, actor: who.actor)
        return ledgerFile
      }
      if let receiptFile {
        let entry = "\(Identifier.printable(employee))'s acknowledgement of \(Identifier.printable(notice))"
        try afterRecording(entry) {
          let seq = try ledgerFile.seq(ofAckOf: notice, by: employee)
          let proof: TlogProof
          do {
            proof = try ledgerFile.receipt(seq: seq, origin: try ledgerFile.establishOrigin(signing.origin), signedBy: signer)
          } catch let error as LedgerError where error.code == .damaged {
            throw LedgerError(.damaged, "wrote no receipt: \(error)")
          }
          try receiptFile.write(Array(proof.serialized.utf8))
        }
      }
    }
  }
}

/// `--statement TEXT` or `--statement-file F`: the text of a correction's message.
struct StatementOptions: ParsableArguments {
  @Option(help: "What employees are told (the text of the message; may span lines).") var statement: String?
  @Option(help: "A file holding the statement ('-' for standard input).") var statementFile: String?

  func validate() throws {
    if (statement == nil) == (statementFile == nil) { throw ValidationError("Give exactly one of --statement and --statement-file.") }
  }

  func text() throws -> String { try readStatement(text: statement, file: statementFile) }
}

/// The recipients of a resend named on the command line: `--to` or `--recipients-file`.
struct ResendRecipientOptions: ParsableArguments {
  @Option(name: .customLong("to"), help: "Recipients, separated by commas; may be repeated.") var toList: [String] = []
  var to: String? { joinedList(toList) }
  @Option(help: "A file of recipients, one a line ('-' for standard input).") var recipientsFile: String?

  /// How many of the two are given.
  var given: Int { [to != nil, recipientsFile != nil].filter { $0 }.count }

  /// The named recipients; nil when neither option is given.
  func named() throws -> ResendRecipients? {
    if let to { return .named(RecipientList(splitList(to))) }
    if let recipientsFile { return .named(CountingRecipients(try openRecipientsFile(recipientsFile), label: "recipients")) }
    return nil
  }
}

struct CorrectionTargetOptions: ParsableArguments {
  @Option(help: "The notice corrected.", completion: LedgerCompletion.of(.notice)) var notice: String?
  @Option(help: "The version corrected, as KEY@N.", completion: LedgerCompletion.of(.version)) var version: String?

  func validate() throws {
    if (notice == nil) == (version == nil) { throw ValidationError("Give exactly one of --notice and --version.") }
  }

  func target() throws -> CorrectionTarget {
    if let notice { return .notice(notice) }
    return .version(try VersionRef.parse(version!, field: "--version"))
  }
}

struct CorrectionRecipientOptions: ParsableArguments {
  @Option(name: .customLong("to"), help: "Recipients, separated by commas; may be repeated (default: the recipients of what is corrected).")
  var toList: [String] = []
  var to: String? { joinedList(toList) }
  @Option(help: "A file of recipients, one a line ('-' for standard input).", completion: .file()) var recipientsFile: String?
  @Flag(help: "Send the correction to nobody.") var noRecipients = false

  func validate() throws {
    if [to != nil, recipientsFile != nil, noRecipients].filter({ $0 }).count > 1 {
      throw ValidationError("Give at most one of --to, --recipients-file and --no-recipients.")
    }
  }

  func choice() throws -> CorrectionRecipients {
    if noRecipients { return .none }
    if let to { return .named(RecipientList(splitList(to))) }
    if let recipientsFile {
      return .named(NonEmptyRecipients(source: try openRecipientsFile(recipientsFile), path: recipientsFile))
    }
    return .defaults
  }
}

/// `--recipients-file F` (`-` for standard input), named so in a refusal to open it.
func openRecipientsFile(_ path: String) throws -> RecipientFile {
  try RecipientFile(path: path, field: "--recipients-file")
}

/// A list option given as often as the user likes (`--to E1,E2 --to E3`), as one
/// comma-separated text; nil when it is not given. Repeating it adds to the list, as
/// repeating `--announces` does: ArgumentParser would otherwise keep the last one alone,
/// and the others would be dropped from an entry that can never be changed.
func joinedList(_ values: [String]) -> String? {
  values.isEmpty ? nil : values.joined(separator: ",")
}

/// `--to E1,E2`: ids separated by commas, each trimmed as every entry point trims ids.
func splitList(_ text: String) -> [String] {
  text.split(separator: ",", omittingEmptySubsequences: false).map { Identifier.trimmed(String($0)) }
}

/// Two options that both read standard input (`--body-file - --recipients-file -`): a
/// usage error, as for an import's file and `--recipients`. The second read would find
/// standard input at its end, and be refused for a reason that is not the real one.
func refuseStandardInputTwice(_ first: (option: String, path: String?), _ second: (option: String, path: String?)) throws {
  if first.path == "-" && second.path == "-" {
    throw ValidationError("\(first.option) and \(second.option) cannot both be '-': standard input can be read only once.")
  }
}

/// Commands that refer to earlier entries must not create a new, empty ledger.
func requireExistingLedger(_ ledger: LedgerOptions) throws {
  if !FileManager.default.fileExists(atPath: ledger.path) { throw LedgerError("no ledger at \(ledger.path)") }
}
