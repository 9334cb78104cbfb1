import Foundation
import Testing

@testable import PolicyLedger

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite struct WriterTests {
  // MARK: ByteSink

  @Test func sinkWritesSmallAndLargePiecesInOrder() throws {
    var expected: [UInt8] = []
    let output = try captured { sink in
      for i in 0..<100_000 {
        let byte = UInt8(truncatingIfNeeded: i)
        sink.write(byte: byte)
        expected.append(byte)
        if i % 9_999 == 0 {
          let large = [UInt8](repeating: UInt8(truncatingIfNeeded: i / 7), count: 70_000 + i)
          large.withUnsafeBytes { sink.write($0) }
          expected += large
          sink.write("é😀")
          expected += Array("é😀".utf8)
        }
      }
      sink.writeDecimal(0)
      sink.writeDecimal(-9)
      sink.writeDecimal(Int64.min)
      sink.writeDecimal(Int64.max)
      expected += Array("0-9-92233720368547758089223372036854775807".utf8)
    }
    #expect(output == expected)
  }

  @Test func sinkCreatesAFileWithModeSixFourFourAtMost() throws {
    let path = temporaryPath()
    defer { unlink(path) }
    try Data("old contents, longer".utf8).write(to: URL(fileURLWithPath: path))
    let sink = try ByteSink.create(path: path)
    sink.write("new")
    try sink.close()
    try sink.close()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")

    let fresh = temporaryPath()
    defer { unlink(fresh) }
    try ByteSink.create(path: fresh).close()
    var status = stat()
    #expect(stat(fresh, &status) == 0)
    #expect(status.st_mode & 0o777 & ~0o644 == 0)
    #expect(status.st_mode & 0o600 == 0o600)
  }

  @Test func sinkRefusesAPathItCannotOpen() {
    let path = "/nonexistent-\(UUID().uuidString)/out.csv"
    expectLedgerError("cannot open '\(path)': No such file or directory") { try ByteSink.create(path: path) }
  }

  #if os(Linux)
    @Test func sinkThrowsWhenTheDiskIsFull() throws {
      let sink = try ByteSink.create(path: "/dev/full")
      let writer = CSVWriter(sink: sink)
      try writer.begin(columns: ["a"])
      let error = #expect(throws: LedgerError.self) {
        for _ in 0..<100_000 { try writer.write([.text("0123456789")]) }
      }
      #expect(error?.description == "cannot write to '/dev/full': No space left on device")
      #expect(sink.failedWithBrokenPipe == false)
      expectLedgerError("cannot write to '/dev/full': No space left on device") { try sink.close() }
    }
  #endif

  @Test func sinkWritesThroughAPipe() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer { close(fds[0]) }
    let sink = ByteSink(fileDescriptor: fds[1])
    let writer = JSONLinesWriter(sink: sink)
    try writer.begin(columns: ["n"])
    try writer.write([.integer(1)])
    try writer.finish()
    close(fds[1])
    var buffer = [UInt8](repeating: 0, count: 64)
    let n = read(fds[0], &buffer, 64)
    #expect(String(decoding: buffer[0..<max(n, 0)], as: UTF8.self) == "{\"n\":1}\n")
  }

  // MARK: CSV

  @Test func csvWritesAHeaderAndQuotesOnlyWhenNeeded() throws {
    let text = try render(
      .csv, columns: ["id", "note"],
      rows: [
        [.integer(1), .text("plain")],
        [.integer(-2), .text("a,b")],
        [.integer(3), .text("say \"hi\"")],
        [.integer(4), .text("two\nlines")],
        [.integer(5), .text("cr\r")],
        [.integer(6), .text(" lead")],
        [.integer(7), .text("trail ")],
        [.integer(8), .text("in side")],
        [.null, .text("")],
        [.integer(9), .text("é😀")],
        [.integer(10), .text("=1+2")],
      ])
    let expected = [
      "id,note", "1,plain", "-2,\"a,b\"", "3,\"say \"\"hi\"\"\"", "4,\"two\nlines\"", "5,\"cr\r\"", "6,\" lead\"",
      "7,\"trail \"", "8,in side", ",", "9,é😀", "10,=1+2",
    ]
    #expect(text == joinedLines(expected))
    #expect(!text.hasPrefix("\u{FEFF}"))
  }

  @Test func csvWritesOnlyTheHeaderForNoRows() throws {
    #expect(try render(.csv, columns: ["a", "b c", "d,e"], rows: []) == "a,b c,\"d,e\"\n")
  }

  @Test func csvExcelSafeGuardsFormulasAndIsOffByDefault() throws {
    let rows: [[Cell]] = ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx", "safe", "a=b", "", " =x", "=a,b", "-1 "].map {
      [.text($0), .integer(-5)]
    }
    let safe = try render(.csv, columns: ["=v", "n"], rows: rows, excelSafe: true)
    let expected = [
      "=v,n", "'=SUM(A1),-5", "'+1,-5", "'-1,-5", "'@cmd,-5", "'\tx,-5", "\"'\rx\",-5", "safe,-5", "a=b,-5", ",-5",
      "\" =x\",-5", "\"'=a,b\",-5", "\"'-1 \",-5",
    ]
    #expect(safe == joinedLines(expected))
    let plain = try render(.csv, columns: ["v"], rows: [[.text("=SUM(A1)")], [.text("-1")]])
    #expect(plain == "v\n=SUM(A1)\n-1\n")
  }

  // MARK: JSON

  @Test func jsonWritesOneArrayWithKeysInColumnOrder() throws {
    let text = try render(
      .json, columns: ["z", "a", "m"],
      rows: [[.integer(1), .text("x"), .null], [.integer(-2), .text(""), .text("y")]])
    #expect(text == "[\n{\"z\":1,\"a\":\"x\",\"m\":null},\n{\"z\":-2,\"a\":\"\",\"m\":\"y\"}\n]\n")
  }

  @Test func jsonWritesAnEmptyArrayForNoRows() throws {
    #expect(try render(.json, columns: ["a"], rows: []) == "[]\n")
    #expect(try render(.jsonl, columns: ["a"], rows: []) == "")
  }

  @Test func jsonEscapesStringsSoTheyParseBackUnchanged() throws {
    let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
    let values = [
      controls, "quote \" backslash \\ slash /", "é 日本 👩‍👩‍👧 \u{2028}\u{7F}\u{80}", "", "tab\tnl\ncr\r",
      "\u{0}", "</script>",
    ]
    let columns = ["key \"q\"\n\\", "n", "null"]
    let rows: [[Cell]] = values.map { [.text($0), .integer(Int64.min), .null] }
    let text = try render(.json, columns: columns, rows: rows)
    #expect(text.contains("\\u0000\\u0001"))
    #expect(text.contains("\\b\\t\\n\\u000b\\f\\r"))
    #expect(text.contains("é 日本 👩‍👩‍👧"))
    let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    #expect(parsed.count == values.count)
    for (object, value) in zip(parsed, values) {
      #expect(object[columns[0]] as? String == value)
      #expect((object["n"] as? NSNumber)?.int64Value == Int64.min)
      #expect(object["null"] is NSNull)
    }
  }

  @Test func jsonLinesWritesOneObjectALine() throws {
    let text = try render(
      .jsonl, columns: ["id", "body"],
      rows: [[.integer(1), .text("a\nb")], [.integer(2), .null], [.integer(3), .text("\"é\"")]])
    #expect(text == "{\"id\":1,\"body\":\"a\\nb\"}\n{\"id\":2,\"body\":null}\n{\"id\":3,\"body\":\"\\\"é\\\"\"}\n")
    let lines = text.split(separator: "\n")
    #expect(lines.count == 3)
    let last = try #require(try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
    #expect(last["body"] as? String == "\"é\"")
  }

  @Test func jsonStreamsRowsAsTheyArrive() throws {
    let path = temporaryPath()
    defer { unlink(path) }
    let sink = try ByteSink.create(path: path)
    let writer = JSONWriter(sink: sink)
    try writer.begin(columns: ["n"])
    let row = String(repeating: "x", count: 1000)
    for _ in 0..<200 { try writer.write([.text(row)]) }
    // More than a buffer's worth has reached the file before finish.
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    #expect(size >= ByteSink.bufferCapacity)
    try writer.finish()
    try sink.close()
  }

  // MARK: Tables

  @Test func tableAlignsColumnsUnderAHeaderAndRule() throws {
    let text = try render(
      .table, columns: ["id", "employee", "title"],
      rows: [
        [.integer(7), .text("E0001234"), .text("Remote work")],
        [.integer(1234), .null, .text("é😀")],
        [.integer(-5), .text("E1"), .null],
      ])
    let expected = [
      "id    employee  title",
      "----  --------  -----------",
      "   7  E0001234  Remote work",
      "1234            é😀",
      "  -5  E1",
    ]
    #expect(text == joinedLines(expected))
  }

  @Test func tablePrintsOnlyTheHeaderAndRuleForNoRows() throws {
    #expect(try render(.table, columns: ["id", "title"], rows: []) == "id  title\n--  -----\n")
  }

  @Test func tableShortensLongValuesAndEscapesControlCharacters() throws {
    let long = String(repeating: "é", count: 61)
    let exactly = String(repeating: "a", count: 60)
    let text = try render(
      .table, columns: ["v"],
      rows: [[.text(long)], [.text(exactly)], [.text("a\nb\r\nc\td\re\u{1B}f\u{202E}g")], [.text("👩‍👩‍👧x")]])
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "v")
    #expect(lines[1] == String(repeating: "-", count: 60))
    #expect(lines[2] == String(repeating: "é", count: 59) + "…")
    #expect(lines[2].count == 60)
    #expect(lines[3] == exactly)
    #expect(lines[4] == "a⏎b⏎c\\td\\re\\u{1B}f\\u{202E}g")
    #expect(lines[5] == "👩‍👩‍👧x")
    #expect(lines.count == 7 && lines[6] == "")
  }

  /// A digest is shown whole: one copied from a table must be the digest, not 59 of its 64
  /// hex digits and `…`. Other long values in the same rows are still cut.
  @Test func tableShowsADigestColumnWhole() throws {
    let digest = String(repeating: "0123456789abcdef", count: 4)
    let long = String(repeating: "t", count: 70)
    let text = try render(.table, columns: ["title", "body_sha256"], rows: [[.text(long), .text(digest)]])
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.count == 3)
    #expect(lines[2] == String(repeating: "t", count: 59) + "…  " + digest)
    #expect(lines[1] == String(repeating: "-", count: 60) + "  " + String(repeating: "-", count: 64))
  }

  /// Widths in the columns a terminal shows: a combining mark takes none, and a flag (an
  /// emoji sequence with U+FE0F) two, as one character.
  @Test func tableMeasuresWidthsInColumns() throws {
    let text = try render(.table, columns: ["a", "b"], rows: [[.text("e\u{301}e\u{301}"), .text("x")], [.text("🏳️‍🌈"), .text("y")]])
    #expect(text == "a   b\n--  -\ne\u{301}e\u{301}  x\n🏳️‍🌈  y\n")
  }

  @Test func recordWriterPrintsOneLineAColumnWithNamesRightAligned() throws {
    let text = try captured { sink in
      let writer = RecordWriter(sink: sink)
      try writer.begin(columns: ["id", "title", "body", "note"])
      try writer.write([.integer(7), .text("Remote work"), .text("First line\r\nsecond line\n\nend"), .null])
      try writer.write([.integer(8), .text("tab\there"), .text(String(repeating: "x", count: 80)), .text("n")])
      try writer.finish()
    }
    let expected = [
      "   id: 7",
      "title: Remote work",
      " body: First line",
      "       second line",
      "       ",
      "       end",
      " note:",
      "",
      "   id: 8",
      "title: tab\\there",
      " body: " + String(repeating: "x", count: 80),
      " note: n",
    ]
    #expect(String(decoding: text, as: UTF8.self) == joinedLines(expected))
  }

  /// Columns line up on a terminal when values hold wide characters (two columns each) or
  /// combining marks (none), as the sqlite3 shell lines them up; a long wide value is cut
  /// by columns.
  @Test func tablesCountTheColumnsATerminalShows() throws {
    #expect(TableWriter.displayWidth("leave") == 5)
    #expect(TableWriter.displayWidth("\u{5C31}\u{696D}\u{898F}\u{5247}") == 8)  // 就業規則
    #expect(TableWriter.displayWidth("Jose\u{301}") == 4)
    #expect(TableWriter.displayWidth("\u{1F389} party") == 8)
    #expect(TableWriter.displayWidth("\u{2764}\u{FE0F}") == 2, "an emoji by its presentation selector")
    let table = try render(
      .table, columns: ["policy", "n"],
      rows: [[.text("leave"), .integer(1)], [.text("\u{5C31}\u{696D}\u{898F}\u{5247}"), .integer(2)], [.text("Jose\u{301}"), .integer(3)]])
    #expect(
      table
        == joinedLines([
          "policy    n", "--------  -", "leave     1", "\u{5C31}\u{696D}\u{898F}\u{5247}  2", "Jose\u{301}      3",
        ]))
    let long = try render(.table, columns: ["t"], rows: [[.text(String(repeating: "\u{898F}", count: 40))]])
    let cut = try #require(long.split(separator: "\n").last)
    #expect(TableWriter.displayWidth(String(cut)) <= TableWriter.maxValueWidth)
    #expect(cut.hasSuffix("\u{898F}\u{2026}"))
  }

  @Test func makeRowWriterPicksTheFormat() throws {
    let sink = ByteSink(fileDescriptor: -1)
    #expect(makeRowWriter(.table, sink: sink) is TableWriter)
    #expect(makeRowWriter(.csv, sink: sink) is CSVWriter)
    #expect((makeRowWriter(.csv, sink: sink, excelSafe: true) as? CSVWriter)?.excelSafe == true)
    #expect(makeRowWriter(.json, sink: sink) is JSONWriter)
    #expect(makeRowWriter(.jsonl, sink: sink) is JSONLinesWriter)
    #expect(makeRowWriter(.tsv, sink: sink) is TSVWriter)
    #expect(OutputFormat.allCases.map(\.rawValue) == ["table", "csv", "tsv", "json", "jsonl"])
  }
}

// MARK: - Helpers

extension WriterTests {
  /// The lines, each ended by LF.
  private func joinedLines(_ lines: [String]) -> String {
    lines.map { $0 + "\n" }.joined()
  }

  private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("writertests-\(UUID().uuidString)").path
  }

  /// The bytes `body` writes to a sink over a temporary file.
  private func captured(_ body: (ByteSink) throws -> Void) throws -> [UInt8] {
    let path = temporaryPath()
    defer { unlink(path) }
    let sink = try ByteSink.create(path: path)
    try body(sink)
    try sink.close()
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  private func render(_ format: OutputFormat, columns: [String], rows: [[Cell]], excelSafe: Bool = false) throws
    -> String
  {
    let output = try captured { sink in
      let writer = makeRowWriter(format, sink: sink, excelSafe: excelSafe)
      try writer.begin(columns: columns)
      for row in rows { try writer.write(row) }
      try writer.finish()
    }
    return String(decoding: output, as: UTF8.self)
  }
}
