import ProxyGradRuntime
import ProxyGradSyntax
import ProxyGradTestSupport
import Testing

/// The number fast path (NumberFastPath.swift) computes side-effect-free number expressions as
/// Doubles and falls back to the general operators for anything else. These scripts cross that
/// line: the same variables hold numbers and other values, and errors raised inside expressions
/// that would otherwise take the fast path must read as they do on the general path.
@Suite struct NumberFastPathTests {
  @discardableResult
  func run(_ text: String, in interpreter: Interpreter = Interpreter()) throws -> Value {
    let (program, diagnostics) = interpreter.check(SourceFile(path: "t.pgs", text: text))
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
    let resolved = try #require(program)
    return try Interpreter.onLargeStack { () -> Result<Value, RuntimeError> in
      do throws(RuntimeError) { return .success(try interpreter.run(resolved)) } catch { return .failure(error) }
    }.get()
  }

  func describe(_ text: String) throws -> String { Format.describe(try run(text)) }

  /// Runs a script that must fail; returns the error.
  func failure(_ text: String) throws -> RuntimeError {
    try #require(throws: RuntimeError.self) { try run(text) }
  }

  @Test func valueStaysTwoWords() {
    #expect(MemoryLayout<Value>.size <= 16)
  }

  @Test func loopAtTopLevelAndInAFunction() throws {
    let loop = "s = 0\ni = 0\nwhile i < 10 {\n  s = s + i * 0.5\n  i = i + 1\n}\n"
    #expect(try describe(loop + "s") == "22.5")
    let function = "f = fn() {\n" + loop + "  return s\n}\nf()"
    #expect(try describe(function) == "22.5")
  }

  @Test func arithmeticMatchesTheGeneralOperators() throws {
    #expect(try describe("a = 7\nb = 2\n[a + b, a - b, a * b, a / b, a % b, -a % 3, a % -3, -a]") == "[9, 5, 14, 3.5, 1, 2, -2, -7]")
    #expect(try describe("i = 3\nj = i / 2\nk = 7 % 2.5\n[j, k, i * 0.5 + 1]") == "[1.5, 2, 2.5]")
    #expect(try describe("x = 3\nx += 2\nx *= 2\nx -= 1\nx /= 3\nx = x % 2\nx") == "1")
  }

  @Test func variableHoldingANumberThenATensorInOneLoop() throws {
    let text = """
      x = 1
      k = 0
      while k < 3 {
        x = x * 2
        if k == 0 { x = tensor([1, 2]) }
        k = k + 1
      }
      x
      """
    #expect(try describe(text) == "tensor([4, 8])")
    #expect(try describe("t = tensor([1, 2])\nn = 3\n[n + t, t - n, n < t, t >= 2]") == "[tensor([4, 5]), tensor([-2, -1]), tensor([0, 0]), tensor([0, 1])]")
  }

  @Test func variableHoldingANumberThenAStringOrAList() throws {
    #expect(try describe("x = 1\nx = x + 1\nx = \"a\"\nx = x + \"b\"\nx += \"c\"\nx") == "\"abc\"")
    #expect(try describe("x = [1, 2]\nx = 3\nx = x + 1\nx") == "4")
    #expect(try describe("x = 1\nfor v in [2, \"s\", 3] { x = v }\nx = x * 2\nx") == "6")
    let text = """
      xs = []
      i = 0
      while i < 4 {
        v = i * 2
        if i == 2 { v = "two" }
        xs = xs + [v]
        i = i + 1
      }
      xs
      """
    #expect(try describe(text) == "[0, 2, \"two\", 6]")
  }

  @Test func comparisonsGiveBoolsForIfAndAsValues() throws {
    #expect(try describe("a = 1\nb = 2\n[a < b, a <= b, a > b, a >= b, a == b, a != b]") == "[true, true, false, false, false, true]")
    #expect(try describe("a = 1\nif a > 2 { \"big\" } else { \"small\" }") == "\"small\"")
    #expect(try describe("s = \"a\"\nn = 1\n[s == n, s != n, \"a\" < \"b\", n == 1]") == "[false, true, true, true]")
    #expect(try describe("i = 0\nwhile i < 10 and not (i == 5) { i = i + 1 }\ni") == "5")
    #expect(try describe("i = 0\nwhile i > 100 or i < 3 { i = i + 1 }\ni") == "3")
    // A condition that is not a comparison of numbers takes the general path.
    #expect(try describe("x = nil\nn = 0\nif x { n = 1 } else { n = 2 }\nn") == "2")
    #expect(try describe("s = \"b\"\nif s > \"a\" { 1 } else { 2 }") == "1")
  }

  @Test func loopControlUnwindsThroughTheFastPath() throws {
    #expect(try describe("f = fn() {\n  i = 0\n  while true {\n    i = i + 1\n    if i == 7 { return i }\n  }\n}\nf()") == "7")
    let text = """
      s = 0
      i = 0
      while i < 10 {
        i = i + 1
        if i % 2 == 0 { continue }
        if i > 7 { break }
        s = s + i
      }
      [s, i]
      """
    #expect(try describe(text) == "[16, 9]")
  }

  @Test func outerFunctionSlotsAndGlobals() throws {
    #expect(try describe("f = fn() {\n  s = 0\n  g = fn() { s = s + 1.5 }\n  g()\n  g()\n  return s\n}\nf()") == "3")
    #expect(try describe("n = 0\nbump = fn() { n = n + 1 }\nbump()\nbump()\nn") == "2")
    #expect(try describe("n = 10\nf = fn(k) { return n * k + k }\nf(2)") == "22")
  }

  @Test func loopsInATrailingBlockStillCollectTheirValues() throws {
    let text = """
      net = network(input: [4]) {
        i = 0
        while i < 2 {
          linear(4)
          relu()
          i = i + 1
        }
        linear(2)
      }
      len(layers(net))
      """
    #expect(try describe(text) == "5")
  }

  @Test func errorsInsideFastExpressionsKeepTheirMessageAndPlace() throws {
    let cases: [(source: String, message: String, place: String)] = [
      ("a = 1\nb = 0\nc = a / b + 1", "division by zero", "t.pgs:3:7"),
      ("a = 1\nb = 0\nif a % b < 1 { 1 }", "remainder by zero", "t.pgs:3:6"),
      ("x = 5\nx /= 0", "division by zero", "t.pgs:2:1"),
      ("y = \"s\"\nz = y + 1", "cannot apply '+' to a string and a number", "t.pgs:2:7"),
      ("i = 2\ns = \"x\"\nt = i * 0.5 + s * 2", "cannot apply '*' to a string and a number", "t.pgs:3:17"),
      ("s = \"a\"\nt = -s + 1", "cannot negate a string; expected a number, a tensor or an objective", "t.pgs:2:5"),
    ]
    for (source, message, place) in cases {
      let error = try failure(source)
      #expect(error.message == message, "\(source)")
      #expect(error.span?.description == place, "\(source)")
    }

    let comparison = try failure("x = nil\nwhile x < 1 { x = 2 }")
    #expect(comparison.message.hasPrefix("cannot compare nil with a number using '<'"))
    #expect(comparison.span?.description == "t.pgs:2:9")

    let unset = try failure("f = fn() {\n  if false { q = 1 }\n  return q + 1\n}\nf()")
    #expect(unset.message == "'q' is used before it has a value")
    #expect(unset.span?.description == "t.pgs:3:10")
    #expect(unset.trace.count == 1)
  }

  @Test func interruptStopsANumberLoop() throws {
    let interpreter = Interpreter()
    let stop = StopSwitch()
    interpreter.stops.check = stop.check
    stop.raise()
    let error = try #require(throws: RuntimeError.self) {
      try run("i = 0\nwhile i < 10 { i = i + 0 }", in: interpreter)
    }
    #expect(error.kind == .interrupted)
    stop.clear()
  }
}
