import Foundation
import ProxyGradRuntime
import ProxyGradSyntax
import Testing

/// Random and mutated programs through lexer, parser, completeness check and resolver: none may
/// crash, and the whole batch must finish in bounded time.
@Suite struct RobustnessTests {
  /// xorshift64*: a fixed, fast generator so every run sees the same programs.
  struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state ^= state >> 12
      state ^= state << 25
      state ^= state >> 27
      return state &* 2_685_821_657_736_338_717
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
  }

  static let fragments = [
    "x", "=", "+=", "fn", "(", ")", "{", "}", "[", "]", ",", ":", ".", "...", "..<", "if", "else",
    "for", "in", "while", "break", "continue", "return", "sweep", "and", "or", "not", "!", "&&",
    "@", "*", "-", "/", "%", "==", "<", "\n", ";", "\"s\"", "\"\\q", "1e999", "0.5", "3",
    "net", "network(input: [1, 4, 4]) {", "conv(2, 3)", "relu()", "grad", "tensor([1, 2])",
    "print", "record", "#", "é", "\u{0}", "$", "99999999999999999999", "1_", ".5", "\t",
  ]

  /// Seeds: the golden fixtures, when present, plus a few hand-written programs.
  static let seeds: [String] = {
    var seeds = [
      "x = 1\nf = fn(a) { a * x }\nprint(f(2))",
      "for i in 0..<3 { if i > 1 { break } else { continue } }",
      "net = network(input: [1, 8, 8]) {\n conv(4, 3, pad: 1)\n relu()\n flatten()\n linear(2)\n}",
      "sweep a in [1, 2], b in 1...2 { record(v: a * b) }",
      "cfg = {lr: 0.05, steps: 200}\ncfg.lr *= 2\nprint(cfg)",
    ]
    if let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
      let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
    {
      for file in files.sorted() where file.hasSuffix(".pgs") {
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path) {
          seeds.append(String(decoding: data, as: UTF8.self))
        }
      }
    }
    return seeds
  }()

  /// The seeds as token texts, lexed once.
  static let seedTokens: [[String]] = seeds.map { source in
    let file = SourceFile(path: "m.pgs", text: source)
    return Lexer.tokenize(file).tokens.map { file.text(in: $0.span.range) }
  }

  static func mutate(_ tokens: [String], _ rng: inout Generator) -> String {
    guard !tokens.isEmpty else { return "" }
    // A window of the seed keeps programs short, so 100,000 of them stay fast in debug builds.
    let start = rng.below(tokens.count)
    var pieces = Array(tokens[start..<min(tokens.count, start + 8 + rng.below(80))])
    for _ in 0..<(1 + rng.below(4)) {
      let i = rng.below(pieces.count)
      switch rng.below(9) {
      case 0: pieces.remove(at: i)
      case 1: pieces.insert(pieces[i], at: i)
      case 2: pieces.swapAt(i, rng.below(pieces.count))
      case 3: pieces.insert(rng.pick(fragments), at: i)
      case 4: pieces.insert(String(repeating: rng.pick(["(", "[", "{", "fn() {", "-", "not "]), count: 1 + rng.below(300)), at: i)
      case 5: pieces[i] = String(decoding: (0..<(1 + rng.below(6))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, as: UTF8.self)
      case 6: pieces.insert(rng.pick(["1e308", "1e309", "-0", "123456789012345678901234567890", "0.000000000000000000001"]), at: i)
      case 7: pieces.removeSubrange(i..<min(pieces.count, i + 1 + rng.below(10)))
      default: pieces.insert(rng.pick([")", "]", "}"]), at: i)
      }
      if pieces.isEmpty { break }
    }
    return pieces.joined(separator: rng.below(4) == 0 ? "" : " ")
  }

  static func random(_ rng: inout Generator) -> String {
    (0..<(1 + rng.below(40))).map { _ in rng.pick(fragments) }.joined(separator: rng.below(3) == 0 ? "" : " ")
  }

  /// Runs one program through every static stage; returns the number of diagnostics.
  static func exercise(_ text: String) -> Int {
    let file = SourceFile(path: "fuzz.pgs", text: text)
    let (program, syntax) = Parser.parse(file)
    let (_, semantic) = Resolver.resolve(program)
    _ = Parser.isComplete(text)
    if let first = (syntax + semantic).first { _ = DiagnosticRenderer().render(first) }
    return syntax.count + semantic.count
  }

  @Test func hundredThousandProgramsDoNotCrash() {
    let (count, diagnostics) = Interpreter.onLargeStack { () -> (Int, Int) in
      var rng = Generator(state: 0x9E37_79B9_7F4A_7C15)
      var count = 0
      var diagnostics = 0
      while count < 100_000 {
        let text = rng.below(4) == 0 ? Self.random(&rng) : Self.mutate(rng.pick(Self.seedTokens), &rng)
        diagnostics += Self.exercise(text)
        count += 1
      }
      return (count, diagnostics)
    }
    #expect(count == 100_000)
    #expect(diagnostics > 10_000, "mutations should mostly produce errors")
  }

  @Test func pathologicalInputsAreBounded() {
    let inputs = [
      String(repeating: "(", count: 100_000),
      String(repeating: "fn() {", count: 10_000),
      String(repeating: "-", count: 50_000) + "1",
      String(repeating: "not ", count: 50_000) + "x",
      String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000),
      String(repeating: "x = 1\n", count: 20_000),
      String(repeating: "\"", count: 10_001),
      String(repeating: "a.", count: 20_000) + "b",
      String(repeating: "f(", count: 20_000),
      String(repeating: "if x { ", count: 5_000),
    ]
    for input in inputs {
      let start = Date()
      let count = Interpreter.onLargeStack { Self.exercise(input) }
      #expect(Date().timeIntervalSince(start) < 10)
      _ = count
    }
  }
}
