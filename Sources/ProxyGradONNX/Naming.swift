/// Gives the nodes of an imported graph readable names from the exporter's module path
/// (`layer1.0.conv1`, not `/layer1/layer1.0/conv1/Conv`). The rule (docs/onnx.md):
///
/// 1. A Conv or Gemm whose weight initializer is named `<path>.weight` is called `<path>` (the
///    weight's name is the module's parameter name, also after batch-norm folding).
/// 2. Else, a node with the metadata `pkg.torch.onnx.name_scopes` (PyTorch's default exporter)
///    is called after the next-to-last item of that list, the module that ran the op.
/// 3. Else, a node named `/a/a.0/b/Op` (PyTorch's legacy exporter) is called after its scope:
///    the op type is dropped, a trailing `_<n>` that marks a second call of a module already seen
///    is dropped, and the last `.`-atom of each segment is joined with `.` (`a.0.b`).
/// 4. Else the node's own name, when it has one.
/// 5. Else (and for ops at the model's top level) the op type in lower case (`flatten`).
///
/// A name given before gets `_1`, `_2`, … in node order (a module called twice, such as a
/// block's shared `relu`, gives `layer1.0.relu` and `layer1.0.relu_1`).
struct NodeNamer {
  private var scopesSeen: Set<String> = []
  private var used: Set<String> = []
  private var repeats: [String: Int] = [:]

  mutating func name(for node: Onnx_NodeProto, weightName: String?) -> String {
    let base = basePath(node, weightName: weightName)
    let cleaned = base.isEmpty ? node.opType.lowercased() : base
    return unique(cleaned.isEmpty ? "node" : cleaned)
  }

  /// `base`, or `base_1`, `base_2`, … when taken.
  mutating func unique(_ base: String) -> String {
    guard used.contains(base) else {
      used.insert(base)
      return base
    }
    var n = repeats[base, default: 0]
    var candidate: String
    repeat {
      n += 1
      candidate = "\(base)_\(n)"
    } while used.contains(candidate)
    repeats[base] = n
    used.insert(candidate)
    return candidate
  }

  private mutating func basePath(_ node: Onnx_NodeProto, weightName: String?) -> String {
    if let weightName, weightName.hasSuffix(".weight"), !weightName.contains("::") {
      return String(weightName.dropLast(".weight".count))
    }
    if let scopes = node.metadataProps.first(where: { $0.key == "pkg.torch.onnx.name_scopes" }) {
      let items = NodeNamer.pythonStrings(scopes.value)
      if items.count >= 2 { return items[items.count - 2] }
      return ""
    }
    if node.name.hasPrefix("/") {
      var segments = node.name.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
      segments = segments.dropLast()  // the op type
      var scope = segments.joined(separator: "/")
      if let range = scope.range(of: #"_[0-9]+$"#, options: .regularExpression),
        scopesSeen.contains(String(scope[..<range.lowerBound]))
      {
        scope = String(scope[..<range.lowerBound])
      }
      scopesSeen.insert(scope)
      guard !scope.isEmpty else { return "" }
      return scope.split(separator: "/").map { segment in
        segment.split(separator: ".").last.map(String.init) ?? String(segment)
      }.joined(separator: ".")
    }
    return node.name
  }

  /// The strings of a Python list literal such as `['', 'layer1', 'layer1.0']`.
  static func pythonStrings(_ text: String) -> [String] {
    var items: [String] = []
    var current = ""
    var quote: Character? = nil
    var escaped = false
    for c in text {
      if let q = quote {
        if escaped {
          current.append(c)
          escaped = false
        } else if c == "\\" {
          escaped = true
        } else if c == q {
          items.append(current)
          current = ""
          quote = nil
        } else {
          current.append(c)
        }
      } else if c == "'" || c == "\"" {
        quote = c
      }
    }
    return items
  }
}
