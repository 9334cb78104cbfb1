import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// Signed notes, checkpoints, proofs and manifests, and the tree a ledger keeps.
@Suite struct ProofTests {
  // MARK: Signed notes and keys
  //
  // The reference example of Go's golang.org/x/mod/sumdb/note (its package documentation
  // and note_test.go): a key, a text, and the exact signed note.

  static let goSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
  static let goVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
  static let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
  static let goNote =
    goText + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

  @Test func keysAndSignaturesMatchTheGoReferenceExample() throws {
    let signer = try NoteSigningKey(parsing: ProofTests.goSigner, source: "key")
    #expect(signer.encoded == ProofTests.goSigner)
    #expect(signer.verifier.encoded == ProofTests.goVerifier)
    #expect(signer.verifier.keyID == 0xc74f_20a3)
    let verifier = try NoteVerifierKey(parsing: ProofTests.goVerifier, source: "key")
    #expect(verifier == signer.verifier)
    var note = SignedNote(text: ProofTests.goText)
    note.sign(with: signer)
    #if os(Linux)  // BoringSSL's Ed25519 is deterministic, as RFC 8032 specifies
      #expect(note.serialized == ProofTests.goNote)
    #endif
    let parsed = try SignedNote.parse(Array(ProofTests.goNote.utf8), source: "note")
    #expect(parsed.text == ProofTests.goText)
    try parsed.verify(verifier)
    try note.verify(verifier)
  }

  @Test func anAlteredTextOrAnotherKeyIsRefused() throws {
    let verifier = try NoteVerifierKey(parsing: ProofTests.goVerifier, source: "key")
    var altered = try SignedNote.parse(Array(ProofTests.goNote.utf8), source: "note")
    altered.text = altered.text.replacingOccurrences(of: "think", with: "thank")
    expectLedgerError("its signature by PeterNeumann+c74f20a3 does not verify: the text was changed after signing") {
      try altered.verify(verifier)
    }
    // Same name, another key: its signature is ignored, so the note is unsigned for it.
    let impostor = try NoteSigningKey.generate(name: "PeterNeumann")
    var forged = SignedNote(text: ProofTests.goText)
    forged.sign(with: impostor)
    expectLedgerError("it is not signed by the key PeterNeumann+c74f20a3 (it is signed by PeterNeumann+\(NoteVerifierKey.hex(impostor.verifier.keyID)))") {
      try forged.verify(verifier)
    }
    // Signed by both: each key finds its own signature.
    let both = try SignedNote.parse(Array((ProofTests.goNote + forged.signatures[0].line).utf8), source: "note")
    try both.verify(verifier)
    try both.verify(impostor.verifier)
    expectLedgerError("it is not signed by the key PeterNeumann+c74f20a3 (it carries no signature)") {
      try SignedNote(text: ProofTests.goText).verify(verifier)
    }
  }

  @Test func everyOneByteChangeOrCutOfAKeyIsRefused() {
    for key in [ProofTests.goVerifier, ProofTests.goSigner] {
      let bytes = Array(key.utf8)
      let parse = { (text: String) throws in
        if key == ProofTests.goVerifier {
          _ = try NoteVerifierKey(parsing: text, source: "key")
        } else {
          _ = try NoteSigningKey(parsing: text, source: "key")
        }
      }
      for i in bytes.indices {
        var changed = bytes
        changed[i] &+= 1
        #expect(throws: LedgerError.self, "byte \(i) of \(key)") { try parse(String(decoding: changed, as: UTF8.self)) }
        #expect(throws: LedgerError.self, "first \(i) bytes of \(key)") { try parse(String(decoding: bytes[..<i], as: UTF8.self)) }
      }
    }
  }

  @Test func keyFilesMixedUpAreNamed() {
    expectLedgerError("invalid --public-key 'k': this is a private (signing) key; give the public key, the .pub file that 'policy-ledger keygen' wrote beside it") {
      try NoteVerifierKey(parsing: ProofTests.goSigner, source: "--public-key 'k'")
    }
    expectLedgerError("invalid --sign-key 'k.pub': this is a public key; give the private key file (without .pub)") {
      try NoteSigningKey(parsing: ProofTests.goVerifier, source: "--sign-key 'k.pub'")
    }
    expectLedgerError("invalid key name 'hr ledger': spaces are not allowed (use a name such as example.com/policy-ledger)") {
      try NoteSigningKey.generate(name: "hr ledger")
    }
  }

  /// A key file's line may end in CRLF, as an editor on Windows saves it.
  @Test func keyFilesWithWindowsLineEndsAreRead() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for (end, name) in [("\r\n", "crlf"), ("\n", "lf"), ("", "none")] {
      let pub = folder.appendingPathComponent("\(name).pub").path, key = folder.appendingPathComponent(name).path
      try Data((ProofTests.goVerifier + end).utf8).write(to: URL(fileURLWithPath: pub))
      try Data((ProofTests.goSigner + end).utf8).write(to: URL(fileURLWithPath: key))
      #expect(try NoteVerifierKey(file: pub, field: "--public-key").encoded == ProofTests.goVerifier)
      #expect(try NoteSigningKey(file: key, field: "--sign-key").verifier.encoded == ProofTests.goVerifier)
    }
    // Two line ends are not one.
    let twice = folder.appendingPathComponent("twice.pub").path
    try Data((ProofTests.goVerifier + "\n\n").utf8).write(to: URL(fileURLWithPath: twice))
    #expect(throws: LedgerError.self) { try NoteVerifierKey(file: twice, field: "--public-key") }
  }

  /// A sound key whose name the ledger would no longer issue (made before format characters
  /// were refused) is named as such, not as "not an Ed25519 signing key".
  @Test func aKeyWhoseNameCannotSignIsNamed() throws {
    let seed = [UInt8](repeating: 7, count: 32)
    let name = "example.com/hr\u{200B}"
    let verifier = NoteVerifierKey(checkedName: name, publicKey: try NoteSigningKey(name: "tmp", seed: seed).verifier.publicKey)
    let text = "PRIVATE+KEY+\(name)+\(NoteVerifierKey.hex(verifier.keyID))+\(Base64.encode([NoteVerifierKey.ed25519] + seed))"
    expectLedgerError(
      "invalid --sign-key 'k': its name 'example.com/hr\\u{200B}' cannot sign: the invisible or direction-changing character U+200B is not allowed (Unicode format characters); make a new key with 'policy-ledger keygen'"
    ) { try NoteSigningKey(parsing: text, source: "--sign-key 'k'") }
    // Its public key is read, as anyone's may be.
    #expect(try NoteVerifierKey(parsing: verifier.encoded, source: "--public-key 'k.pub'") == verifier)
  }

  /// A ledger that does not verify is given no checkpoint, and so no origin: the origin is
  /// fixed for good by the first checkpoint, which never comes.
  @Test func aLedgerThatDoesNotVerifyGetsNoOrigin() throws {
    let ledger = try ledger(entries: 4)
    try ledger.db.execute("DROP TRIGGER merkle_nodes_no_update")
    try ledger.db.execute("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 1")
    expectLedgerError(
      "no checkpoint is given for a ledger that does not verify: entry 2: the merkle_nodes table does not match the journal (its node for entries 2-2); run 'policy-ledger verify'"
    ) { try ledger.establishOrigin("example.com/a") }
    #expect(try ledger.origin() == nil)
  }

  /// A copy of a ledger from before its first checkpoint has the history but no origin
  /// (the origin is not in the journal): it is told how to take the published one, and
  /// with it the checkpoint checks.
  @Test func aCopyFromBeforeTheFirstCheckpointIsToldHowToTakeItsOrigin() throws {
    let primary = try ledger(entries: 3)
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("policy-ledger-copy-\(UUID().uuidString).db").path
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) } }
    try primary.db.execute("VACUUM INTO '\(copy)'")
    let checkpoint = try primary.checkpoint(origin: try primary.establishOrigin("example.com/hr"))
    let restored = try Ledger(path: copy, access: .readWrite)
    let hint = "a copy restored from before its first checkpoint has no origin: 'policy-ledger checkpoint --origin example.com/hr' gives it that one"
    #expect(
      try restored.verify(checkpoint: checkpoint).failure?.message
        == "the checkpoint is for example.com/hr, but this ledger has never issued a checkpoint (\(hint))")
    expectLedgerError("--checkpoint is the checkpoint of example.com/hr at size 3, but this ledger has never issued a checkpoint (\(hint))") {
      try restored.proof(seq: 1, in: checkpoint)
    }
    _ = try restored.establishOrigin("example.com/hr")
    #expect(try restored.verify(checkpoint: checkpoint).isValid)
  }

  /// An origin stored before format characters were refused is still the ledger's own:
  /// repeated, it is taken; another is held to the rules.
  @Test func anOriginStoredUnderEarlierRulesIsStillTheLedgersOwn() throws {
    let ledger = try ledger(entries: 2)
    try ledger.write { try ledger.store.setOrigin(ifUnset: "example.com/\u{200B}hr") }
    #expect(try ledger.establishOrigin("example.com/\u{200B}hr") == "example.com/\u{200B}hr")
    #expect(try ledger.checkpoint(origin: try ledger.establishOrigin(nil)).checkpoint.origin == "example.com/\u{200B}hr")
    expectLedgerError(
      "invalid --origin 'example.com/\\u{200C}hr': the invisible or direction-changing character U+200C is not allowed (Unicode format characters)"
    ) { try ledger.establishOrigin("example.com/\u{200C}hr") }
    #expect(try ledger.origin() == "example.com/\u{200B}hr")
  }

  @Test func malformedNotesAndCheckpointsAreRefused() {
    let cases: [(String, String)] = [
      ("example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "invalid cp: it does not end with a newline (was it cut short?)"),
      ("example.com/log\n12\n\n", "invalid cp: a checkpoint has at least three lines: origin, tree size, root hash"),
      ("example.com/log\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "invalid cp: its tree size '012' is not a decimal number without leading zeros"),
      ("example.com/log\n-0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "invalid cp: its tree size '-0' is not a decimal number without leading zeros"),
      (
        "example.com/log\n9223372036854775808\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
        "invalid cp: its tree size '9223372036854775808' is out of range (at most 9223372036854775807)"
      ),
      ("example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2==\n\n", "invalid cp: its root hash 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2==' is not the base64 of 32 bytes"),
      ("example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n\n", "invalid cp: its root hash 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=' is not the base64 of 32 bytes"),
      ("\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "invalid cp: its origin line is empty"),
      ("example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— na+me AAAAAAAA\n", "invalid cp: signature line 1 is not '— NAME SIGNATURE'"),
      ("example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\nsignature\n", "invalid cp: signature line 1 does not start with '— ' (em dash, space)"),
      ("example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— name AAAA\n", "invalid cp: signature line 1 does not hold base64 of a key ID and a signature"),
      ("example.com/log\r\n12\n", "invalid cp: it holds the control character \\r; a note may hold only newlines"),
    ]
    for (text, message) in cases {
      expectLedgerError(message, "\(text.debugDescription)") {
        try SignedCheckpoint(parsing: Array(text.utf8), source: "cp")
      }
    }
    // One without the blank line is an unsigned checkpoint too.
    #expect(
      (try? SignedCheckpoint(parsing: Array("example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n".utf8), source: "cp"))?
        .checkpoint == Checkpoint(origin: "example.com/log", size: 0, root: Merkle.emptyRoot))
  }

  // MARK: The ledger's tree

  /// The entry hashes of the journal, in order.
  func entryHashes(_ ledger: Ledger) throws -> [[UInt8]] {
    try ledger.db.prepare("SELECT entry_hash FROM journal ORDER BY seq").map { $0.blob(0) }
  }

  /// A ledger of `count` policy versions.
  func ledger(entries count: Int, prefix: String = "p") throws -> Ledger {
    let ledger = try Ledger.temporary()
    for i in 0..<count {
      try ledger.addVersion(
        NewVersion(
          policy: "\(prefix)\(i)", title: "Policy \(i)", body: Array("text \(i)\n".utf8),
          effectiveFrom: Instant(microseconds: Int64(i) * 1_000_000)),
        actor: "test")
    }
    return ledger
  }

  @Test func everyAppendKeepsTheTreeAndVerifyRebuildsIt() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let model = Model(leaves: try entryHashes(ledger).map(Merkle.leafHash))
    #expect(try ledger.treeHead() == TreeHead(size: 5, root: model.mth(0, 5)))
    // Two rows for five leaves: 5 + 2 + 1.
    #expect(try ledger.db.prepare("SELECT count(*) FROM merkle_nodes").first { $0.int64(0) } == 8)
    let result = try ledger.verify()
    #expect(result.isValid)
    #expect(result.tree == TreeHead(size: 5, root: model.mth(0, 5)))
  }

  @Test func everyEntryIsProvenInEveryCheckpointOfAGrowingLedger() throws {
    let ledger = try ledger(entries: 0)
    let key = try NoteSigningKey.generate(name: "example.com/hr")
    let origin = try ledger.establishOrigin("example.com/hr-ledger")
    var checkpoints: [SignedCheckpoint] = []
    for i in 0..<24 {
      try ledger.addVersion(
        NewVersion(policy: "p\(i)", title: "Policy \(i)", body: Array("text \(i)\n".utf8), effectiveFrom: Instant(microseconds: 0)),
        actor: "test")
      checkpoints.append(try ledger.checkpoint(origin: origin, signedBy: key))
    }
    let hashes = try entryHashes(ledger)
    let model = Model(leaves: hashes.map(Merkle.leafHash))
    for checkpoint in checkpoints {
      let size = Int(checkpoint.checkpoint.size)
      #expect(checkpoint.checkpoint.root == model.mth(0, size))
      for seq in 1...Int64(size) {
        let proof = try ledger.proof(seq: seq, in: checkpoint)
        // Written and read back, as a file would be.
        let read = try TlogProof(parsing: Array(proof.serialized.utf8), source: "proof")
        #expect(read == proof)
        let proven = try read.check(key: key.verifier)
        #expect(proven.entry.seq == seq)
        #expect(proven.entry.entryHash == hashes[Int(seq - 1)])
        guard case .version(let v) = proven.payload else { Issue.record("not a version"); continue }
        #expect(v.policy == "p\(seq - 1)")
      }
      // An entry past the checkpoint: a newer one would hold it, unless the ledger has none.
      let message =
        size < hashes.count
        ? "entry \(size + 1) is not in \(checkpoint.summary); take a newer checkpoint with 'policy-ledger checkpoint'"
        : "no entry \(size + 1) in this ledger: its last entry is \(hashes.count)"
      expectLedgerError(message) { try ledger.proof(seq: Int64(size + 1), in: checkpoint) }
      expectLedgerError("there is no entry 0: entries are numbered from 1") { try ledger.proof(seq: 0, in: checkpoint) }
    }
  }

  @Test func aProofWithAnAlteredEntryPathOrCheckpointIsRefused() throws {
    let ledger = try ledger(entries: 6)
    let key = try NoteSigningKey.generate(name: "example.com/hr")
    let checkpoint = try ledger.checkpoint(origin: try ledger.establishOrigin(nil), signedBy: key)
    let proof = try ledger.proof(seq: 3, in: checkpoint)
    _ = try proof.check(key: key.verifier)

    var entry = proof
    entry.extra![entry.extra!.count - 2] ^= 1  // a byte of the policy's effective time
    #expect(throws: LedgerError.self) { try entry.check(key: key.verifier) }
    var moved = proof
    moved.index = 3
    expectLedgerError("the proof's entry is entry 3, but its index 3 is the place of entry 4") {
      try moved.check(key: key.verifier)
    }
    var path = proof
    path.hashes[1][5] ^= 0x40
    #expect(throws: LedgerError.self) { try path.check(key: key.verifier) }
    var root = proof
    root.checkpoint.checkpoint.root[0] ^= 1
    root.checkpoint.note.text = root.checkpoint.checkpoint.text
    expectLedgerError("the checkpoint cannot be trusted: its signature by example.com/hr+\(NoteVerifierKey.hex(key.verifier.keyID)) does not verify: the text was changed after signing") {
      try root.check(key: key.verifier)
    }
    let other = try NoteSigningKey.generate(name: "example.com/hr")
    #expect(throws: LedgerError.self) { try proof.check(key: other.verifier) }
    // An unsigned checkpoint proves nothing to someone holding the key.
    let unsigned = try ledger.proof(seq: 3, in: try ledger.checkpoint(origin: try ledger.establishOrigin(nil)))
    expectLedgerError("the checkpoint cannot be trusted: it is not signed by the key example.com/hr+\(NoteVerifierKey.hex(key.verifier.keyID)) (it carries no signature)") {
      try unsigned.check(key: key.verifier)
    }
  }

  @Test func aCheckpointOfAnotherLedgerOrHistoryIsRefused() throws {
    let ledger = try ledger(entries: 4)
    let origin = try ledger.establishOrigin("example.com/a")
    let checkpoint = try ledger.checkpoint(origin: origin)
    let rewritten = try self.ledger(entries: 5, prefix: "q")
    _ = try rewritten.establishOrigin("example.com/a")
    #expect(throws: LedgerError.self) { try rewritten.proof(seq: 1, in: checkpoint) }
    let stranger = try self.ledger(entries: 5)
    _ = try stranger.establishOrigin("example.com/b")
    expectLedgerError("--checkpoint is the checkpoint of example.com/a at size 4, but this ledger is example.com/b") {
      try stranger.proof(seq: 1, in: checkpoint)
    }
  }

  /// A foreign note's origin and signer names may hold any character; a message shows its
  /// invisible and direction-changing ones escaped, as it shows ids.
  @Test func aForeignNotesNamesAreShownWithTheirInvisibleCharactersEscaped() throws {
    let verifier = try NoteVerifierKey(parsing: ProofTests.goVerifier, source: "key")
    let foreign = SignedNote(
      text: ProofTests.goText,
      signatures: [NoteSignature(name: "Peter\u{200B}Neumann", keyID: 0xc74f_20a3, signature: Array(repeating: 0, count: 64))])
    expectLedgerError("it is not signed by the key PeterNeumann+c74f20a3 (it is signed by Peter\\u{200B}Neumann+c74f20a3)") {
      try foreign.verify(verifier)
    }
    let ledger = try ledger(entries: 4)
    _ = try ledger.establishOrigin("example.com/b")
    let text = "example.com/\u{202E}a\n4\n\(Base64.encode(Array(repeating: 0, count: 32)))\n"
    let checkpoint = try SignedCheckpoint(parsing: Array(text.utf8), source: "cp")
    #expect(checkpoint.summary == "the checkpoint of example.com/\\u{202E}a at size 4")
    expectLedgerError("--checkpoint is the checkpoint of example.com/\\u{202E}a at size 4, but this ledger is example.com/b") {
      try ledger.proof(seq: 1, in: checkpoint)
    }
  }

  @Test func verifyProvesTheLedgerExtendsAnEarlierCheckpoint() throws {
    let ledger = try ledger(entries: 5)
    let origin = try ledger.establishOrigin("example.com/a")
    var checkpoints = [try ledger.checkpoint(origin: origin)]
    for i in 5..<12 {
      try ledger.addVersion(NewVersion(policy: "p\(i)", title: "t", body: [], effectiveFrom: Instant(microseconds: 0)), actor: "t")
      checkpoints.append(try ledger.checkpoint(origin: origin))
    }
    for checkpoint in checkpoints { #expect(try ledger.verify(checkpoint: checkpoint).isValid) }

    // Same origin, same size, another history: the old checkpoint is not its past.
    let forked = try self.ledger(entries: 12, prefix: "q")
    _ = try forked.establishOrigin("example.com/a")
    let result = try forked.verify(checkpoint: checkpoints[0])
    #expect(result.failure?.message.hasPrefix("the ledger is not an append-only extension of the checkpoint of example.com/a at size 5") == true)
    let short = try self.ledger(entries: 3)
    _ = try short.establishOrigin("example.com/a")
    #expect(
      try short.verify(checkpoint: checkpoints[0]).failure?.message
        == "the checkpoint of example.com/a at size 5 has 5 entries, but the ledger only 3 (entries were dropped from the end, or this is an older copy)")
  }

  @Test func verifyNamesATamperedTreeNode() throws {
    let ledger = try ledger(entries: 9)
    try ledger.db.execute("DROP TRIGGER merkle_nodes_no_update")
    try ledger.db.execute("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 2")
    let result = try ledger.verify()
    #expect(
      result.failure
        == VerifyResult.Failure(seq: 6, message: "the merkle_nodes table does not match the journal (its node for entries 5-6)"))
    try ledger.db.execute("DROP TRIGGER merkle_nodes_no_delete")
    try ledger.db.execute("DELETE FROM merkle_nodes WHERE level = 0 AND idx = 1")
    #expect(try ledger.verify().failure == VerifyResult.Failure(seq: 2, message: "the merkle_nodes table lacks its node for entries 2-2"))
    try ledger.db.execute("INSERT INTO merkle_nodes VALUES (0, 1, zeroblob(32))")
    #expect(
      try ledger.verify().failure
        == VerifyResult.Failure(seq: 2, message: "the merkle_nodes table does not match the journal (its node for entries 2-2)"))
  }

  /// A checkpoint commits its signer to one history: it is given only for a ledger that
  /// verifies, with the root of the tree rebuilt from the journal, and a proof read from
  /// `merkle_nodes` is checked before it is given out. A changed table had been signed.
  @Test func aTreeChangedBehindTheLedgersBackIsNeverSignedNorProvenFrom() throws {
    let ledger = try ledger(entries: 5)
    let origin = try ledger.establishOrigin("example.com/a")
    let key = try NoteSigningKey.generate(name: "example.com/a")
    let c5 = try ledger.checkpoint(origin: origin, signedBy: key)
    for i in 5..<9 {
      try ledger.addVersion(NewVersion(policy: "p\(i)", title: "t", body: [], effectiveFrom: Instant(microseconds: 0)), actor: "t")
    }
    let c9 = try ledger.checkpoint(origin: origin, signedBy: key)
    try ledger.db.execute("DROP TRIGGER merkle_nodes_no_update")

    // Entry 6's leaf: on entry 5's path and in the proof from 5 to 9, not on the root's frontier.
    let leaf6 = try #require(try ledger.db.prepare("SELECT hash FROM merkle_nodes WHERE level = 0 AND idx = 5").first { $0.blob(0) })
    try ledger.db.execute("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 5")
    let refusal =
      "no checkpoint is given for a ledger that does not verify: entry 6: the merkle_nodes table does not match the journal (its node for entries 6-6); run 'policy-ledger verify'"
    expectLedgerError(refusal, code: .damaged) { try ledger.checkpoint(origin: origin, signedBy: key) }
    expectLedgerError(refusal) { try ledger.checkpoint(origin: origin) }
    expectLedgerError(refusal) { try ledger.receipt(seq: 3, origin: origin, signedBy: key) }
    expectLedgerError(refusal) { try ledger.consistencyProof(from: c5, to: nil, signedBy: key) }
    expectLedgerError("the merkle_nodes table does not match the journal (its path for entry 5); run 'policy-ledger verify'") {
      try ledger.proof(seq: 5, in: c9)
    }
    expectLedgerError(
      "the merkle_nodes table does not match the journal (its consistency proof from size 5 to 9); run 'policy-ledger verify'"
    ) { try ledger.consistencyProof(from: c5, to: c9) }
    // A proof whose path the change does not touch is still right, and checks.
    _ = try ledger.proof(seq: 1, in: c9).check(key: key.verifier)

    // The node for entries 1-8, on the root's frontier: the genuine checkpoint is not blamed.
    try ledger.db.execute("UPDATE merkle_nodes SET hash = X'\(Hex.encode(leaf6))' WHERE level = 0 AND idx = 5")
    // (The dropped trigger is now the one difference verify finds.)
    #expect(
      try ledger.verify().failure?.message == "the schema does not match the migrations: trigger 'merkle_nodes_no_update' is missing or was altered")
    try ledger.db.execute("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 0")
    expectLedgerError("the merkle_nodes table does not match the journal (its root at size 9); run 'policy-ledger verify'") {
      try ledger.proof(seq: 1, in: c9)
    }
    expectLedgerError(
      "no checkpoint is given for a ledger that does not verify: entry 8: the merkle_nodes table does not match the journal (its node for entries 1-8); run 'policy-ledger verify'"
    ) { try ledger.checkpoint(origin: origin, signedBy: key) }
  }

  @Test func verifyNamesTreeRowsThatNoEntryAccountsFor() throws {
    let ledger = try ledger(entries: 5)
    try ledger.db.execute("INSERT INTO merkle_nodes VALUES (3, 1, zeroblob(32))")
    #expect(
      try ledger.verify().failure
        == VerifyResult.Failure(seq: 6, message: "the merkle_nodes table has a node (level 3, index 1) for entries after the last one, 5"))
    let other = try self.ledger(entries: 5)
    try other.db.execute("INSERT INTO merkle_nodes VALUES (1, 5, zeroblob(32))")
    #expect(
      try other.verify().failure
        == VerifyResult.Failure(seq: 6, message: "the merkle_nodes table has a node (level 1, index 5) for entries after the last one, 5"))
  }

  @Test func anAppendRefusesToExtendATreeThatLostANode() throws {
    let ledger = try ledger(entries: 4)
    // Changed behind the ledger's back, by another connection (as sqlite3 would).
    let other = try Connection(path: ledger.path, mode: .readWriteCreate)
    try other.execute("DROP TRIGGER merkle_nodes_no_delete")
    try other.execute("DELETE FROM merkle_nodes WHERE level = 2")
    let before = try ledger.head()
    expectLedgerError("the ledger's Merkle tree has no node for entries 1-4; run 'policy-ledger verify'") {
      try ledger.addVersion(NewVersion(policy: "late", title: "t", body: [], effectiveFrom: Instant(microseconds: 0)), actor: "t")
    }
    #expect(try ledger.head() == before)
  }

  @Test func aRolledBackAppendLeavesNoTraceInTheTree() throws {
    let ledger = try ledger(entries: 3)
    struct Abandon: Error {}
    let payload = { (key: String) in
      EntryPayload.version(
        VersionEntry(
          policy: key, version: 1, title: "t", body: [], bodySHA256: SHA256Hasher.hex([]),
          effectiveFrom: Instant(microseconds: 0), effectiveUntil: nil, announcedAt: Instant(microseconds: 0)))
    }
    #expect(throws: Abandon.self) {
      try ledger.write {
        for key in ["x", "y"] { try ledger.append(payload(key), actor: "t", next: NextEntry(after: try ledger.store.journalHead())) }
        throw Abandon()
      }
    }
    try ledger.addVersion(NewVersion(policy: "z", title: "t", body: [], effectiveFrom: Instant(microseconds: 0)), actor: "t")
    try ledger.addVersion(NewVersion(policy: "w", title: "t", body: [], effectiveFrom: Instant(microseconds: 0)), actor: "t")
    let model = Model(leaves: try entryHashes(ledger).map(Merkle.leafHash))
    #expect(try ledger.treeHead() == TreeHead(size: 5, root: model.mth(0, 5)))
    #expect(try ledger.verify().isValid)
  }

  @Test func migratingALedgerFromBeforeTheTreeBuildsIt() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let expected = try ledger.treeHead()
    // Take the file back to what 0001 left: no tree, no origin, 0002 and later not applied.
    try ResentDeliveriesTests.takeBackBeforeResentDeliveries(ledger)
    try ledger.db.execute(
      """
      DROP TABLE merkle_nodes; DROP TABLE ledger_origin; DROP TABLE resends; DROP TABLE notice_versions; DROP TABLE outstanding_people;
      ALTER TABLE deliveries DROP COLUMN via;
      DROP TABLE roster; ALTER TABLE versions DROP COLUMN applies_to; DROP TABLE roster_rows; DROP TABLE roster_imports;
      DROP TRIGGER ledger_migrations_no_delete;
      DELETE FROM ledger_migrations WHERE name > '0001_ledger';
      CREATE TRIGGER ledger_migrations_no_delete BEFORE DELETE ON ledger_migrations
        BEGIN SELECT RAISE(ABORT, 'ledger_migrations is append-only: DELETE is refused'); END;
      """)
    expectLedgerError("the ledger at \(ledger.path) needs migration 0002_merkle, 0003_deliveries, 0004_workforce, 0005_notice_versions, 0006_roster_imports, 0007_outstanding_people, 0008_resent_deliveries, 0009_outstanding_people_no_references; run 'policy-ledger migrate --db \(ledger.path)'") {
      _ = try Ledger(path: ledger.path, access: .readOnly)
    }
    let migrated = try Ledger(path: ledger.path, access: .readWrite)
    #expect(try migrated.treeHead() == expected)
    #expect(try migrated.verify().isValid)
    try migrated.addVersion(NewVersion(policy: "after", title: "t", body: [], effectiveFrom: Instant(microseconds: 0)), actor: "t")
    let model = Model(leaves: try entryHashes(migrated).map(Merkle.leafHash))
    #expect(try migrated.treeHead() == TreeHead(size: 6, root: model.mth(0, 6)))
    #expect(try migrated.verify().isValid)
    // 0005: the notices' announced versions are filled from `notices.announces` (verify
    // rebuilt and compared them above), and rule 17's readers find them.
    let announced = try migrated.notices().map { "\($0.id) \($0.announces)" }
    #expect(announced == ["\(WorkedExample.noticeID) [\"\(WorkedExample.policy)@2\"]"])
    // 0003: the older deliveries are first deliveries, and a resend can follow them.
    try WorkedExample.resendRetraction(into: migrated)
    #expect(try migrated.recipientRows(of: WorkedExample.retractionID).map(\.sentAt).last == WorkedExample.resentAt)
    #expect(try migrated.verify().isValid)
  }

  // MARK: Origin

  @Test func theOriginIsSetOnceAndKept() throws {
    let ledger = try ledger(entries: 1)
    #expect(try ledger.origin() == nil)
    let generated = try ledger.establishOrigin(nil)
    #expect(generated.hasPrefix("policy-ledger/") && generated.count == "policy-ledger/".count + 16)
    #expect(try ledger.establishOrigin(nil) == generated)
    #expect(try ledger.establishOrigin(generated) == generated)
    expectLedgerError("invalid --origin 'example.com/x': this ledger's origin is '\(generated)' (set at its first checkpoint; it never changes)") {
      try ledger.establishOrigin("example.com/x")
    }
    expectLedgerError("invalid --origin 'a+b': '+' is not allowed") { _ = try self.ledger(entries: 0).establishOrigin("a+b") }
    // A read-only ledger stores it through a second, writing connection.
    let other = try self.ledger(entries: 1)
    let readOnly = try Ledger(path: other.path, access: .readOnly)
    #expect(try readOnly.establishOrigin("example.com/y") == "example.com/y")
    #expect(try other.origin() == "example.com/y")
  }

  // MARK: Export manifests

  @Test func aManifestDescribesTheExactBytesAndCatchesEveryChange() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let key = try NoteSigningKey.generate(name: "example.com/hr")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString).csv").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sink = try ByteSink.create(path: path)
    let signed = try ledger.export(
      .recipients, format: .csv, excelSafe: false, timeZone: nil, to: sink, origin: try ledger.establishOrigin("example.com/a"),
      signedBy: key)
    try sink.close()
    let bytes = Array(FileManager.default.contents(atPath: path)!)
    let m = signed.manifest
    #expect(m.rows == 7)
    #expect(m.bytes == Int64(bytes.count))
    #expect(m.sha256 == { var h = SHA256Hasher(); h.update(bytes); return h.finish() }())
    #expect(m.checkpoint == (try ledger.checkpoint(origin: "example.com/a")).checkpoint)
    let read = try SignedManifest(parsing: Array(signed.note.serialized.utf8), source: "m")
    #expect(read == signed)
    _ = try read.check(file: path, key: key.verifier)

    try Data(bytes.dropLast(3)).write(to: URL(fileURLWithPath: path))
    expectLedgerError("'\(path)' does not match the manifest: it has \(bytes.count - 3) bytes, the manifest \(bytes.count) (the export was cut short)") {
      try read.check(file: path, key: key.verifier)
    }
    var edited = bytes
    edited[edited.count - 2] = UInt8(ascii: "9")
    try Data(edited).write(to: URL(fileURLWithPath: path))
    #expect(throws: LedgerError.self) { try read.check(file: path, key: nil) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var lying = read
    lying.note.text = lying.note.text.replacingOccurrences(of: "rows 7", with: "rows 8")
    #expect(throws: LedgerError.self) { try lying.check(file: path, key: key.verifier) }
    #expect(throws: LedgerError.self) { try read.check(file: path, key: try NoteSigningKey.generate(name: "example.com/hr").verifier) }
  }
}

/// What the tree costs, measured on a ledger of N entries; off unless
/// POLICY_LEDGER_MEASURE_PROOFS=N is set (docs/proofs.md, "Costs"):
///
///     POLICY_LEDGER_MEASURE_PROOFS=100000 swift test --skip-build --filter ProofCosts
@Suite struct ProofCosts {
  static let entries = ProcessInfo.processInfo.environment["POLICY_LEDGER_MEASURE_PROOFS"].flatMap { Int($0) }

  /// CPU seconds of the process (not wall time, which the shared machine's load skews).
  func seconds(_ body: () throws -> Void) rethrows -> Double {
    func now() -> Double {
      var time = timespec()
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
      return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    let start = now()
    try body()
    return now() - start
  }

  @Test(.enabled(if: entries != nil)) func measureAppendsVerifyAndProofs() throws {
    let n = ProofCosts.entries!
    let ledger = try Ledger.temporary()
    defer { try? FileManager.default.removeItem(atPath: ledger.path) }
    let version = { (i: Int) in
      EntryPayload.version(
        VersionEntry(
          policy: "p\(i)", version: 1, title: "Policy \(i)", body: Array("text \(i)\n".utf8), bodySHA256: "",
          effectiveFrom: Instant(microseconds: 0), effectiveUntil: nil, announcedAt: Instant(microseconds: 0)))
    }
    // N entries in one transaction, so that fsync does not hide the CPU cost.
    let append = try seconds {
      try ledger.write {
        for i in 0..<n { try ledger.append(version(i), actor: "m", next: NextEntry(after: try ledger.store.journalHead())) }
      }
    }
    // The tree alone: the same leaves into a fresh table, as the 0002 backfill does.
    let tree = try seconds {
      try ledger.write {
        try ledger.db.execute("CREATE TEMP TABLE merkle_nodes (level INTEGER, idx INTEGER, hash BLOB, PRIMARY KEY (level, idx)) WITHOUT ROWID")
        try ledger.store.backfillMerkleTree()
        try ledger.db.execute("DROP TABLE temp.merkle_nodes")
      }
    }
    let rows = try ledger.db.prepare("SELECT count(*) FROM merkle_nodes").first { $0.int64(0) }!
    let pages = try ledger.db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name = 'merkle_nodes'").first { $0.optionalInt64(0) } ?? nil
    var result = VerifyResult(entries: 0, head: nil, failure: nil)
    let verify = try seconds { result = try ledger.verify() }
    #expect(result.isValid)
    let origin = try ledger.establishOrigin("example.com/measure")
    let key = try NoteSigningKey.generate(name: "example.com/measure")
    var checkpoint: SignedCheckpoint! = nil
    let sign = try seconds { checkpoint = try ledger.checkpoint(origin: origin, signedBy: key) }
    let samples = 1_000
    let prove = try seconds {
      for i in 0..<samples { _ = try ledger.proof(seq: Int64(i * n / samples + 1), in: checkpoint) }
    }
    let proof = try ledger.proof(seq: Int64(n / 2), in: checkpoint)
    let check = try seconds { for _ in 0..<samples { _ = try proof.check(key: key.verifier) } }
    print(
      """
      proof costs at \(n) entries:
        append (one transaction): \(String(format: "%.1f", append / Double(n) * 1e6)) µs an entry, of which the tree (backfill rate) \(String(format: "%.1f", tree / Double(n) * 1e6)) µs
        merkle_nodes: \(rows) rows (\(String(format: "%.2f", Double(rows) / Double(n))) an entry)\(pages.map { ", \($0) bytes (\(String(format: "%.1f", Double($0) / Double(n))) an entry)" } ?? "")
        verify: \(String(format: "%.2f", verify)) s
        checkpoint (signed): \(String(format: "%.2f", sign * 1e3)) ms
        prove: \(String(format: "%.2f", prove / Double(samples) * 1e3)) ms a proof, \(proof.hashes.count) hashes
        check-proof (library): \(String(format: "%.3f", check / Double(samples) * 1e3)) ms a proof
      """)
  }
}
