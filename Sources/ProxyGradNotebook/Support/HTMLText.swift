/// Escaping for text placed in HTML or SVG (element content and quoted attribute values).
package enum HTMLText {
  /// The entity of each character that text or a quoted attribute value cannot hold as itself.
  static let entities: [Unicode.Scalar: String] = [
    "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;",
  ]

  package static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
      if let entity = entities[c] { out += entity } else { out.unicodeScalars.append(c) }
    }
    return out
  }
}
