import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand.Notice {
  struct Resend: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "resend",
      abstract: "Deliver a notice again, later, to more recipients; prints the notice id.",
      discussion: """
        The same notice reaches more people (new hires, those it missed) at \
        --sent-at, no earlier than its first delivery. Someone it already \
        reached cannot be named again.

          policy-ledger notice resend N-2020-07-10-0800 --sent-at 2020-07-13 \\
              --to E2001,E2002
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var who: ActorOptions
    @Argument(help: "The notice delivered again.", completion: LedgerCompletion.of(.notice)) var id: String
    @Option(help: "When it was sent again.") var sentAt: String
    @OptionGroup var recipients: ResendRecipientOptions

    func validate() throws {
      if recipients.given != 1 { throw ValidationError("Give exactly one of --to and --recipients-file.") }
    }

    func run() throws {
      let sentAt = try ledger.time(sentAt, "--sent-at")
      try requireExistingLedger(ledger)
      let choice = try recipients.named()!
      try printRecorded(
        try record(ledger) { try $0.resend(id, kind: .notice, sentAt: sentAt, recipients: choice, actor: who.actor) })
    }
  }
}

extension PolicyLedgerCommand.Correct {
  struct Resend: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "resend",
      abstract: "Deliver a correction again, later, to more recipients; prints the correction id.",
      discussion: """
        The same retraction or amendment reaches more people at --sent-at, no \
        earlier than its first delivery: --outstanding names exactly those for \
        whom it is outstanding (they received what it corrects, never the \
        correction). Once it reaches them, their 'outstanding' rows disappear.

          policy-ledger correct resend R-2020-07-10-1400 \\
              --sent-at 2020-07-10T16:00:00-07:00 --outstanding
        """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var who: ActorOptions
    @Argument(help: "The correction delivered again.", completion: LedgerCompletion.of(.correction)) var id: String
    @Option(help: "When it was sent again.") var sentAt: String
    @OptionGroup var recipients: ResendRecipientOptions
    @Flag(help: "Send it to exactly those for whom it is outstanding.") var outstanding = false

    func validate() throws {
      if recipients.given + (outstanding ? 1 : 0) != 1 {
        throw ValidationError("Give exactly one of --to, --recipients-file and --outstanding.")
      }
    }

    func run() throws {
      let sentAt = try ledger.time(sentAt, "--sent-at")
      try requireExistingLedger(ledger)
      let choice = outstanding ? ResendRecipients.outstanding : try recipients.named()!
      try printRecorded(
        try record(ledger) { try $0.resend(id, kind: .correction, sentAt: sentAt, recipients: choice, actor: who.actor) })
    }
  }
}
