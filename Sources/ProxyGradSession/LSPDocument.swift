import Foundation
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSyntax

/// What the language server knows of one open document, computed from its text alone: it is
/// parsed and resolved as `pgs check` does it, and nothing in it ever runs.
package struct LSPDocument {
  package let text: String
  package let lines: LSPText
  package let notebook: Notebook
  /// Every top-level assignment of a name, in the order of the document.
  package let definitions: [Definition]

  /// - Parameter path: the path diagnostics are made for (only their messages see it).
  package init(path: String, text: String) {
    self.text = text
    lines = LSPText(text)
    notebook = Notebook(path: path, text: text)
    definitions = Self.definitions(in: notebook)
  }

  /// Every syntax and name error, found the way `pgs check` finds them: the syntax errors of
  /// every cell, else the whole file resolved as one program. Networks are not built (that would
  /// run code), so unknown layer names are left to `pgs check`.
  package func diagnostics() -> [Diagnostic] { NotebookRunner.check(notebook) }

  // MARK: - Definitions

  /// A top-level assignment `name = value` in an executable cell.
  package struct Definition {
    package var name: String
    /// The span of the name being assigned.
    package var span: SourceSpan
    package var value: Expr
    /// The index of its cell in ``Notebook/cells``.
    package var cell: Int

    /// The parameters when the value is `fn(...) { }`.
    package var parameters: [String]? {
      guard case .function(let parameters, _) = value.kind else { return nil }
      return parameters.map(\.name)
    }

    /// The constructor when the value is a network (`network(...) { }`, `vgg`, `resnet`, `onnx`).
    package var networkConstructor: String? {
      guard case .call(let callee, _, _) = value.kind, case .name(let name) = callee.kind,
        ["network", "vgg", "resnet", "onnx"].contains(name)
      else { return nil }
      return name
    }

    /// How hover and symbols describe it: `fn(a, b)`, `network`, or its first source line.
    package var summary: String {
      if let parameters { return "fn(" + parameters.joined(separator: ", ") + ")" }
      if let networkConstructor { return networkConstructor == "network" ? "network" : "network (\(networkConstructor))" }
      let line = value.span.text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
      return line.count > 60 ? String(line.prefix(59)) + "…" : String(line)
    }
  }

  /// Every top-level assignment of a name, in the order of the document (each cell parsed on
  /// its own, so a syntax error in one cell hides nothing in the others).
  static func definitions(in notebook: Notebook) -> [Definition] {
    var found: [Definition] = []
    for index in notebook.cells.indices where notebook.cells[index].kind.isExecutable {
      let program = Parser.parse(notebook.sourceFile(ofCell: index)).program
      for statement in program.statements {
        guard case .assign(let target, nil, let value) = statement.kind, case .name(let name) = target.kind else {
          continue
        }
        found.append(Definition(name: name, span: target.span, value: value, cell: index))
      }
    }
    return found
  }

  /// The first top-level assignment of `name`.
  package func definition(of name: String) -> Definition? {
    definitions.first { $0.name == name }
  }

  // MARK: - Words

  /// The identifier around a position, with its range; nil off identifiers.
  package func word(at position: LSPPosition) -> (name: String, range: LSPRange)? {
    let characters = Array(lines.line(position.line))
    let cursor = min(lines.characterOffset(line: position.line, utf16: position.character), characters.count)
    var start = cursor
    while start > 0, Completer.isIdentifier(characters[start - 1]) { start -= 1 }
    var end = cursor
    while end < characters.count, Completer.isIdentifier(characters[end]) { end += 1 }
    guard start < end, !characters[start].isNumber else { return nil }
    let range = LSPRange(
      start: LSPPosition(line: position.line, character: lines.utf16Column(line: position.line, characters: start)),
      end: LSPPosition(line: position.line, character: lines.utf16Column(line: position.line, characters: end)))
    return (String(characters[start..<end]), range)
  }

  // MARK: - Symbols

  /// The outline: every cell with a `# %%` marker as a section holding its functions and
  /// networks; functions and networks before the first marker (or in a file without markers)
  /// at the top.
  package func symbols() -> [LSPSymbol] {
    var byCell: [Int: [LSPSymbol]] = [:]
    for definition in definitions {
      let kind: LSPSymbol.Kind
      if definition.parameters != nil {
        kind = .function
      } else if definition.networkConstructor != nil {
        kind = .network
      } else {
        continue
      }
      let range = LSPRange(definition.span.merged(with: definition.value.span))
      byCell[definition.cell, default: []].append(
        LSPSymbol(
          name: definition.name, detail: definition.summary, kind: kind, range: range,
          selectionRange: LSPRange(definition.span)))
    }
    var symbols: [LSPSymbol] = []
    var markers = 0
    for (index, cell) in notebook.cells.enumerated() {
      let children = byCell[index] ?? []
      guard let marker = cell.markerLine else {
        symbols += children
        continue
      }
      markers += 1
      let markerLine = marker - 1
      let lastLine = max(markerLine, cell.lastLine - 1)
      let range = LSPRange(
        start: LSPPosition(line: markerLine, character: 0),
        end: LSPPosition(line: lastLine, character: lines.utf16Length(line: lastLine)))
      let selection = LSPRange(
        start: LSPPosition(line: markerLine, character: 0),
        end: LSPPosition(line: markerLine, character: lines.utf16Length(line: markerLine)))
      let name = cell.title.map { $0.isEmpty ? nil : $0 } ?? nil
      symbols.append(
        LSPSymbol(
          name: name ?? "cell \(markers)", detail: cell.kind.rawValue, kind: .cell, range: range,
          selectionRange: selection, children: children))
    }
    return symbols
  }

  // MARK: - Fields known without running

  /// The fields `name.` may complete to when `name` is assigned once from a literal: the keys of
  /// a record literal, or the layer names a network literal gives (`name: "fc"`) and a network's
  /// fields.
  package func literalFields(of name: String) -> [String] {
    let all = definitions.filter { $0.name == name }
    guard all.count == 1, let definition = all.first else { return [] }
    if case .record(let fields) = definition.value.kind { return fields.map(\.key.name) }
    guard definition.networkConstructor != nil else { return [] }
    var names: [String] = []
    if case .call(_, _, let trailing?) = definition.value.kind {
      for statement in trailing.statements { Self.collectLayerNames(statement, into: &names) }
    }
    return names + ["input_shape", "output_shape", "parameter_count"]
  }

  private static func collectLayerNames(_ statement: Stmt, into names: inout [String]) {
    guard case .expression(let expression) = statement.kind, case .call(_, let arguments, let trailing) = expression.kind
    else { return }
    for argument in arguments where argument.label?.name == "name" {
      if case .string(let name) = argument.value.kind { names.append(name) }
    }
    for inner in trailing?.statements ?? [] { collectLayerNames(inner, into: &names) }
  }
}

/// One entry of a document's outline (LSP `DocumentSymbol`).
package struct LSPSymbol: Equatable {
  package enum Kind: Int, Equatable {
    /// A `# %%` cell (LSP `Namespace`).
    case cell = 3
    /// A network (LSP `Class`).
    case network = 5
    /// `name = fn(...)` (LSP `Function`).
    case function = 12
  }

  package var name: String
  package var detail: String
  package var kind: Kind
  package var range: LSPRange
  package var selectionRange: LSPRange
  package var children: [LSPSymbol] = []
}
