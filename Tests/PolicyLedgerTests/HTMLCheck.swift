import Foundation
import Testing

/// Parses HTML with Python's `html.parser` (a real tokenizer, not a regular expression)
/// and reports what a well-formedness check needs: every element closed in order, how
/// many of each element there are, and the text as a reader would see it.
struct HTMLCheck: Decodable {
  var errors: [String]
  var counts: [String: Int]
  /// Text nodes, character references decoded, outside `<style>`.
  var text: String
  /// The text inside the elements of each class, for finding a section.
  var sections: [String: String]

  static let python: String? = {
    for path in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: path) {
      return path
    }
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    return paths.map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()

  static var available: Bool { python != nil }

  static let script = #"""
    import html.parser, json, sys
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    class Check(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.stack, self.errors, self.counts, self.text, self.sections = [], [], {}, [], {}
        def count(self, tag):
            self.counts[tag] = self.counts.get(tag, 0) + 1
        def handle_starttag(self, tag, attrs):
            self.count(tag)
            if tag not in VOID:
                self.stack.append((tag, self.getpos(), dict(attrs).get("class")))
        def handle_startendtag(self, tag, attrs):
            self.count(tag)
        def handle_endtag(self, tag):
            if tag in VOID:
                self.errors.append("end tag for void element %s at %s" % (tag, self.getpos()))
            elif not self.stack or self.stack[-1][0] != tag:
                top = self.stack[-1][:2] if self.stack else None
                self.errors.append("</%s> at %s does not close the open %s" % (tag, self.getpos(), top))
            else:
                self.stack.pop()
        def handle_data(self, data):
            if self.stack and self.stack[-1][0] == "style":
                return
            self.text.append(data)
            for tag, pos, cls in self.stack:
                if cls:
                    for c in cls.split():
                        self.sections.setdefault(c, []).append(data)
    check = Check()
    source = sys.stdin.buffer.read().decode("utf-8")
    if not source.startswith("<!DOCTYPE html>"):
        check.errors.append("no <!DOCTYPE html> first")
    check.feed(source)
    check.close()
    for tag, pos, cls in check.stack:
        check.errors.append("<%s> at %s is never closed" % (tag, pos))
    json.dump({"errors": check.errors, "counts": check.counts, "text": "".join(check.text),
               "sections": {k: "".join(v) for k, v in check.sections.items()}}, sys.stdout)
    """#

  /// Parses `html`; nil when python3 is absent.
  static func parse(_ html: String) throws -> HTMLCheck? {
    guard let python else { return nil }
    brokenPipesAreErrors
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let writer = Thread {
      try? input.fileHandleForWriting.write(contentsOf: Data(html.utf8))
      try? input.fileHandleForWriting.close()
    }
    writer.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return try JSONDecoder().decode(HTMLCheck.self, from: data)
  }

  /// All text inside elements of class `name`.
  func section(_ name: String) -> String { sections[name] ?? "" }
}
