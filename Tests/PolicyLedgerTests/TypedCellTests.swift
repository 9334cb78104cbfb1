import Foundation
import Testing

@testable import PolicyLedger

/// Cells carry a type (flag, list, number, open bound), and each format spells it as its
/// users expect: CSV, TSV and tables flat, JSON and JSONL typed (docs/formats.md).
struct TypedCellTests {
  static let columns = ["id", "count", "void_version", "corrected_by", "effective_until"]
  static let row: [Cell] = [.text("C1"), .integer(4), .boolean(true), .list(["C14", "C18"]), .null]
  static let empty: [Cell] = [.text("C2"), .integer(0), .boolean(false), .list([]), .null]

  @Test func jsonWritesFlagsAsBooleansListsAsArraysAndOpenBoundsAsNull() throws {
    let json = try written(.json)
    #expect(
      json == """
        [
        {"id":"C1","count":4,"void_version":true,"corrected_by":["C14","C18"],"effective_until":null},
        {"id":"C2","count":0,"void_version":false,"corrected_by":[],"effective_until":null}
        ]

        """)
    #expect(
      try written(.jsonl)
        == "{\"id\":\"C1\",\"count\":4,\"void_version\":true,\"corrected_by\":[\"C14\",\"C18\"],\"effective_until\":null}\n"
        + "{\"id\":\"C2\",\"count\":0,\"void_version\":false,\"corrected_by\":[],\"effective_until\":null}\n")
  }

  @Test func csvAndTablesStayFlat() throws {
    #expect(
      try written(.csv) == "id,count,void_version,corrected_by,effective_until\nC1,4,true,C14;C18,\nC2,0,false,,\n")
    #expect(try written(.csv, headers: false) == "C1,4,true,C14;C18,\nC2,0,false,,\n")
    let table = try written(.table).split(separator: "\n").map(String.init)
    #expect(table[2] == "C1      4  true          C14;C18")
    #expect(try written(.table, headers: false).split(separator: "\n").first == "C1  4  true   C14;C18")
  }

  @Test func tsvEscapesTabsLineBreaksAndBackslashes() throws {
    #expect(try written(.tsv) == "id\tcount\tvoid_version\tcorrected_by\teffective_until\nC1\t4\ttrue\tC14;C18\t\nC2\t0\tfalse\t\t\n")
    let tricky = try captured { sink in
      let writer = makeRowWriter(.tsv, sink: sink, headers: false)
      try writer.begin(columns: ["a", "b"])
      try writer.write([.text("one\ttwo\nthree\r\\four"), .text("é")])
      try writer.finish()
    }
    #expect(tricky == "one\\ttwo\\nthree\\r\\\\four\té\n")
  }

  private func written(_ format: OutputFormat, headers: Bool = true) throws -> String {
    try captured { sink in
      let writer = makeRowWriter(format, sink: sink, headers: headers)
      try writer.begin(columns: Self.columns)
      try writer.write(Self.row)
      try writer.write(Self.empty)
      try writer.finish()
    }
  }

  private func captured(_ body: (ByteSink) throws -> Void) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("typedcells-\(UUID().uuidString)").path
    defer { unlink(path) }
    let sink = try ByteSink.create(path: path)
    try body(sink)
    try sink.close()
    return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
  }
}
