import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

struct JournalTests {
  @Test func theCanonicalEncodingIsTheDocumentedBytes() {
    var e = CanonicalEncoder()
    e.null()
    e.integer(Int64(-2))
    e.text("é")
    e.data([0xFF])
    #expect(e.bytes == [0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0x02, 0, 0, 0, 2, 0xC3, 0xA9, 0x03, 0, 0, 0, 1, 0xFF])
  }

  @Test func everyPayloadKindDecodesToWhatWasEncoded() throws {
    let payloads: [EntryPayload] = [
      .version(VersionEntry(policy: "p", version: 3, title: "T", body: Array("a\r\nb\u{0}".utf8), bodySHA256: "x", effectiveFrom: at("2020-01-01"), effectiveUntil: nil, announcedAt: at("2019-12-01"))),
      .notice(NoticeEntry(id: "N1", subject: "S", body: [], bodySHA256: "y", sentAt: at("2020-07-10T15:00:00Z"), sender: "it", channel: "email", announces: VersionRef(policy: "p", number: 3), recipientCount: 2, recipientsSHA256: "z")),
      .notice(NoticeEntry(id: "N2", subject: "S", body: [1], bodySHA256: "y", sentAt: at("2020-07-10"), sender: "it", channel: "chat", announces: nil, recipientCount: 1, recipientsSHA256: "z")),
      .correction(CorrectionEntry(id: "C1", kind: .retraction, target: .notice("N1"), voidVersion: true, issuedAt: at("2020-07-10T21:00:00Z"), statement: "sent in error", reason: "r", effectiveFrom: nil, effectiveUntil: nil, recipientCount: 0, recipientsSHA256: "e")),
      .correction(CorrectionEntry(id: "C2", kind: .amendment, target: .version(VersionRef(policy: "p", number: 3)), voidVersion: false, issuedAt: at("2020-07-11"), statement: "s", reason: "r", effectiveFrom: at("2020-08-01"), effectiveUntil: at("2021-01-01"), recipientCount: 5, recipientsSHA256: "f")),
      .ack(AckEntry(notice: "N1", employee: "E1", at: at("2020-07-10T16:00:00Z"))),
    ]
    for payload in payloads {
      #expect(try EntryPayload.decode(kind: payload.kind, bytes: payload.encoded()) == payload)
    }
  }

  @Test func aPayloadWithTrailingOrMissingBytesIsRefused() {
    let bytes = EntryPayload.ack(AckEntry(notice: "N1", employee: "E1", at: at("2020-01-01"))).encoded()
    #expect(throws: (any Error).self) { try EntryPayload.decode(kind: "ack", bytes: bytes + [0]) }
    #expect(throws: (any Error).self) { try EntryPayload.decode(kind: "ack", bytes: Array(bytes.dropLast())) }
    #expect(throws: (any Error).self) { try EntryPayload.decode(kind: "nonsense", bytes: bytes) }
  }

  @Test func eachEntryHashIsSHA256OfThePreviousHashAndTheCanonicalBytes() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    var previous = [UInt8](repeating: 0, count: 32)
    var lastRecorded = Instant(microseconds: .min)
    try ledger.store.forEachEntry { entry in
      #expect(entry.previousHash == previous)
      let bytes = JournalEntry.canonicalBytes(seq: entry.seq, recordedAt: entry.recordedAt, kind: entry.kind, actor: entry.actor, payload: entry.payload)
      let independent = try sha256sum(previous + bytes)
      #expect(Hex.encode(entry.entryHash) == independent)
      #expect(entry.recordedAt >= lastRecorded)
      previous = entry.entryHash
      lastRecorded = entry.recordedAt
    }
    #expect(try ledger.head()?.hash == previous)
    #expect(try ledger.head()?.seq == 5)
  }

  @Test func recordedTimesNeverDecreaseEvenWhenTheClockStepsBack() {
    let head = (seq: Int64(7), recordedAt: at("2030-01-01"), hash: [UInt8](repeating: 1, count: 32))
    let next = NextEntry(after: head, now: at("2020-01-01"))
    #expect(next.seq == 8)
    #expect(next.recordedAt == at("2030-01-01"))
    #expect(next.previousHash == head.hash)
    let first = NextEntry(after: nil, now: at("2020-01-01"))
    #expect(first.seq == 1)
    #expect(first.previousHash == [UInt8](repeating: 0, count: 32))
  }

  @Test func verifyPassesOnAnUntouchedLedgerAndReportsItsHead() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let result = try ledger.verify()
    #expect(result.failure == nil)
    #expect(result.entries == 5)
    #expect(result.head == (try ledger.head()))
    #expect(try ledger.verify(expect: ledger.head()).isValid)
  }

  @Test func verifyExpectCatchesEntriesDroppedFromTheEnd() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let head = try #require(try ledger.head())
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    try db.execute(
      "DROP TRIGGER journal_no_delete; DROP TRIGGER corrections_no_delete; DROP TRIGGER deliveries_no_delete; DROP TRIGGER merkle_nodes_no_delete")
    // Entry 5 is leaf 4 of the Merkle tree, and the only subtree it completes is itself.
    try db.execute(
      """
      DELETE FROM deliveries WHERE message = 5; DELETE FROM outstanding_people WHERE correction = 5;
      DELETE FROM corrections WHERE seq = 5; DELETE FROM merkle_nodes WHERE level = 0 AND idx = 4; DELETE FROM journal WHERE seq = 5
      """)
    // Without --expect, a shorter chain is a valid chain; only the dropped triggers show.
    #expect(try ledger.verify().failure?.message.contains("trigger") == true)
    let result = try ledger.verify(expect: head)
    #expect(result.failure?.description == "entry 5: missing: the ledger has 4 entries, fewer than the 5 expected (entries were dropped from the end, or this is an older copy)")
  }

  @Test func verifyNamesTheEntryWhoseValueWasChanged() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    try db.execute("DROP TRIGGER versions_no_update")
    try db.execute("UPDATE versions SET effective_from = effective_from + 1 WHERE version = 2")
    #expect(try ledger.verify().failure?.description == "entry 2: the versions table does not match the journal")
    try db.execute("DROP TRIGGER journal_no_update")
    try db.execute("UPDATE journal SET actor = 'mallory' WHERE seq = 3")
    #expect(try ledger.verify().failure?.description == "entry 3: its hash does not match its contents (the entry was altered)")
  }

  @Test func verifyComparesTextByItsBytes() throws {
    // "Café" with é as one code point, then as e and a combining accent: equal as Swift
    // strings, different bytes in the file, so a change all the same.
    let ledger = try Ledger.temporary()
    try ledger.addVersion(
      NewVersion(policy: "cafe", title: "Caf\u{E9}", body: Array("Body".utf8), effectiveFrom: Instant(microseconds: 0)),
      actor: "test")
    #expect(try ledger.verify().isValid)
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    try db.execute("DROP TRIGGER versions_no_update")
    try db.prepare("UPDATE versions SET title = ?").run(["Cafe\u{301}"])
    #expect(try db.prepare("SELECT title FROM versions").first { $0.string(0) } == "Caf\u{E9}")
    #expect(try ledger.verify().failure?.description == "entry 1: the versions table does not match the journal")
  }

  @Test func policyKeysThatSwiftCallsEqualButWhoseBytesDifferAreTwoPolicies() throws {
    // Recording finds keys by their bytes, as SQLite compares them; so must verify.
    let ledger = try Ledger.temporary()
    for key in ["caf\u{E9}", "cafe\u{301}", "caf\u{E9}", "other"] {
      try ledger.addVersion(
        NewVersion(policy: key, title: "T", body: Array("Body".utf8), effectiveFrom: Instant(microseconds: 0)), actor: "test")
    }
    #expect(try ledger.db.prepare("SELECT count(*) FROM policies").first { $0.int(0) } == 3)
    #expect(try ledger.verify().isValid)
  }

  @Test func aPolicyRowNumberedBelowTheOthersIsOneNoEntryAccountsFor() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    try db.execute("INSERT INTO policies (id, key) VALUES (0, 'ghost')")
    #expect(try ledger.verify().failure?.description == "the policies table has 1 row that no entry accounts for")
  }

  @Test func headParsesBackFromWhatItPrints() throws {
    let head = VerifyResult.Head(seq: 12, hash: Array(0..<32))
    #expect(try VerifyResult.Head.parse(head.description, field: "--expect") == head)
    expectLedgerError("invalid --expect '12:abc': expected SEQ:HASH, as 'policy-ledger head' prints it") {
      _ = try VerifyResult.Head.parse("12:abc", field: "--expect")
    }
  }
}
