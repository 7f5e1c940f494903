import ProxyGradRuntime
import ProxyGradSyntax
import Testing

@Suite struct ResolverTests {
  func resolve(_ text: String, globals: GlobalTable = GlobalTable()) -> (ResolvedProgram, [Diagnostic], SourceFile) {
    let file = SourceFile(path: "r.pgs", text: text)
    let (program, syntax) = Parser.parse(file)
    #expect(syntax.isEmpty)
    let (resolved, diagnostics) = Resolver.resolve(program, globals: globals)
    return (resolved, diagnostics, file)
  }

  @Test func globalsGetSlotsInOrderOfAssignment() {
    let (resolved, diagnostics, _) = resolve("a = 1\nb = a + 1\nfor i in 0..<2 { c = i }")
    #expect(diagnostics.isEmpty)
    #expect(resolved.globals.names == ["a", "b", "i", "c"])
    #expect(resolved.bindings[0] == .global(0))  // a
    #expect(resolved.bindings[10] == .global(0))  // the a in a + 1
  }

  @Test func parametersAndLocalsAreFrameSlots() {
    let text = "f = fn(x, y) { z = x + y; z }"
    let (resolved, diagnostics, _) = resolve(text)
    #expect(diagnostics.isEmpty)
    let offset = { (needle: String, nth: Int) -> Int in
      var start = text.startIndex
      var found = text.startIndex
      for _ in 0...nth {
        let r = text.range(of: needle, range: start..<text.endIndex)!
        found = r.lowerBound
        start = r.upperBound
      }
      return text.utf8.distance(from: text.startIndex, to: found)
    }
    #expect(resolved.bindings[offset("x", 0)] == .local(depth: 0, slot: 0))
    #expect(resolved.bindings[offset("z", 0)] == .local(depth: 0, slot: 2))
    #expect(resolved.bindings[offset("z", 1)] == .local(depth: 0, slot: 2))
    #expect(resolved.frameSizes[offset("fn", 0)] == 3)
    #expect(resolved.globals.names == ["f"])
  }

  @Test func closuresReachEnclosingFrames() {
    let text = "mk = fn() { n = 0; fn() { n += 1 } }"
    let (resolved, diagnostics, _) = resolve(text)
    #expect(diagnostics.isEmpty)
    let inner = text.utf8.count - " += 1 } }".utf8.count - 1
    #expect(resolved.bindings[inner] == .local(depth: 1, slot: 0))
  }

  @Test func assignmentInFunctionUpdatesAnExistingGlobal() {
    let text = "hits = 0\nbump = fn() { hits += 1; hits = hits }"
    let (resolved, diagnostics, _) = resolve(text)
    #expect(diagnostics.isEmpty)
    #expect(resolved.bindings[text.utf8.count - "hits }".utf8.count] == .global(0))
  }

  @Test func builtinsResolveUnlessShadowed() {
    let (resolved, _, _) = resolve("relu(1)")
    #expect(resolved.bindings[0] == .builtin("relu"))
    let (shadowed, _, _) = resolve("sum = 3\nprint(sum)")
    #expect(shadowed.bindings[14] == .global(0))
  }

  @Test func exactDiagnostics() {
    let (_, diagnostics, file) = resolve("print(nope)\nrelu(1, 2)\nconv(1, 2, padding: 1)\nbreak\nreturn")
    #expect(
      diagnostics == [
        Diagnostic(.undefinedName, "undefined name 'nope'", at: SourceSpan(file, 6..<10)),
        Diagnostic(
          .wrongArgumentCount, "relu expects 0 to 1 arguments, got 2; usage: relu(t) or relu(name: nil)",
          at: SourceSpan(file, 12..<22)),
        Diagnostic(
          .unknownArgumentLabel, "conv has no argument named 'padding'; it takes stride:, pad:, dilation:, groups:, bias:, name:",
          at: SourceSpan(file, 34..<41)),
        Diagnostic(.misplacedControlFlow, "'break' outside a loop", at: SourceSpan(file, 46..<51)),
        Diagnostic(.misplacedControlFlow, "'return' outside a function", at: SourceSpan(file, 52..<58)),
      ])
  }

  @Test func suggestionsForTypos() {
    let (_, diagnostics, _) = resolve("lenght = 1\nprint(lengt)\nprint(tensr([1]))")
    #expect(diagnostics.map { $0.notes.first?.message } == ["did you mean 'lenght'?", "did you mean 'tensor'?"])
  }

  @Test func earlierInputsGlobalsAreVisible() {
    let (first, _, _) = resolve("x = 1")
    let (_, diagnostics, _) = resolve("print(x + 1)", globals: first.globals)
    #expect(diagnostics.isEmpty)
  }

  @Test func loopControlInsideFunctionInsideLoopIsChecked() {
    let (_, diagnostics, _) = resolve("for i in 0..<2 { f = fn() { break } }")
    #expect(diagnostics.map(\.message) == ["'break' outside a loop"])
  }
}
