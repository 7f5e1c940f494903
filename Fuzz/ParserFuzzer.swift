// libFuzzer entry point for the PGS front end: lexer, parser, completeness check and
// diagnostic rendering. Built together with the ProxyGradSyntax sources (see docs/fuzzing.md);
// not part of the SwiftPM package.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let file = SourceFile(path: "fuzz.pgs", text: text)
  let (program, diagnostics) = Parser.parse(file)
  _ = program.description
  _ = Parser.isComplete(text)
  let renderer = DiagnosticRenderer()
  for diagnostic in diagnostics.prefix(16) { _ = renderer.render(diagnostic) }
  return 0
}
