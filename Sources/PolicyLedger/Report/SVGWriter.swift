import Foundation

/// Builds SVG/HTML text, escaping every attribute value and text node.
struct SVGWriter {
  private(set) var text = ""

  mutating func raw(_ markup: String) { text += markup }

  mutating func open(_ name: String, _ attributes: [(String, String)]) {
    text += "<" + name
    for (key, value) in attributes { text += " \(key)=\"\(HTML.escape(value))\"" }
    text += ">"
  }

  mutating func close(_ name: String) { text += "</\(name)>\n" }

  /// An element with optional text content and an optional tooltip (`<title>`).
  mutating func element(_ name: String, _ attributes: [(String, String)], text content: String? = nil, title: String? = nil) {
    if content == nil && title == nil {
      text += "<" + name
      for (key, value) in attributes { text += " \(key)=\"\(HTML.escape(value))\"" }
      text += "/>\n"
      return
    }
    open(name, attributes)
    if let title { text += "<title>\(HTML.escape(title))</title>" }
    if let content { text += HTML.escape(content) }
    close(name)
  }

  /// `label`, cut with `…` to fit `width` at `charWidth` per character; empty when nothing fits.
  static func fit(_ label: String, width: Double, charWidth: Double) -> String {
    let room = Int(width / charWidth)
    if label.count <= room { return label }
    if room < 4 { return "" }
    return String(label.prefix(room - 1)) + "…"
  }
}

/// A number for SVG: at most one decimal, no locale, no trailing `.0`.
func fmt(_ value: Double) -> String {
  let tenths = Int((value * 10).rounded())
  let sign = tenths < 0 ? "-" : ""
  let magnitude = abs(tenths)
  return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
}
