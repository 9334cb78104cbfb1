import Foundation
import LedgerBenchData
import Testing

@testable import PolicyLedger

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite struct CSVTests {
  // MARK: Reading

  @Test func readsRecordsEndedByLFOrCRLF() throws {
    let records = try readAll("a,b\nc,d\r\ne,f\n")
    #expect(records == [["a", "b"], ["c", "d"], ["e", "f"]])
  }

  @Test func readsFinalRecordWithoutLineEnd() throws {
    #expect(try readAll("a,b\nc,d") == [["a", "b"], ["c", "d"]])
    #expect(try readAll("a,\"b\"") == [["a", "b"]])
    #expect(try readAll("a,") == [["a", ""]])
  }

  @Test func readsNothingFromEmptyInput() throws {
    #expect(try readAll("") == [])
    #expect(try readAll("\u{FEFF}") == [])
  }

  @Test func readsAnEmptyLineAsOneEmptyField() throws {
    #expect(try readAll("a\n\nb\n") == [["a"], [""], ["b"]])
    #expect(try readAll("\n") == [[""]])
  }

  @Test func readsQuotedFieldsWithEscapesCommasAndLineBreaks() throws {
    let reader = CSVReader(bytes: bytes("id,body\n1,\"say \"\"hi\"\", then, \r\nbye\nend\"\n2,\"\"\n3,\"\"\"\"\r\n"))
    #expect(try reader.readRecord() == ["id", "body"])
    #expect(reader.recordLine == 1)
    #expect(try reader.readRecord() == ["1", "say \"hi\", then, \r\nbye\nend"])
    #expect(reader.recordLine == 2)
    #expect(try reader.readRecord() == ["2", ""])
    #expect(reader.recordLine == 5)
    #expect(try reader.readRecord() == ["3", "\""])
    #expect(reader.recordLine == 6)
    #expect(try reader.readRecord() == nil)
  }

  @Test func skipsAByteOrderMarkOnlyAtTheStart() throws {
    #expect(try readAll("\u{FEFF}a,b\n\u{FEFF}c,d\n") == [["a", "b"], ["\u{FEFF}c", "d"]])
    #expect(try readAll("\u{FEFF}\"a\"\n") == [["a"]])
  }

  @Test func passesNULBytesOn() throws {
    #expect(try readAll("a\u{0}b,\"\u{0}\"\n") == [["a\u{0}b", "\u{0}"]])
  }

  @Test func keepsNonASCIIAndEmoji() throws {
    #expect(try readAll("é,日本,\"👩‍👩‍👧 ,x\"\n") == [["é", "日本", "👩‍👩‍👧 ,x"]])
  }

  // MARK: Refusals

  @Test func refusesABareQuoteInAnUnquotedField() {
    expectError(CSVError(line: 3, message: "bare quote in unquoted field"), "a,b\nc,d\ne,f\"g\n")
    expectError(CSVError(line: 1, message: "bare quote in unquoted field"), "ab\"\n")
  }

  @Test func refusesCharactersAfterAClosingQuote() {
    expectError(CSVError(line: 2, message: "unexpected 'x' after closing quote"), "a\n\"b\"x,c\n")
    expectError(CSVError(line: 1, message: "unexpected ' ' after closing quote"), "\"b\" ,c\n")
    expectError(CSVError(line: 3, message: "unexpected '\\r' after closing quote"), "a\n\"b\nc\"\rd\n")
    expectError(CSVError(line: 1, message: "unexpected byte 0xC3 after closing quote"), "\"b\"é\n")
  }

  @Test func refusesACarriageReturnThatDoesNotEndALine() {
    expectError(CSVError(line: 2, message: "bare CR in unquoted field"), "a\nb\rc\n")
    expectError(CSVError(line: 1, message: "bare CR in unquoted field"), "a\r")
  }

  @Test func refusesAnUnterminatedQuotedFieldNamingTheLineWhereItBegan() {
    expectError(CSVError(line: 2, message: "unterminated quoted field"), "a,b\nc,\"d\ne\nf\n")
    expectError(CSVError(line: 1, message: "unterminated quoted field"), "\"")
  }

  @Test func refusesInvalidUTF8NamingTheLine() {
    expectError(CSVError(line: 2, message: "invalid UTF-8 in field 2"), [0x61, 0x0A, 0x62, 0x2C, 0xFF, 0x0A])
    // In a quoted field over several lines: the line of the bad byte.
    expectError(
      CSVError(line: 4, message: "invalid UTF-8 in field 1"),
      Array("a\n\"b\nc\nd".utf8) + [0xC3, 0x28] + Array("\"\n".utf8))
    // An overlong encoding, a surrogate, a truncated sequence at the end.
    expectError(CSVError(line: 1, message: "invalid UTF-8 in field 1"), [0xC0, 0xAF])
    expectError(CSVError(line: 1, message: "invalid UTF-8 in field 1"), [0xED, 0xA0, 0x80, 0x0A])
    expectError(CSVError(line: 1, message: "invalid UTF-8 in field 2"), [0x61, 0x2C, 0xE2, 0x82])
  }

  @Test func refusesAFieldLongerThanTheLimit() throws {
    let reader = CSVReader(bytes: bytes("a,b\n1234567890,x\n\"12345678901\"\n"))
    reader.maxFieldBytes = 10
    #expect(try reader.readRecord() == ["a", "b"])
    #expect(try reader.readRecord() == ["1234567890", "x"])
    #expect(throws: CSVError(line: 3, message: "field longer than 10 bytes")) { try reader.readRecord() }

    // Across chunks, too.
    let chunked = CSVReader(bytes: bytes("x\n12345678901\n"), chunkSize: 3)
    chunked.maxFieldBytes = 10
    #expect(try chunked.readRecord() == ["x"])
    #expect(throws: CSVError(line: 2, message: "field longer than 10 bytes")) { try chunked.readRecord() }
  }

  @Test func refusesAFieldLongerThanSixteenMebibytesByDefault() throws {
    var input = Array("a\n".utf8)
    input += [UInt8](repeating: UInt8(ascii: "x"), count: 16 * 1024 * 1024 + 1)
    let reader = CSVReader(bytes: input)
    #expect(try reader.readRecord() == ["a"])
    #expect(throws: CSVError(line: 2, message: "field longer than 16777216 bytes")) { try reader.readRecord() }
  }

  @Test func keepsThrowingAfterARefusal() throws {
    let reader = CSVReader(bytes: bytes("a\"\nb\n"))
    #expect(throws: CSVError(line: 1, message: "bare quote in unquoted field")) { try reader.readRecord() }
    #expect(throws: CSVError(line: 1, message: "bare quote in unquoted field")) { try reader.readRecord() }
  }

  @Test func describesAnErrorWithItsLine() {
    #expect(CSVError(line: 7, message: "3 fields, expected 4").description == "line 7: 3 fields, expected 4")
  }

  @Test func refusesToOpenAMissingFileOrADirectory() throws {
    let missing = "/nonexistent-\(UUID().uuidString)/x.csv"
    expectLedgerError("cannot open '\(missing)': No such file or directory") { try CSVReader(path: missing) }
    expectLedgerError("cannot open '\(missing)': No such file or directory") { try LineReader(path: missing) }
    expectLedgerError("cannot open '/tmp': Is a directory") { try CSVReader(path: "/tmp") }
    // Named by the option or argument that gave the path.
    expectLedgerError("invalid FILE '\(missing)': cannot open it (No such file or directory)") {
      try ImportFile(path: missing, field: "FILE")
    }
    expectLedgerError("invalid --recipients-file '/tmp': cannot open it (Is a directory)") {
      try RecipientFile(path: "/tmp", field: "--recipients-file")
    }
  }

  // MARK: Chunks

  @Test func parsesTheSameWhateverTheChunkSize() throws {
    let input = bytes(
      "\u{FEFF}id,\"body\"\r\n1,\"a \"\"q\"\" b\r\nc\"\r\n2,\"\"\"\"\n3,,\n\"\",é😀\r\n\"x\ny\",\"\"\n4,last")
    let expected = try readAll(input)
    #expect(expected.count == 7)
    for chunkSize in 1...24 {
      let reader = CSVReader(bytes: input, chunkSize: chunkSize)
      var records: [[String]] = []
      var lines: [Int] = []
      while let record = try reader.readRecord() {
        records.append(record)
        lines.append(reader.recordLine)
      }
      #expect(records == expected, "chunk size \(chunkSize)")
      #expect(lines == [1, 2, 4, 5, 6, 7, 9], "chunk size \(chunkSize)")
    }
  }

  @Test func roundTripsFieldsStraddlingTheOneMebibyteChunkBoundary() throws {
    let chunk = 1024 * 1024
    // Put each awkward piece exactly on the boundary in turn: a doubled quote, a CRLF, a
    // multi-byte character, a closing quote followed by a comma.
    let pieces = ["\"\"", "\r\n", "é", "😀", "\",", "a,b", "\n"]
    for piece in pieces {
      for shift in 0...piece.utf8.count {
        // Header "h1,h2\n" (6 bytes), then `"` and the padding; the piece starts at `chunk - shift`.
        let padding = String(repeating: "p", count: chunk - 6 - 1 - shift)
        let value = padding + piece.replacingOccurrences(of: "\"\"", with: "\"") + "tail"
        let rows: [[Cell]] = [[.text(value), .text("x")], [.text("=1"), .null]]
        let path = temporaryPath()
        defer { unlink(path) }
        let sink = try ByteSink.create(path: path)
        let writer = CSVWriter(sink: sink)
        try writer.begin(columns: ["h1", "h2"])
        for row in rows { try writer.write(row) }
        try writer.finish()
        try sink.close()
        let reader = try CSVReader(path: path)
        #expect(try reader.readRecord() == ["h1", "h2"])
        #expect(try reader.readRecord() == [value, "x"])
        #expect(try reader.readRecord() == ["=1", ""])
        #expect(try reader.readRecord() == nil)
      }
    }
  }

  @Test func readsFromAPipe() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    let sink = ByteSink(fileDescriptor: fds[1], closesDescriptor: true)
    sink.write("a,\"b\nc\"\r\nd,e\n")
    try sink.close()
    let reader = CSVReader(fileDescriptor: fds[0])
    #expect(try reader.readRecord() == ["a", "b\nc"])
    #expect(try reader.readRecord() == ["d", "e"])
    #expect(try reader.readRecord() == nil)
    close(fds[0])
  }

  // MARK: Round trips

  @Test func roundTripsAwkwardValuesUnchanged() throws {
    let values = [
      "plain", "with,comma", "with \"quotes\"", "\"", "\"\"", "cr\rinside", "lf\ninside", "crlf\r\ninside",
      "\r\n", "\n", "\r", "é and 日本語", "emoji 👩‍👩‍👧 🏳️‍🌈", "=SUM(A1)", "+1", "-1", "@cmd", "\tTab",
      "", " leading", "trailing ", " both ", " ", "\u{FEFF}bom", "nul\u{0}byte", "a,\"b\"\r\n,c",
      "' quote", "\\backslash",
    ]
    var rows: [[Cell]] = values.map { [.text($0), .integer(-42), .text($0)] }
    rows.append([.null, .integer(Int64.min), .text("")])
    rows.append([.text("\u{FEFF}"), .integer(Int64.max), .null])
    for excelSafe in [false, true] {
      let text = try writeCSV(columns: ["a b", "\"n\"", "c,d"], rows: rows, excelSafe: excelSafe)
      let records = try readAll(bytes(text))
      #expect(records.first == ["a b", "\"n\"", "c,d"])
      #expect(records.count == rows.count + 1)
      for (record, row) in zip(records.dropFirst(), rows) {
        #expect(record == row.map { expectedCSVValue($0, excelSafe: excelSafe) })
      }
    }
  }

  /// `--excel-safe` in TSV: a `'` before a text or list field starting with = + - @; a
  /// TAB or CR is escaped (`\t`, `\r`), which no spreadsheet runs; numbers and the header are
  /// never changed.
  @Test func tsvExcelSafeGuardsFormulasAsCSVDoes() throws {
    let rows: [[Cell]] = [
      [.text("=SUM(A1)"), .integer(-42), .list(["+1", "b"]), .text("@x"), .text("-2"), .text("\tTab"), .text("\rCR"), .text("plain"), .boolean(true), .null]
    ]
    for excelSafe in [false, true] {
      let path = temporaryPath()
      defer { unlink(path) }
      let sink = try ByteSink.create(path: path)
      let writer = TSVWriter(sink: sink, excelSafe: excelSafe)
      try writer.begin(columns: ["=a", "b"])
      for row in rows { try writer.write(row) }
      try writer.finish()
      try sink.close()
      let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
      let q = excelSafe ? "'" : ""
      #expect(text == "=a\tb\n\(q)=SUM(A1)\t-42\t\(q)+1;b\t\(q)@x\t\(q)-2\t\\tTab\t\\rCR\tplain\ttrue\t\n", "excelSafe: \(excelSafe)")
    }
  }

  @Test func roundTripsRandomTablesExactly() throws {
    var generator = SplitMix64(seed: 0x5EED_CAFE)
    let alphabet: [String] = [
      "a", "b", "Z", "0", " ", ",", "\"", "\r", "\n", "\r\n", "\t", "=", "+", "-", "@", "'", "é", "ß", "日",
      "😀", "👩‍👩‍👧", "\u{FEFF}", "\u{0}", "\u{1B}", "\\", ";",
    ]
    func randomString() -> String {
      let length = Int(generator.next() % 9)
      var text = ""
      for _ in 0..<length { text += alphabet[Int(generator.next() % UInt64(alphabet.count))] }
      return text
    }
    for table in 0..<500 {
      let columnCount = 1 + Int(generator.next() % 6)
      let rowCount = Int(generator.next() % 12)
      let columns = (0..<columnCount).map { _ in randomString() }
      let rows = (0..<rowCount).map { _ in (0..<columnCount).map { _ in randomString() } }
      let text = try writeCSV(columns: columns, rows: rows.map { $0.map { Cell.text($0) } })
      let chunkSize = 1 + Int(generator.next() % 64)
      let reader = CSVReader(bytes: bytes(text), chunkSize: chunkSize)
      var records: [[String]] = []
      while let record = try reader.readRecord() { records.append(record) }
      #expect(records == [columns] + rows, "table \(table)")
      if records != [columns] + rows { break }
    }
  }

  @Test func validatesUTF8AsTheStandardLibraryDoes() {
    var generator = SplitMix64(seed: 42)
    let interesting: [UInt8] = [
      0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
      0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
    ]
    for _ in 0..<50_000 {
      let count = Int(generator.next() % 14)
      let input = (0..<count).map { _ in interesting[Int(generator.next() % UInt64(interesting.count))] }
      let expected = String(validating: input, as: UTF8.self) != nil
      let actual = input.withUnsafeBufferPointer { CSVReader.isValidUTF8($0) }
      #expect(actual == expected, "\(input.map { String($0, radix: 16) })")
      if actual != expected { break }
    }
  }

  @Test func parsesRandomBytesTheSameWhateverTheChunkSize() {
    var generator = SplitMix64(seed: 7)
    let alphabet: [UInt8] = [0x61, 0x2C, 0x22, 0x0D, 0x0A, 0x20, 0xC3, 0xA9, 0xFF, 0xEF, 0xBB, 0xBF]
    for _ in 0..<2_000 {
      let count = Int(generator.next() % 24)
      let input = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
      let reference = outcome(input, chunkSize: 1 << 20)
      for chunkSize in [1, 2, 3, 5] {
        #expect(outcome(input, chunkSize: chunkSize) == reference, "\(input) chunk size \(chunkSize)")
      }
    }
  }

  // MARK: CSVTable

  @Test func readsATableByColumnName() throws {
    let reader = CSVReader(bytes: bytes("body,employee\n\"multi\nline\",E1\nhi,E2\n"))
    let table = try CSVTable(reader: reader, required: ["employee", "body"], optional: ["title"])
    #expect(table.columns == ["body", "employee"])
    let first = try #require(try table.next())
    #expect(first.line == 2)
    #expect(first["employee"] == "E1")
    #expect(first["body"] == "multi\nline")
    #expect(first["title"] == nil)
    #expect(first["nonsense"] == nil)
    let second = try #require(try table.next())
    #expect(second.line == 4)
    #expect(second["body"] == "hi")
    #expect(try table.next() == nil)
  }

  @Test func refusesAnUnknownColumn() {
    expectTableError(
      CSVError(line: 1, message: "unknown column 'x' (expected: a, b, c)"), "a,x,b\n", required: ["a", "b"], optional: ["c"])
  }

  @Test func refusesADuplicateColumn() {
    expectTableError(CSVError(line: 1, message: "duplicate column 'a'"), "a,b,a\n", required: ["a", "b"], optional: [])
  }

  @Test func refusesAMissingRequiredColumn() {
    expectTableError(
      CSVError(line: 1, message: "missing column 'body'"), "employee\nE1\n", required: ["employee", "body"],
      optional: ["title"])
  }

  @Test func refusesAnEmptyHeaderOrFile() {
    expectTableError(CSVError(line: 1, message: "empty header: expected a, b"), "\na\n", required: ["a"], optional: ["b"])
    expectTableError(
      CSVError(line: 1, message: "empty file: expected a header (a, b)"), "", required: ["a"], optional: ["b"])
  }

  @Test func refusesARecordWithTheWrongFieldCount() throws {
    let reader = CSVReader(bytes: bytes("a,b,c,d\n1,2,3,4\n\"x\ny\",2,3,4\n5,6,7,8\n\n\n1,2,3\n"))
    let table = try CSVTable(reader: reader, required: ["a", "b", "c", "d"], optional: [])
    #expect(try table.next()?.line == 2)
    #expect(try table.next()?.line == 3)
    #expect(try table.next()?.line == 5)
    #expect(throws: CSVError(line: 6, message: "empty line, expected 4 fields")) { try table.next() }

    let short = try CSVTable(
      reader: CSVReader(bytes: bytes("a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n")),
      required: ["a", "b", "c", "d"], optional: [])
    for _ in 0..<5 { _ = try short.next() }
    #expect(throws: CSVError(line: 7, message: "3 fields, expected 4")) { try short.next() }
    #expect(
      CSVError(line: 7, message: "3 fields, expected 4").description == "line 7: 3 fields, expected 4")

    let long = try CSVTable(reader: CSVReader(bytes: bytes("a\n1,2\n")), required: ["a"], optional: [])
    // More fields than columns: most often a comma left unquoted, which the message says.
    #expect(throws: CSVError(line: 2, message: "2 fields, expected 1; a value holding a comma is written in double quotes")) { try long.next() }
  }

  /// A line of a million commas: the table keeps one field more than its header (the reader
  /// counts the rest), and says how many there were; a header as long names its first
  /// unknown or doubled column. Neither keeps the million.
  @Test func aRecordOfAMillionFieldsIsCountedNotKept() throws {
    let commas = String(repeating: ",", count: 1_000_000)
    let reader = CSVReader(bytes: bytes("a,b,c,d\n1,2,3,4\n1" + commas + "\n"))
    let table = try CSVTable(reader: reader, required: ["a", "b", "c", "d"], optional: [])
    #expect(reader.maxFieldsKept == 5)
    #expect(try table.next()?.fields == ["1", "2", "3", "4"])
    #expect(throws: CSVError(line: 3, message: "1000001 fields, expected 4; a value holding a comma is written in double quotes")) {
      try table.next()
    }
    #expect(reader.recordFieldCount == 1_000_001)
    expectTableError(
      CSVError(line: 1, message: "unknown column '' (expected: a, b, c)"), "a,b" + commas + "\n", required: ["a", "b"], optional: ["c"])
    expectTableError(CSVError(line: 1, message: "duplicate column 'a'"), "a,b,c,a" + commas + "\n", required: ["a", "b"], optional: ["c"])
    // The reader alone keeps what it is told to, and counts every field.
    let plain = CSVReader(bytes: bytes("x,y,z,w\n"))
    plain.maxFieldsKept = 2
    #expect(try plain.readRecord() == ["x", "y"])
    #expect(plain.recordFieldCount == 4)
  }

  @Test func passesReaderErrorsThroughTheTable() throws {
    let table = try CSVTable(reader: CSVReader(bytes: bytes("a\n\"x\n")), required: ["a"], optional: [])
    // The table names the column of the field the reader refused.
    #expect(throws: CSVError(line: 2, message: "unterminated quoted field (column 'a')")) { try table.next() }
  }

  // MARK: LineReader

  @Test func readsLinesEndedByLFOrCRLFAndALastLineWithout() throws {
    #expect(try lines("E1\r\nE2\n\n  E3 \r\nE4") == [(1, "E1"), (2, "E2"), (3, ""), (4, "  E3 "), (5, "E4")].map(Line.init))
    #expect(try lines("E1\n") == [Line(1, "E1")])
    #expect(try lines("") == [])
    #expect(try lines("\n") == [Line(1, "")])
    #expect(try lines("\u{FEFF}E1\nE2\r") == [Line(1, "E1"), Line(2, "E2\r")])
  }

  @Test func readsLinesTheSameWhateverTheChunkSize() throws {
    let input = bytes("E1\r\nE22\r\n\r\né😀\nlast\r")
    let expected = try lines(input, chunkSize: 1024)
    #expect(expected == [Line(1, "E1"), Line(2, "E22"), Line(3, ""), Line(4, "é😀"), Line(5, "last\r")])
    for chunkSize in 1...12 {
      #expect(try lines(input, chunkSize: chunkSize) == expected, "chunk size \(chunkSize)")
    }
  }

  @Test func refusesALineOfInvalidUTF8() throws {
    let reader = LineReader(bytes: Array("E1\r\nE2\n".utf8) + [0x45, 0xFE, 0x0D, 0x0A] + Array("E4\n".utf8))
    #expect(try reader.next()?.text == "E1")
    #expect(try reader.next()?.text == "E2")
    #expect(throws: CSVError(line: 3, message: "invalid UTF-8")) { try reader.next() }
    #expect(throws: CSVError(line: 3, message: "invalid UTF-8")) { try reader.next() }
  }

  @Test func refusesALineLongerThanOneMebibyte() throws {
    let longest = [UInt8](repeating: UInt8(ascii: "x"), count: LineReader.maxLineBytes)
    let fine = LineReader(bytes: longest + [0x0D, 0x0A] + longest)
    #expect(try fine.next()?.text.utf8.count == LineReader.maxLineBytes)
    #expect(try fine.next()?.text.utf8.count == LineReader.maxLineBytes)
    #expect(try fine.next() == nil)

    let tooLong = LineReader(bytes: Array("a\n".utf8) + longest + [0x78, 0x0A])
    #expect(try tooLong.next()?.text == "a")
    #expect(throws: CSVError(line: 2, message: "line longer than 1048576 bytes")) { try tooLong.next() }
  }

  @Test func readsLinesFromAFile() throws {
    let path = temporaryPath()
    defer { unlink(path) }
    try Data("E0001\r\nE0002\n".utf8).write(to: URL(fileURLWithPath: path))
    let reader = try LineReader(path: path)
    #expect(try reader.next()?.text == "E0001")
    #expect(try reader.next()?.line == 2)
    #expect(try reader.next() == nil)
  }
}

// MARK: - Helpers

extension CSVTests {
  private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  private func readAll(_ text: String) throws -> [[String]] { try readAll(bytes(text)) }

  private func readAll(_ input: [UInt8]) throws -> [[String]] {
    let reader = CSVReader(bytes: input)
    var records: [[String]] = []
    while let record = try reader.readRecord() { records.append(record) }
    return records
  }

  /// The records and their lines up to the end, or up to the refusal and the refusal.
  private func outcome(_ input: [UInt8], chunkSize: Int) -> String {
    let reader = CSVReader(bytes: input, chunkSize: chunkSize)
    var result = ""
    do {
      while let record = try reader.readRecord() { result += "\(reader.recordLine):\(record);" }
    } catch {
      result += "error \(error)"
    }
    return result
  }

  private func expectError(
    _ expected: CSVError, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    expectError(expected, bytes(text), sourceLocation: sourceLocation)
  }

  /// Reads to the end, at several chunk sizes, and expects the refusal.
  private func expectError(
    _ expected: CSVError, _ input: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for chunkSize in [1, 2, 3, 7, ByteSource.defaultChunkSize] {
      let reader = CSVReader(bytes: input, chunkSize: chunkSize)
      #expect(throws: expected, "chunk size \(chunkSize)", sourceLocation: sourceLocation) {
        while try reader.readRecord() != nil {}
      }
    }
  }

  private func expectTableError(
    _ expected: CSVError, _ text: String, required: [String], optional: [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(throws: expected, sourceLocation: sourceLocation) {
      let table = try CSVTable(reader: CSVReader(bytes: bytes(text)), required: required, optional: optional)
      while try table.next() != nil {}
    }
  }

  private struct Line: Equatable {
    let line: Int
    let text: String
    init(_ line: Int, _ text: String) {
      self.line = line
      self.text = text
    }
  }

  private func lines(_ text: String) throws -> [Line] { try lines(bytes(text), chunkSize: 1024) }

  private func lines(_ input: [UInt8], chunkSize: Int) throws -> [Line] {
    let reader = LineReader(bytes: input, chunkSize: chunkSize)
    var result: [Line] = []
    while let next = try reader.next() { result.append(Line(next.line, next.text)) }
    return result
  }

  private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("csvtests-\(UUID().uuidString).csv").path
  }

  /// Writes through CSVWriter to a temporary file and returns what was written.
  private func writeCSV(columns: [String], rows: [[Cell]], excelSafe: Bool = false) throws -> String {
    let path = temporaryPath()
    defer { unlink(path) }
    let sink = try ByteSink.create(path: path)
    let writer = CSVWriter(sink: sink, excelSafe: excelSafe)
    try writer.begin(columns: columns)
    for row in rows { try writer.write(row) }
    try writer.finish()
    try sink.close()
    return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
  }

  /// What CSVReader gives back for a cell written by CSVWriter.
  private func expectedCSVValue(_ cell: Cell, excelSafe: Bool) -> String {
    switch cell {
    case .null: return ""
    case .integer(let value): return String(value)
    case .boolean, .list: return expectedCSVValue(.text(cell.flatText ?? ""), excelSafe: excelSafe)
    case .text(let text):
      if excelSafe, let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
        return "'" + text
      }
      return text
    }
  }

}
