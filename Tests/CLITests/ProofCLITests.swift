import Foundation
import PolicyLedger
import Testing

/// keygen, checkpoint, prove, check-proof, ack --receipt, export --manifest, check-export
/// and verify --checkpoint, run as a user would.
@Suite struct ProofCLITests {
  /// A folder with the demo ledger (7 entries) and a key pair named example.com/hr.
  final class Setup {
    let dir: TemporaryDirectory
    var db: String { dir.file("demo.db") }
    var key: String { dir.file("hr.key") }
    var pub: String { dir.file("hr.key.pub") }

    init(key: Bool = true) throws {
      dir = try TemporaryDirectory()
      try LedgerFiles.makeStoryLedger(at: dir.file("demo.db"))
      if key { try #require(try CLI.run(["keygen", "--name", "example.com/hr", "--out", dir.file("hr.key")]).status == 0) }
    }

    func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["--db", db]) }

    func head() throws -> String { try CLI.run(["head", "--db", db]).stdout }

    /// `ack` of the demo's notice by `employee` at 09:00 Pacific, with a receipt and `options`.
    func ack(_ employee: String, receipt: String, _ options: [String]) throws -> CLIResult {
      try run([
        "ack", "--notice", "N-2020-07-10-0800", "--employee", employee, "--at", "2020-07-10T09:00:00-07:00", "--receipt", receipt,
      ] + options)
    }

    /// `checkpoint` output saved to `name`.
    func checkpoint(_ name: String, _ options: [String] = ["--sign-key", "hr.key"]) throws -> String {
      let result = try run(["checkpoint"] + options.map { $0 == "hr.key" ? key : $0 })
      try #require(result.status == 0, "\(result.stderr)")
      return try dir.write(name, result.stdout)
    }
  }

  static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

  /// The value of `name` in a record printed as `name: value` lines.
  static func field(_ name: String, _ result: CLIResult) -> String? {
    result.lines.lazy.map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix(name + ": ") }
      .map { String($0.dropFirst(name.count + 2)) }
  }

  // MARK: keygen

  @Test func keygenWritesAPrivateAndAPublicKeyInTheSignedNoteFormat() throws {
    let dir = try TemporaryDirectory()
    let result = try CLI.run(["keygen", "--name", "example.com/hr", "--out", dir.file("hr.key")])
    #expect(result.status == 0)
    #expect(result.stderr.isEmpty)
    let publicKey = try Self.read(dir.file("hr.key.pub"))
    #expect(result.stdout == publicKey)
    let key = try NoteSigningKey(file: dir.file("hr.key"), field: "key")
    #expect(key.verifier.encoded + "\n" == publicKey)
    #expect(try Self.read(dir.file("hr.key")).hasPrefix("PRIVATE+KEY+example.com/hr+\(publicKey.split(separator: "+")[1])+"))
    let mode = try FileManager.default.attributesOfItem(atPath: dir.file("hr.key"))[.posixPermissions] as? Int
    #expect(mode == 0o600)
  }

  @Test func keygenNeverOverwritesAKeyAndRefusesABadName() throws {
    let dir = try TemporaryDirectory()
    let existing = try dir.write("hr.key", "mine\n")
    let result = try CLI.run(["keygen", "--name", "example.com/hr", "--out", existing])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "policy-ledger: error: invalid --out '\(existing)': '\(existing)' exists; keygen never overwrites a key\n")
    #expect(try Self.read(existing) == "mine\n")
    #expect(!FileManager.default.fileExists(atPath: existing + ".pub"))

    let bad = try CLI.run(["keygen", "--name", "hr ledger", "--out", dir.file("new.key")])
    #expect(bad.status == 2)
    #expect(bad.stderr == "policy-ledger: error: invalid key name 'hr ledger': spaces are not allowed (use a name such as example.com/policy-ledger)\n")
    #expect(!FileManager.default.fileExists(atPath: dir.file("new.key")))
  }

  // MARK: checkpoint

  @Test func checkpointPrintsTheTreeHeadOfTheJournalAndKeepsItsOrigin() throws {
    let s = try Setup()
    let unsigned = try s.run(["checkpoint", "--origin", "example.com/hr-ledger"])
    #expect(unsigned.status == 0)
    // The root, from the journal's entry hashes as `export journal` prints them.
    var tree = MerkleFrontier()
    for line in try s.run(["export", "journal", "--format", "csv"]).lines.dropFirst() {
      tree.append(leafHash: Merkle.leafHash(Hex.decode(String(line.split(separator: ",").last!))!))
    }
    let root = Data(tree.root).base64EncodedString()
    #expect(unsigned.stdout == "example.com/hr-ledger\n7\n\(root)\n\n")

    let signed = try s.run(["checkpoint", "--sign-key", s.key])
    #expect(signed.status == 0)
    let lines = signed.lines
    #expect(lines.count == 5)
    #expect(lines[0...3] == ["example.com/hr-ledger", "7", root, ""])
    #expect(lines[4].hasPrefix("— example.com/hr "))

    let conflict = try s.run(["checkpoint", "--origin", "example.com/other"])
    #expect(conflict.status == 2)
    #expect(conflict.stdout.isEmpty)
    #expect(
      conflict.stderr
        == "policy-ledger: error: invalid --origin 'example.com/other': this ledger's origin is 'example.com/hr-ledger' (set at its first checkpoint; it never changes)\n"
    )
    #expect(try s.run(["checkpoint"]).lines.first == "example.com/hr-ledger")
  }

  @Test func checkpointRefusesAPublicKeyForSigning() throws {
    let s = try Setup()
    let result = try s.run(["checkpoint", "--sign-key", s.pub])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "policy-ledger: error: invalid --sign-key '\(s.pub)': this is a public key; give the private key file (without .pub)\n")
    // Nothing written: the origin is still unset.
    #expect(try s.run(["checkpoint", "--origin", "example.com/set-later"]).status == 0)
  }

  // MARK: prove and check-proof

  @Test func proofsOfEachKindOfNameCheckWithoutTheLedger() throws {
    let s = try Setup()
    let checkpoint = try s.checkpoint("cp")
    var proofs: [String: String] = [:]
    // Entry 7 is the demo's resend of the retraction (rule 16): an entry like any other.
    for name in [["N-2020-07-10-0800"], ["R-2020-07-10-1400"], ["mobile-devices@2"], ["--seq", "4"], ["--seq", "7"]] {
      let result = try s.run(["prove"] + name + ["--checkpoint", checkpoint])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.hasPrefix("c2sp.org/tlog-proof@v1\nextra "))
      #expect(result.stdout.hasSuffix(try Self.read(checkpoint)))
      proofs[name.last!] = try s.dir.write(name.last! + ".tlog-proof", result.stdout)
    }
    try FileManager.default.removeItem(atPath: s.db)  // offline from here on

    let notice = try CLI.run(["check-proof", proofs["N-2020-07-10-0800"]!, "--public-key", s.pub, "--format", "json"])
    #expect(notice.status == 0, "\(notice.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(notice.stdout.utf8)) as? [[String: Any]]
    ).first!
    #expect(object["seq"] as? Int == 3)
    #expect(object["entry_kind"] as? String == "notice.send")
    #expect(object["id"] as? String == "N-2020-07-10-0800")
    #expect(object["announces"] as? [String] == ["mobile-devices@2"])
    #expect(object["tree_size"] as? Int == 7)
    #expect((object["signed_by"] as? String)?.hasPrefix("example.com/hr+") == true)

    let resend = try CLI.run(["check-proof", proofs["7"]!, "--public-key", s.pub])
    #expect(resend.status == 0, "\(resend.stderr)")
    #expect(Self.field("entry_kind", resend) == "message.resend")
    #expect(Self.field("message", resend) == "R-2020-07-10-1400")
    #expect(Self.field("sent_at", resend) == "2020-07-10T23:00:00Z")
    #expect(Self.field("recipient_count", resend) == "1")

    let version = try CLI.run(["check-proof", proofs["mobile-devices@2"]!, "--public-key", s.pub])
    #expect(version.status == 0)
    #expect(Self.field("seq", version) == "2")
    #expect(Self.field("version", version) == "2")
    #expect(Self.field("entry_kind", version) == "policy.add")
    let ack = try CLI.run(["check-proof", proofs["4"]!, "--public-key", s.pub, "--tz", "America/Los_Angeles"])
    #expect(Self.field("at", ack) == "2020-07-10T08:30:00-07:00")
    // Like every command, it reads $POLICY_LEDGER_TZ when --tz is not given.
    let fromEnvironment = try CLI.run(
      ["check-proof", proofs["4"]!, "--public-key", s.pub], environment: ["POLICY_LEDGER_TZ": "America/Los_Angeles"])
    #expect(Self.field("at", fromEnvironment) == "2020-07-10T08:30:00-07:00")
    #expect(Self.field("employee", ack) == "E1004")
  }

  @Test func checkProofRefusesAWrongKeyAnAlteredProofOrAnotherCheckpoint() throws {
    let s = try Setup()
    let checkpoint = try s.checkpoint("cp")
    let proof = try s.dir.write("p", try s.run(["prove", "N-2020-07-10-0800", "--checkpoint", checkpoint]).stdout)
    #expect(try CLI.run(["check-proof", proof, "--public-key", s.pub]).status == 0)

    try #require(try CLI.run(["keygen", "--name", "example.com/hr", "--out", s.dir.file("other.key")]).status == 0)
    let otherKey = try NoteVerifierKey(file: s.dir.file("other.key.pub"), field: "k")
    let signer = try NoteVerifierKey(file: s.pub, field: "k")
    let wrongKey = try CLI.run(["check-proof", proof, "--public-key", s.dir.file("other.key.pub")])
    #expect(wrongKey.status == 1)
    #expect(wrongKey.stdout.isEmpty)
    #expect(
      wrongKey.stderr
        == "policy-ledger: error: the checkpoint cannot be trusted: it is not signed by the key example.com/hr+\(String(format: "%08x", otherKey.keyID)) (it is signed by example.com/hr+\(String(format: "%08x", signer.keyID)))\n"
    )

    // One audit-path hash replaced by another valid hash.
    var lines = try Self.read(proof).components(separatedBy: "\n")
    lines[3] = lines[4]
    let altered = try s.dir.write("altered", lines.joined(separator: "\n"))
    let result = try CLI.run(["check-proof", altered, "--public-key", s.pub])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("policy-ledger: error: entry 3 is not proven to be in the checkpoint of "))
    #expect(result.stderr.contains(": the inclusion proof leads to root "))

    // The proof against a checkpoint the auditor keeps, of a later size.
    try #require(try s.run(["policy", "add", "later", "--title", "t", "--body", "b", "--effective-from", "2021-01-01"]).status == 0)
    let later = try s.checkpoint("later")
    let mismatch = try CLI.run(["check-proof", proof, "--public-key", s.pub, "--checkpoint", later])
    #expect(mismatch.status == 1)
    #expect(mismatch.stderr.contains("the proof is for the checkpoint of "))
    #expect(mismatch.stderr.contains(" at size 7, not the checkpoint of "))
    let fresh = try s.dir.write("fresh", try s.run(["prove", "N-2020-07-10-0800", "--checkpoint", later]).stdout)
    #expect(try CLI.run(["check-proof", fresh, "--public-key", s.pub, "--checkpoint", later]).status == 0)

    let garbage = try s.dir.write("garbage", "hello\n")
    let notAProof = try CLI.run(["check-proof", garbage, "--public-key", s.pub])
    #expect(
      notAProof.stderr
        == "policy-ledger: error: invalid PROOF '\(garbage)': line 1: expected 'c2sp.org/tlog-proof@v1' (a proof from 'policy-ledger prove' or 'ack --receipt')\n"
    )
    // A proof whose bytes no longer parse is not as claimed, exit 1 as for a wrong hash: a
    // script that reads 1 as "does not check" misses none. One that cannot be read, or a
    // bad key, is an error (2).
    #expect(notAProof.status == 1)
    var cut = try Self.read(proof).components(separatedBy: "\n")
    cut[3] = String(cut[3].dropLast(4))
    #expect(try CLI.run(["check-proof", try s.dir.write("cut", cut.joined(separator: "\n")), "--public-key", s.pub]).status == 1)
    #expect(try CLI.run(["check-proof", s.dir.file("missing"), "--public-key", s.pub]).status == 2)
    #expect(try CLI.run(["check-proof", proof, "--public-key", garbage]).status == 2)
  }

  @Test func proveRefusesACheckpointOfAnotherLedger() throws {
    let s = try Setup()
    let other = try Setup(key: false)
    _ = try other.checkpoint("cp", ["--origin", "example.com/hr-ledger"])
    let theirs = try other.checkpoint("theirs", [])
    _ = try s.checkpoint("cp", ["--origin", "example.com/hr-ledger"])
    // Unsigned, so that the refusal is the one under test: not this ledger's tree.
    let result = try s.run(["prove", "N-2020-07-10-0800", "--checkpoint", theirs, "--unsigned"])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("policy-ledger: error: --checkpoint does not match this ledger: its first 7 entries hash to "))
    let unknown = try s.run(["prove", "N-404", "--checkpoint", theirs, "--unsigned"])
    #expect(unknown.stderr == "policy-ledger: error: no notice, correction or version 'N-404' in this ledger (name a version as KEY@N)\n")
  }

  // MARK: ack --receipt

  @Test func anAcknowledgementReceiptChecksOffline() throws {
    let s = try Setup()
    let receipt = s.dir.file("E1001.tlog-proof")
    let result = try s.run([
      "ack", "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "2020-07-10T09:00:00-07:00",
      "--receipt", receipt, "--sign-key", s.key, "--origin", "example.com/hr-ledger",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.isEmpty)
    let checked = try CLI.run(["check-proof", receipt, "--public-key", s.pub, "--format", "csv"])
    #expect(checked.status == 0, "\(checked.stderr)")
    #expect(checked.lines[0].hasPrefix("origin,tree_size,root_hash,signed_by,seq,recorded_at,entry_kind,by,notice,employee,at,entry_hash"))
    #expect(checked.lines[1].hasPrefix("example.com/hr-ledger,8,"))
    #expect(checked.lines[1].contains(",8,"))
    #expect(checked.lines[1].contains(",ack,cli-test,N-2020-07-10-0800,E1001,2020-07-10T16:00:00Z,"))
    // The receipt's checkpoint is a checkpoint like any other: verify extends it.
    let checkpoint = try s.dir.write("cp", try Self.read(receipt).components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n"))
    #expect(try s.run(["verify", "--checkpoint", checkpoint, "--public-key", s.pub]).status == 0)
  }

  @Test func aRefusedAcknowledgementWritesNoReceipt() throws {
    let s = try Setup()
    let before = try s.head()
    let receipt = s.dir.file("r")
    let notRecipient = try s.ack("E2001", receipt: receipt, ["--sign-key", s.key])
    #expect(notRecipient.status == 2)
    #expect(notRecipient.stderr == "policy-ledger: error: invalid --employee 'E2001': not a recipient of notice 'N-2020-07-10-0800'\n")
    #expect(!FileManager.default.fileExists(atPath: receipt))

    let badKey = try s.ack("E1001", receipt: receipt, ["--sign-key", s.dir.file("missing.key")])
    #expect(badKey.status == 2)
    #expect(badKey.stderr == "policy-ledger: error: invalid --sign-key '\(s.dir.file("missing.key"))': cannot read it (No such file or directory)\n")

    let badFolder = try s.ack("E1001", receipt: s.dir.file("no/such/r"), [])
    #expect(badFolder.status == 2)
    #expect(badFolder.stderr == "policy-ledger: error: invalid --receipt '\(s.dir.file("no/such/r"))': there is no folder '\(s.dir.file("no/such"))'\n")

    let keyAlone = try s.run(["ack", "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "now", "--sign-key", s.key])
    #expect(keyAlone.status == 64)
    #expect(keyAlone.stderr.contains("--sign-key and --origin go with --receipt."))
    #expect(try s.head() == before)
    #expect(!FileManager.default.fileExists(atPath: receipt))
  }

  /// A tree changed behind the ledger's back: nothing signs it. Each command that would
  /// give out a new tree head refuses, prints nothing and writes no file; `ack --receipt`
  /// says its acknowledgement was recorded.
  @Test func aChangedTreeIsNotSignedByAnyCommand() throws {
    let s = try Setup()
    _ = try s.checkpoint("good.cp")
    _ = try LedgerFiles.sqlite3(
      s.db, "DROP TRIGGER merkle_nodes_no_update; UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 0")
    let reason =
      "no checkpoint is given for a ledger that does not verify: entry 4: the merkle_nodes table does not match the journal (its node for entries 1-4); run 'policy-ledger verify'"
    let manifest = s.dir.file("v.manifest"), output = s.dir.file("v.csv")
    for (arguments, message) in [
      (["checkpoint", "--sign-key", s.key], reason), (["checkpoint"], reason),
      (["export", "versions", "--output", output, "--manifest", manifest, "--sign-key", s.key], reason),
      // The kept checkpoint is checked first, against the stored tree, which is named.
      (
        ["prove", "--consistency", s.dir.file("good.cp"), "--sign-key", s.key],
        "the merkle_nodes table does not match the journal (its root at size 7); run 'policy-ledger verify'"
      ),
    ] {
      let refused = try s.run(arguments)
      #expect(refused.status == 2, "\(arguments)")
      #expect(refused.stdout.isEmpty)
      #expect(refused.stderr == "policy-ledger: error: \(message)\n", "\(arguments)")
    }
    #expect(!FileManager.default.fileExists(atPath: manifest) && !FileManager.default.fileExists(atPath: output))
    let before = try s.head()
    let receipt = s.dir.file("r")
    let ack = try s.ack("E1001", receipt: receipt, ["--sign-key", s.key])
    #expect(ack.status == 2)
    #expect(ack.stderr == "policy-ledger: error: recorded E1001's acknowledgement of N-2020-07-10-0800, but wrote no receipt: \(reason)\n")
    #expect(try s.head() != before)
    #expect(!FileManager.default.fileExists(atPath: receipt))
  }

  // MARK: export --manifest and check-export

  /// The manifest is written before either file replaces its target: when it cannot be
  /// written (/dev/full stands for a full disk), the earlier export stays as it was, and
  /// no hidden file is left. Before, the export was replaced first and then the manifest
  /// failed, leaving a new export without one.
  @Test func aManifestThatCannotBeWrittenLeavesTheExportAsItWas() throws {
    let s = try Setup()
    _ = try s.checkpoint("first.cp")  // the ledger's origin is stored: the export writes nothing to the ledger
    let csv = try s.dir.write("v.csv", "an earlier export\n")
    let before = try FileManager.default.contentsOfDirectory(atPath: s.dir.path).sorted()
    let full = try s.run(["export", "versions", "--output", csv, "--manifest", "/dev/full", "--sign-key", s.key])
    #expect(full.status == 2)
    #expect(full.stdout.isEmpty)
    #expect(full.stderr == "policy-ledger: error: cannot write to '/dev/full': No space left on device\n")
    #expect(try Self.read(csv) == "an earlier export\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: s.dir.path).sorted() == before)
  }

  @Test func anExportManifestCatchesATruncatedOrEditedExport() throws {
    let s = try Setup()
    let csv = s.dir.file("recipients.csv"), manifest = s.dir.file("recipients.manifest")
    let export = try s.run(["export", "recipients", "--output", csv, "--manifest", manifest, "--sign-key", s.key])
    #expect(export.status == 0, "\(export.stderr)")
    #expect(export.stdout.isEmpty)
    let lines = try Self.read(manifest).components(separatedBy: "\n")
    #expect(lines[0...7] == [
      "policy-ledger export manifest v1", "kind recipients", "format csv", "excel-safe no", "time-zone UTC", "rows 9",
      "bytes \(try Data(contentsOf: URL(fileURLWithPath: csv)).count)",
      "sha256 \(SHA256Hasher.hex(Array(try Data(contentsOf: URL(fileURLWithPath: csv)))))",
    ])
    #expect(lines[8].hasPrefix("origin policy-ledger/"))
    #expect(lines[9] == "tree-size 7")
    #expect(lines[12].hasPrefix("— example.com/hr "))

    let ok = try CLI.run(["check-export", csv, "--manifest", manifest, "--public-key", s.pub])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stderr.isEmpty)
    #expect(Self.field("rows", ok) == "9")
    let unkeyed = try CLI.run(["check-export", csv, "--manifest", manifest])
    #expect(unkeyed.status == 0)
    #expect(unkeyed.stderr == "policy-ledger: warning: the manifest's signature was not checked (give --public-key)\n")

    let original = try Self.read(csv)
    let truncated = try s.dir.write("truncated.csv", String(original.dropLast(6)))
    let cut = try CLI.run(["check-export", truncated, "--manifest", manifest, "--public-key", s.pub])
    #expect(cut.status == 1)
    #expect(cut.stdout.isEmpty)
    #expect(
      cut.stderr
        == "policy-ledger: error: '\(truncated)' does not match the manifest: it has \(original.utf8.count - 6) bytes, the manifest \(original.utf8.count) (the export was cut short)\n"
    )
    let edited = try s.dir.write("edited.csv", original.replacingOccurrences(of: "E1004", with: "E1005"))
    let changed = try CLI.run(["check-export", edited, "--manifest", manifest, "--public-key", s.pub])
    #expect(changed.status == 1)
    #expect(changed.stderr.hasPrefix("policy-ledger: error: '\(edited)' does not match the manifest: its SHA-256 is "))
    #expect(changed.stderr.hasSuffix(" (the export was edited)\n"))

    // A manifest rewritten to match the edit no longer carries a valid signature.
    let forged = try s.dir.write(
      "forged.manifest",
      try Self.read(manifest).replacingOccurrences(
        of: SHA256Hasher.hex(Array(original.utf8)), with: SHA256Hasher.hex(Array(try Self.read(edited).utf8))))
    let forgery = try CLI.run(["check-export", edited, "--manifest", forged, "--public-key", s.pub])
    #expect(forgery.status == 1)
    #expect(forgery.stderr.contains("the manifest cannot be trusted: its signature by example.com/hr+"))
  }

  @Test func anExportToStandardOutputGetsAManifestOfItsBytes() throws {
    let s = try Setup()
    let manifest = s.dir.file("m")
    let export = try s.run(["export", "versions", "--format", "json", "--tz", "America/Los_Angeles", "--manifest", manifest])
    #expect(export.status == 0, "\(export.stderr)")
    let json = try s.dir.write("versions.json", export.stdout)
    let check = try CLI.run(["check-export", json, "--manifest", manifest, "--format", "csv"])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stderr.isEmpty)
    #expect(check.lines[1].hasPrefix("\(json),versions,json,2,\(export.stdout.utf8.count),"))
    #expect(try Self.read(manifest).contains("\ntime-zone America/Los_Angeles\n"))

    let before = try s.head()
    let keyAlone = try s.run(["export", "versions", "--sign-key", s.key])
    #expect(keyAlone.status == 64)
    #expect(keyAlone.stdout.isEmpty)
    let badKey = try s.run(["export", "versions", "--manifest", s.dir.file("m2"), "--sign-key", s.pub])
    #expect(badKey.status == 2)
    #expect(badKey.stdout.isEmpty)
    #expect(badKey.stderr == "policy-ledger: error: invalid --sign-key '\(s.pub)': this is a public key; give the private key file (without .pub)\n")
    #expect(!FileManager.default.fileExists(atPath: s.dir.file("m2")))
    let badFolder = try s.run(["export", "versions", "--output", s.dir.file("v.csv"), "--manifest", s.dir.file("none/m")])
    #expect(badFolder.status == 2)
    #expect(badFolder.stderr == "policy-ledger: error: invalid --manifest '\(s.dir.file("none/m"))': there is no folder '\(s.dir.file("none"))'\n")
    #expect(!FileManager.default.fileExists(atPath: s.dir.file("v.csv")))
    let badOrigin = try s.run(["export", "versions", "--manifest", s.dir.file("m3"), "--origin", "hr ledger"])
    #expect(badOrigin.status == 2)
    #expect(badOrigin.stdout.isEmpty)
    #expect(badOrigin.stderr == "policy-ledger: error: invalid --origin 'hr ledger': spaces are not allowed (use a name such as example.com/policy-ledger)\n")
    #expect(!FileManager.default.fileExists(atPath: s.dir.file("m3")))
    // The origin is still the one the first manifest set.
    let origin = try Self.read(manifest).components(separatedBy: "\n").first { $0.hasPrefix("origin ") }!.dropFirst(7)
    #expect(try s.run(["checkpoint"]).lines.first == String(origin))
    #expect(try s.head() == before)
  }

  // MARK: verify --checkpoint

  @Test func verifyProvesTheLedgerOnlyGrewSinceACheckpoint() throws {
    let s = try Setup()
    let checkpoint = try s.checkpoint("cp", ["--origin", "example.com/hr-ledger", "--sign-key", "hr.key"])
    for i in 0..<3 {
      try #require(try s.run(["policy", "add", "p\(i)", "--title", "t", "--body", "b", "--effective-from", "2021-01-01"]).status == 0)
    }
    let ok = try s.run(["verify", "--checkpoint", checkpoint, "--public-key", s.pub])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stdout.hasPrefix("ok: 10 entries verified; head 10:"))
    #expect(ok.stdout.hasSuffix("; extends the checkpoint of example.com/hr-ledger at size 7\n"))

    // Another history under the same origin: the demo recorded again, at other times.
    let fork = try Setup(key: false)
    _ = try fork.checkpoint("cp", ["--origin", "example.com/hr-ledger"])
    let forked = try fork.run(["verify", "--checkpoint", checkpoint])
    #expect(forked.status == 1)
    #expect(forked.stdout.isEmpty)
    #expect(
      forked.stderr.hasPrefix(
        "policy-ledger: error: verify failed: the ledger is not an append-only extension of the checkpoint of example.com/hr-ledger at size 7: its first 7 entries no longer hash to the checkpoint's root"
      ))

    try #require(try CLI.run(["keygen", "--name", "example.com/hr", "--out", s.dir.file("other.key")]).status == 0)
    let wrongKey = try s.run(["verify", "--checkpoint", checkpoint, "--public-key", s.dir.file("other.key.pub")])
    #expect(wrongKey.status == 1)
    #expect(wrongKey.stderr.hasPrefix("policy-ledger: error: invalid --checkpoint '\(checkpoint)': it is not signed by the key example.com/hr+"))

    // Without --public-key the tree is still proven, and a signature nobody checked is said
    // to be unchecked (as check-export says it), even when it is broken.
    let unchecked = try s.run(["verify", "--checkpoint", checkpoint])
    #expect(unchecked.status == 0)
    #expect(unchecked.stderr == "policy-ledger: warning: the checkpoint's signature was not checked (give --public-key)\n")
    let unsigned = try s.checkpoint("unsigned", [])
    #expect(try s.run(["verify", "--checkpoint", unsigned]).stderr.isEmpty)
  }

  /// A checkpoint an auditor keeps may have lost its signature line; the proof's own copy of
  /// the same tree head still carries one. `prove --seq` names what is wrong with a number
  /// no checkpoint can help; an empty checkpoint file says it is empty.
  @Test func checkProofTakesAKeptCopyWithoutItsSignatureAndProveNamesImpossibleEntries() throws {
    let s = try Setup()
    let checkpoint = try s.checkpoint("cp")
    let proof = try s.dir.write("p", try s.run(["prove", "--seq", "3", "--checkpoint", checkpoint]).stdout)
    let text = try Self.read(checkpoint)
    let bare = try s.dir.write("bare", String(text[..<text.range(of: "\n\n")!.upperBound]))
    let kept = try CLI.run(["check-proof", proof, "--public-key", s.pub, "--checkpoint", bare])
    #expect(kept.status == 0, "\(kept.stderr)")
    // The proof's copy's signature broken, the kept copy signed: still proven.
    var lines = try Self.read(proof).components(separatedBy: "\n")
    let signature = try #require(lines.lastIndex { $0.hasPrefix("\u{2014} ") })
    let broken = lines[signature].dropLast(3) + (lines[signature].hasSuffix("AAA") ? "BBB" : "AAA")
    lines[signature] = String(broken)
    let damaged = try s.dir.write("damaged", lines.joined(separator: "\n"))
    #expect(try CLI.run(["check-proof", damaged, "--public-key", s.pub]).status == 1)
    #expect(try CLI.run(["check-proof", damaged, "--public-key", s.pub, "--checkpoint", checkpoint]).status == 0)
    let neither = try CLI.run(["check-proof", damaged, "--public-key", s.pub, "--checkpoint", bare])
    #expect(neither.status == 1)
    #expect(neither.stderr.hasPrefix("policy-ledger: error: the checkpoint cannot be trusted: the proof's copy: "))
    // The kept copy's own signature broken, the proof's copy signed: the kept copy is
    // damaged, and saying nothing would leave its keeper trusting it.
    var keptLines = text.components(separatedBy: "\n")
    let keptSignature = try #require(keptLines.lastIndex { $0.hasPrefix("\u{2014} ") })
    keptLines[keptSignature] = String(keptLines[keptSignature].dropLast(3) + (keptLines[keptSignature].hasSuffix("AAA") ? "BBB" : "AAA"))
    let brokenKept = try s.dir.write("broken-kept", keptLines.joined(separator: "\n"))
    // The same for a consistency proof whose old checkpoint is the kept one.
    _ = try s.run(["ack", "--notice", "N-2020-07-10-0800", "--employee", "E1003", "--at", "2020-07-10T16:00Z"])
    let later = try s.checkpoint("later")
    let consistency = try s.dir.write("c", try s.run(["prove", "--consistency", checkpoint, later]).stdout)
    #expect(try CLI.run(["check-proof", consistency, "--public-key", s.pub, "--checkpoint", checkpoint]).status == 0)
    for proven in [proof, consistency] {
      let refused = try CLI.run(["check-proof", proven, "--public-key", s.pub, "--checkpoint", brokenKept])
      #expect(refused.status == 1)
      #expect(
        refused.stderr.hasPrefix("policy-ledger: error: the checkpoint cannot be trusted: the trusted copy: its signature by example.com/hr+"),
        "\(refused.stderr)")
    }

    let zero = try s.run(["prove", "--seq", "0", "--checkpoint", checkpoint])
    #expect(zero.status == 64)
    #expect(zero.stderr.hasPrefix("Error: --seq must be 1 or more (entries are numbered from 1), not 0.\n"))
    let beyond = try s.run(["prove", "--seq", "99", "--checkpoint", checkpoint])
    #expect(beyond.stderr == "policy-ledger: error: no entry 99 in this ledger: its last entry is 8\n")
    let empty = try s.dir.write("empty", "")
    #expect(try s.run(["prove", "--seq", "3", "--checkpoint", empty]).stderr == "policy-ledger: error: invalid --checkpoint '\(empty)': the file is empty\n")
  }
}

/// docs/check-proof.py, a verifier written from docs/proofs.md alone (Python, hashlib,
/// and the `cryptography` package), agrees with check-proof. Skipped where python3 or
/// `cryptography` is missing.
@Suite struct IndependentVerifierTests {
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("docs/check-proof.py").path

  static func python(_ arguments: [String]) -> (status: Int32, output: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    guard (try? process.run()) != nil else { return nil }
    let output = readToEnd(pipe.fileHandleForReading)
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
  }

  static let available = python(["-c", "import cryptography"])?.status == 0

  @Test(.enabled(if: available)) func aVerifierWrittenFromTheDocsAcceptsReceiptsAndRefusesChanges() throws {
    let s = try ProofCLITests.Setup()
    let receipt = s.dir.file("r.tlog-proof")
    try #require(
      try s.run([
        "ack", "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "2020-07-10T09:00:00-07:00",
        "--receipt", receipt, "--sign-key", s.key, "--origin", "example.com/hr-ledger",
      ]).status == 0)
    let ok = try #require(Self.python([Self.script, receipt, s.pub]))
    #expect(ok.status == 0, "\(ok.output)")
    #expect(ok.output.hasPrefix("ok: entry 8 (entry hash "))
    #expect(ok.output.hasSuffix(") is in example.com/hr-ledger at tree size 8, signed by example.com/hr\n"))
    let checkpoint = try s.checkpoint("cp")
    let notice = try s.dir.write("n", try s.run(["prove", "mobile-devices@1", "--checkpoint", checkpoint]).stdout)
    #expect(Self.python([Self.script, notice, s.pub])?.status == 0)

    var lines = try ProofCLITests.read(receipt).components(separatedBy: "\n")
    lines[2] = "index 4"
    let moved = try s.dir.write("moved", lines.joined(separator: "\n"))
    #expect(Self.python([Self.script, moved, s.pub])?.output == "error: the entry is not at the proof's index\n")
    #expect(try CLI.run(["check-proof", moved, "--public-key", s.pub]).status == 1)
    lines = try ProofCLITests.read(receipt).components(separatedBy: "\n")
    lines[3] = Data(repeating: 7, count: 32).base64EncodedString()
    let altered = try s.dir.write("altered", lines.joined(separator: "\n"))
    #expect(Self.python([Self.script, altered, s.pub])?.output == "error: the audit path does not lead to the checkpoint's root\n")
    #expect(try CLI.run(["check-proof", altered, "--public-key", s.pub]).status == 1)

    // Forms proofs.md does not write are refused by both: a number with a leading zero or a
    // space, a CR, a cut last line.
    let text = try ProofCLITests.read(receipt)
    lines = text.components(separatedBy: "\n")
    for (name, changed) in [
      ("zero", lines.enumerated().map { $0.offset == 2 ? "index 07" : $0.element }.joined(separator: "\n")),
      ("space", lines.enumerated().map { $0.offset == 2 ? $0.element + " " : $0.element }.joined(separator: "\n")),
      ("crlf", text.replacingOccurrences(of: "\n", with: "\r\n")),
      ("cut", String(text.dropLast())),
    ] {
      let file = try s.dir.write(name, changed)
      #expect(Self.python([Self.script, file, s.pub])?.status == 1, "\(name)")
      #expect(try CLI.run(["check-proof", file, "--public-key", s.pub]).status == 1, "\(name)")
    }
  }
}
