import ProxyGradTensor
import ProxyGradNN
import ProxyGradSyntax

/// A function of the language implemented in Swift, with the help text the REPL shows.
public struct Builtin: Sendable {
  public let name: String
  /// How a call reads: `conv(out, kernel, stride: 1, pad: 0, name: nil)`.
  public let signature: String
  /// One paragraph.
  public let help: String
  /// A line of PGS that uses it.
  public let example: String
  /// Allowed number of positional arguments.
  public let arity: ClosedRange<Int>
  /// Allowed argument labels; nil accepts any label (`record(...)`).
  public let labels: [String]?
  public let takesBlock: Bool
  let implementation: @Sendable (inout Arguments, Interpreter) throws(RuntimeError) -> Value

  init(
    _ name: String, _ signature: String, arity: ClosedRange<Int>, labels: [String]? = [],
    takesBlock: Bool = false, help: String, example: String,
    _ implementation: @escaping @Sendable (inout Arguments, Interpreter) throws(RuntimeError) -> Value
  ) {
    self.name = name
    self.signature = signature
    self.help = help
    self.example = example
    self.arity = arity
    self.labels = labels
    self.takesBlock = takesBlock
    self.implementation = implementation
  }

  var arityDescription: String {
    if arity.lowerBound == arity.upperBound { return Arguments.count(arity.lowerBound) }
    if arity.upperBound >= 64 { return "at least \(Arguments.count(arity.lowerBound))" }
    return "\(arity.lowerBound) to \(arity.upperBound) arguments"
  }
}

/// The registry of every builtin, by name.
public enum Builtins {
  public static let all: [Builtin] =
    CoreBuiltins.all + TensorBuiltins.all + NetworkBuiltins.all + GradientBuiltins.all
    + OutputBuiltins.all + OptimizerBuiltins.all + MaximizeBuiltins.all + TrainingBuiltins.all
    + AnalysisBuiltins.all + ONNXBuiltins.all + ModelZoo.all
    + InterpretabilityBuiltins.all

  static let table: [String: Builtin] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

  public static func named(_ name: String) -> Builtin? { table[name] }

  /// What `help(name)` and the REPL's `?name` show: the signature, the help paragraph, the
  /// example and, for the model zoo's entries, their PGS definitions.
  public static func helpText(_ builtin: Builtin) -> String {
    var text = "\(builtin.signature)\n\(builtin.help)\nexample: \(builtin.example)"
    if ModelZoo.names.contains(builtin.name) {
      text += "\ndefinition (PGS, in the model zoo):\n" + ZooSource.definition(of: builtin.name)
    }
    return text
  }
  public static var names: [String] { all.map(\.name) }
}

/// The evaluated arguments of one call, with spans for precise errors.
public struct Arguments {
  public var positional: [Value]
  public var named: [(String, Value)]
  var positionalSpans: [SourceSpan]
  var namedSpans: [SourceSpan]
  /// The whole call.
  public let span: SourceSpan
  let calleeSpan: SourceSpan
  /// Values of a trailing block, when the call has one.
  public var block: [Value]?
  var name: String = "function"

  init(
    positional: [Value], named: [(String, Value)] = [], positionalSpans: [SourceSpan] = [],
    namedSpans: [SourceSpan] = [], span: SourceSpan, calleeSpan: SourceSpan, block: [Value]? = nil
  ) {
    self.positional = positional
    self.named = named
    self.positionalSpans = positionalSpans
    self.namedSpans = namedSpans
    self.span = span
    self.calleeSpan = calleeSpan
    self.block = block
  }

  static func count(_ n: Int) -> String { n == 1 ? "1 argument" : "\(n) arguments" }

  // MARK: - Access

  func spanOf(_ index: Int) -> SourceSpan { index < positionalSpans.count ? positionalSpans[index] : span }
  func spanOf(_ label: String) -> SourceSpan {
    named.firstIndex { $0.0 == label }.map { $0 < namedSpans.count ? namedSpans[$0] : span } ?? span
  }

  public subscript(label: String) -> Value? { named.first { $0.0 == label }?.1 }
  public subscript(index: Int) -> Value? { index < positional.count ? positional[index] : nil }

  func error(_ kind: RuntimeError.Kind, _ message: String, at index: Int) -> RuntimeError {
    RuntimeError(kind, "\(name): \(message)", at: spanOf(index))
  }
  func error(_ kind: RuntimeError.Kind, _ message: String, label: String) -> RuntimeError {
    RuntimeError(kind, "\(name): \(message)", at: spanOf(label))
  }
  func error(_ kind: RuntimeError.Kind, _ message: String) -> RuntimeError {
    RuntimeError(kind, "\(name): \(message)", at: span)
  }

  func ordinal(_ index: Int) -> String { "argument \(index + 1)" }

  func number(_ index: Int) throws(RuntimeError) -> Double {
    guard let value = self[index] else { throw error(.arity, "missing \(ordinal(index))") }
    guard case .number(let x) = value else {
      throw error(.type, "expects a number as \(ordinal(index)), got \(value.typeDescription)", at: index)
    }
    return x
  }

  func number(_ label: String, default fallback: Double) throws(RuntimeError) -> Double {
    guard let value = self[label] else { return fallback }
    guard case .number(let x) = value else {
      throw error(.type, "expects a number for \(label):, got \(value.typeDescription)", label: label)
    }
    return x
  }

  /// A whole number within bounds.
  func integer(_ index: Int, min low: Int = Int.min, what: String? = nil) throws(RuntimeError) -> Int {
    let x = try number(index)
    return try Self.checkedInteger(x, min: low) { () -> RuntimeError in
      error(.value, "expects \(what ?? "a whole number") as \(ordinal(index)), got \(Format.number(x))", at: index)
    }
  }

  func integer(_ label: String, default fallback: Int, min low: Int = Int.min) throws(RuntimeError) -> Int {
    guard self[label] != nil else { return fallback }
    let x = try number(label, default: 0)
    let bound = low == Int.min ? "a whole number" : "a whole number >= \(low)"
    return try Self.checkedInteger(x, min: low) { () -> RuntimeError in
      error(.value, "expects \(bound) for \(label):, got \(Format.number(x))", label: label)
    }
  }

  static func checkedInteger(_ x: Double, min low: Int, _ failure: () -> RuntimeError) throws(RuntimeError) -> Int {
    guard x.isFinite, x == x.rounded(), abs(x) < 1e12, Int(x) >= low else { throw failure() }
    return Int(x)
  }

  func string(_ label: String) throws(RuntimeError) -> String? {
    guard let value = self[label] else { return nil }
    guard case .string(let s) = value else {
      throw error(.type, "expects a string for \(label):, got \(value.typeDescription)", label: label)
    }
    return s
  }

  func string(_ index: Int) throws(RuntimeError) -> String {
    guard let value = self[index] else { throw error(.arity, "missing \(ordinal(index))") }
    guard case .string(let s) = value else {
      throw error(.type, "expects a string as \(ordinal(index)), got \(value.typeDescription)", at: index)
    }
    return s
  }

  /// The network at `index`.
  func network(_ index: Int) throws(RuntimeError) -> Network {
    guard let value = self[index] else { throw error(.arity, "missing \(ordinal(index))") }
    guard case .network(let network) = value else {
      throw error(.type, "expects a network as \(ordinal(index)), got \(value.typeDescription)", at: index)
    }
    return network
  }

  /// A list of whole numbers (a list, a range, or a rank-1 tensor).
  func integers(_ value: Value, what: String, at index: Int? = nil, label: String? = nil) throws(RuntimeError) -> [Int] {
    let fail = { () -> RuntimeError in
      let message = "expects \(what) (a list of whole numbers), got \(Format.brief(value))"
      if let label { return error(.type, message, label: label) }
      return error(.type, message, at: index ?? 0)
    }
    switch value {
    case .range(let r):
      guard r.count <= 1 << 24 else { throw fail() }
      return r.values
    case .list(let box):
      var out: [Int] = []
      for item in box.items {
        guard case .number(let x) = item, x.isFinite, x == x.rounded(), abs(x) < 1e12 else { throw fail() }
        out.append(Int(x))
      }
      return out
    default: throw fail()
    }
  }
}

extension Interpreter {
  /// Runs `body` (which calls script functions) under `rule`: every `relu` and `leaky` inside
  /// takes the rule's slopes, and reductions stay tensors as inside `grad`.
  /// - Returns: the original value and the root to call `backward()` on.
  func callingUnderRule(
    _ rule: GradientRule, step: Int = 0, totalSteps: Int = 1, _ args: Arguments,
    _ body: () throws(RuntimeError) -> Tensor
  ) throws(RuntimeError) -> (value: Tensor, root: Tensor) {
    let saved = policy
    gradientDepth += 1
    defer {
      policy = saved
      gradientDepth -= 1
    }
    do {
      return try withGradientRule(rule, step: step, totalSteps: totalSteps) { policy in
        self.policy = policy
        return try body()
      }
    } catch let error as RuntimeError {
      throw error
    } catch {
      throw args.error(.engine, "\(error)")
    }
  }
}
