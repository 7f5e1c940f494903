import Testing

@testable import ProxyGradSyntax

@Suite struct ParserTests {
  func parse(_ text: String) -> (String, [String]) {
    let (program, diagnostics) = Parser.parse(SourceFile(path: "t.pgs", text: text))
    let errors = diagnostics.map { d -> String in
      let (line, column) = d.span.location
      return "\(line):\(column): \(d.message)"
    }
    return (program.description, errors)
  }

  func tree(_ text: String) -> String {
    let (tree, errors) = parse(text)
    #expect(errors == [], "unexpected errors for \(text)")
    return tree
  }

  @Test func exactNodesAndSpans() {
    let file = SourceFile(path: "t.pgs", text: "x = 1 + y")
    let (program, diagnostics) = Parser.parse(file)
    #expect(diagnostics.isEmpty)
    let one = Expr(.number(1), SourceSpan(file, 4..<5))
    let y = Expr(.name("y"), SourceSpan(file, 8..<9))
    let sum = Expr(.binary(.add, one, y, operatorSpan: SourceSpan(file, 6..<7)), SourceSpan(file, 4..<9))
    let target = Expr(.name("x"), SourceSpan(file, 0..<1))
    #expect(program.statements == [Stmt(.assign(target: target, op: nil, value: sum), SourceSpan(file, 0..<9))])
  }

  @Test func exactDiagnosticsWithCodesAndSpans() {
    let file = SourceFile(path: "t.pgs", text: "f(1, 2\nx = 1 +* 2")
    let (_, diagnostics) = Parser.parse(file)
    #expect(
      diagnostics == [
        Diagnostic(.expectedToken, "expected ')' after arguments, found 'x'", at: SourceSpan(file, 7..<8)),
      ])
    let second = SourceFile(path: "t.pgs", text: "x = 1 +* 2\ny = [1,")
    #expect(
      Parser.parse(second).diagnostics == [
        Diagnostic(.expectedExpression, "expected expression, found '*'", at: SourceSpan(second, 7..<8)),
        Diagnostic(.expectedExpression, "expected expression, found end of input", at: SourceSpan(second, 18..<18)),
      ])
  }

  @Test func precedence() {
    #expect(tree("1 + 2 * 3 - 4") == "(- (+ 1 (* 2 3)) 4)")
    #expect(tree("a @ b + c") == "(+ (@ a b) c)")
    #expect(tree("not a == b and c or d") == "(or (and (not (== a b)) c) d)")
    #expect(tree("!x && y || z") == "(or (and (not x) y) z)")
    #expect(tree("-x * 2") == "(* (- x) 2)")
    #expect(tree("-2") == "-2")
    #expect(tree("0...n - 1") == "(... 0 (- n 1))")
    #expect(tree("0..<5") == "(..< 0 5)")
  }

  @Test func assignmentsAndCompoundAssignments() {
    #expect(tree("x -= 1; cfg.lr *= 2; xs[0] /= 3; y += 1") == "(-= x 1)\n(*= (. cfg lr) 2)\n(/= (index xs 0) 3)\n(+= y 1)")
  }

  @Test func literalsAndPostfix() {
    #expect(tree("[1, \"a\", true, nil]") == "[1 \"a\" true nil]")
    #expect(tree("{lr: 0.05, steps: 200}.lr") == "(. {lr: 0.05, steps: 200} lr)")
    #expect(tree("{}") == "{}")
    #expect(tree("t[0][1].shape") == "(. (index (index t 0) 1) shape)")
    #expect(tree("f(1, steps: 256)") == "(call f 1 steps: 256)")
    #expect(tree("cfg = {\n  lr: 0.05,\n  steps: 200\n}") == "(= cfg {lr: 0.05, steps: 200})")
  }

  @Test func functionsIfAndLoops() {
    #expect(tree("sq = fn(v) { v * v }") == "(= sq (fn (v) {(* v v)}))")
    #expect(tree("if x > 2 { a } else if x > 1 { b } else { c }") == "(if (> x 2) {a} {(if (> x 1) {b} {c})})")
    #expect(tree("if x {\n a\n}\nelse {\n b\n}") == "(if x {a} {b})")
    #expect(tree("for s in xs { print(s) }") == "(for s xs {(call print s)})")
    #expect(tree("while x > 0 { x -= 1; break; continue }") == "(while (> x 0) {(-= x 1); (break); (continue)})")
    #expect(tree("f = fn() { return 1 }") == "(= f (fn () {(return 1)}))")
    #expect(tree("f = fn() { return }") == "(= f (fn () {(return)}))")
  }

  @Test func conditionHeadsDoNotTakeTrailingBlocks() {
    #expect(tree("if f(x) { 1 }") == "(if (call f x) {1})")
    #expect(tree("for l in layers(net) { l }") == "(for l (call layers net) {l})")
  }

  @Test func trailingBlockCall() {
    let text = "net = network(input: [1, 28, 28]) {\n  conv(16, 3, pad: 1)\n  relu()\n}"
    #expect(tree(text) == "(= net (call network input: [1 28 28] {(call conv 16 3 pad: 1); (call relu)}))")
  }

  @Test func bareNameWithBlockIsACall() {
    #expect(
      tree("residual {\n  conv(4, 3)\n}")
        == "(call residual {(call conv 4 3)})")
    // In the head of if/while/for a `{` still starts the body.
    #expect(tree("if ok { 1 }") == "(if ok {1})")
  }

  @Test func sweepStatement() {
    #expect(
      tree("sweep s in [0, 0.1], seed in 1...3 { record(a: s) }")
        == "(sweep s [0 0.1] seed (... 1 3) {(call record a: s)})")
  }

  @Test func reportsEveryErrorAndRecovers() {
    let (tree, errors) = parse("x = 1 +* 2\ny = 2\nz = )\nw = 4\nf(1, 2\nv = 5")
    #expect(errors == [
      "1:8: expected expression, found '*'",
      "3:5: expected expression, found ')'",
      "6:1: expected ')' after arguments, found 'v'",
    ])
    #expect(tree.contains("(= w 4)"))
  }

  @Test func errorsInsideBlocksKeepTheRestOfTheBlock() {
    let (tree, errors) = parse("f = fn() {\n  a = = 1\n  b = 2\n}\nc = 3")
    #expect(errors == ["2:7: expected expression, found '='"])
    #expect(tree == "(= f (fn () {(= b 2)}))\n(= c 3)")
  }

  @Test func invalidAssignmentTarget() {
    let (_, errors) = parse("1 + 2 = 3")
    #expect(errors == ["1:1: cannot assign to this expression; expected a name, a field or an index before '='"])
  }

  @Test func chainedComparisonsAndStrayBrace() {
    #expect(parse("a < b < c").1 == ["1:7: comparisons do not chain; combine them with 'and'"])
    #expect(parse("}\nx = 1").1 == ["1:1: unexpected '}' without a matching '{'"])
  }

  @Test func unclosedBlockPointsAtEndWithNote() {
    let (program, diagnostics) = Parser.parse(SourceFile(path: "t.pgs", text: "if x {\n  y"))
    #expect(program.statements.isEmpty)
    #expect(diagnostics.map(\.message) == ["expected '}' to close the block, found end of input"])
    #expect(diagnostics.first?.notes.first?.message == "the block starts here")
  }

  @Test func deepNestingIsAnErrorNotACrash() {
    let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
    let (_, errors) = parse(deep)
    #expect(errors.count == 1)
    #expect(errors.first?.hasSuffix("expression is nested too deeply (more than 256 levels)") == true)
  }

  @Test func longOperatorChainsAreBoundedToo() {
    let sum = Array(repeating: "1", count: 5_000).joined(separator: " + ")
    #expect(parse("x = " + sum).1.map { $0.hasSuffix("expression is nested too deeply (more than 256 levels)") } == [true])
    let fields = "a" + String(repeating: ".b", count: 5_000)
    #expect(parse(fields).1.count == 1)
    let ok = Array(repeating: "1", count: 200).joined(separator: " + ")
    #expect(parse("x = " + ok).1 == [])
  }

  @Test func duplicateNamesAndPositionalAfterNamed() {
    #expect(parse("f(a: 1, a: 2)").1 == ["1:9: argument 'a' is given twice"])
    #expect(parse("f(a: 1, 2)").1 == ["1:9: positional argument after named arguments; move it before them"])
    #expect(parse("fn(a, a) { a }").1 == ["1:7: parameter 'a' appears twice"])
  }

  @Test(arguments: [
    ("x = 1", Completeness.complete),
    ("if x {", .incomplete),
    ("f(1,", .incomplete),
    ("x = 1 +", .incomplete),
    ("net = network(input: [1]) {\n conv(1, 1)", .incomplete),
    ("if x", .incomplete),
    ("x = )", .invalid),
    ("x = \"abc", .invalid),
    ("", .complete),
  ])
  func completeness(source: String, expected: Completeness) {
    #expect(Parser.isComplete(source) == expected)
  }
}
