import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSyntax

extension CellError {
  /// A runtime error as a cell output: `line:col: message`, then the source line with a caret
  /// and the call trace.
  package init(_ error: RuntimeError) {
    var lines = error.rendered().split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init)
    if lines.last == "" { lines.removeLast() }
    guard let span = error.span else {
      self.init(name: "RuntimeError", message: error.message, details: Array(lines.dropFirst()))
      return
    }
    let (line, column) = span.location
    self.init(
      name: "RuntimeError", message: "\(line):\(column): \(error.message)",
      details: Array(lines.dropFirst()))
  }

  /// Syntax or name errors of a cell: the first as the message, all of them in the details.
  package init(_ diagnostics: [Diagnostic]) {
    guard let first = diagnostics.first else {
      self.init(message: "the cell did not compile")
      return
    }
    let (line, column) = first.span.location
    let name = first.code.rawValue.hasPrefix("E02") ? "NameError" : "SyntaxError"
    var details = DiagnosticRenderer(showsCodes: true).render(diagnostics)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if details.last == "" { details.removeLast() }
    self.init(name: name, message: "\(line):\(column): \(first.message)", details: details)
  }
}
