import ProxyGradNN
import ProxyGradSyntax

/// The evaluated arguments of one call, with spans for precise errors.
///
/// The readers (`number`, `integer`, `string`, `bool`, `tensor`, `network`, ...) check a value's
/// type and range and point their errors at the argument. A named argument that the call leaves
/// out is its default in the builtin's ``Signature``, so a body never repeats it.
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
  /// The declaration of the builtin being called (set by `Interpreter.callBuiltin`).
  var declaration: Signature?
  /// Every label the builtin reads, when the interpreter checks declarations.
  var reads: LabelReads?

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

  /// The value of `label:` as the call gives it, nil when left out.
  public subscript(label: String) -> Value? {
    reads?.labels.insert(label)
    return named.first { $0.0 == label }?.1
  }
  public subscript(index: Int) -> Value? { index < positional.count ? positional[index] : nil }

  /// The value of `label:`: as given, else its literal default in the declaration (nil when the
  /// default is not a literal).
  func value(_ label: String) -> Value? {
    if let given = self[label] { return given }
    guard case .literal(let literal)? = declaration?.parameter(label)?.defaultValue else { return nil }
    return literal.value
  }

  /// The value of `label:`: as given, else its default in the declaration, a literal or a call of
  /// a builtin (`grad: plain()`), which runs.
  func value(_ label: String, _ interpreter: Interpreter) throws(RuntimeError) -> Value? {
    if let given = value(label) { return given }
    guard case .call(let callee, let positional, let named)? = declaration?.parameter(label)?.defaultValue,
      let builtin = Builtins.named(callee)
    else { return nil }
    var arguments = Arguments(
      positional: positional.map(\.value), named: named.map { ($0.label, $0.value.value) }, span: span,
      calleeSpan: calleeSpan)
    arguments.name = callee
    arguments.declaration = builtin.declaration
    return try builtin.implementation(&arguments, interpreter)
  }

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

  /// The positional argument at `index`; a missing one is an arity error.
  func argument(_ index: Int) throws(RuntimeError) -> Value {
    guard let value = self[index] else { throw error(.arity, "missing \(ordinal(index))") }
    return value
  }

  /// The value of `label:` or its literal default; a label without either is an arity error.
  func required(_ label: String) throws(RuntimeError) -> Value {
    guard let value = value(label) else { throw error(.arity, "expects \(label):") }
    return value
  }

  /// The argument at `index` as `read` takes it, or a type error at the argument saying it
  /// expected `what` (`a string`, `a network`): the one shape of every typed reader.
  func typed<T>(_ index: Int, _ what: String, _ read: (Value) -> T?) throws(RuntimeError) -> T {
    let value = try argument(index)
    guard let result = read(value) else {
      throw error(.type, "expects \(what) as \(ordinal(index)), got \(value.typeDescription)", at: index)
    }
    return result
  }

  // MARK: - Numbers

  func number(_ index: Int) throws(RuntimeError) -> Double {
    try typed(index, "a number") { if case .number(let x) = $0 { x } else { nil } }
  }

  /// `label:` as a number, or its declared default.
  func number(_ label: String) throws(RuntimeError) -> Double {
    try number(label, given: required(label))
  }

  private func number(_ label: String, given value: Value) throws(RuntimeError) -> Double {
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

  /// `label:` as a whole number >= `low`, or its declared default.
  func integer(_ label: String, min low: Int = Int.min) throws(RuntimeError) -> Int {
    try integer(label, number: number(label), min: low)
  }

  /// `label:` as a whole number in `range`, or its declared default.
  func integer(_ label: String, in range: ClosedRange<Int>) throws(RuntimeError) -> Int {
    let x = try integer(label, min: range.lowerBound)
    guard x <= range.upperBound else {
      throw error(.value, "expects \(label): \(range.lowerBound)...\(range.upperBound), got \(x)", label: label)
    }
    return x
  }

  /// `label:` as a whole number >= `low`, or nil when the call leaves out a label declared
  /// `label: nil` (`seed: nil`).
  func optionalInteger(_ label: String, min low: Int = Int.min) throws(RuntimeError) -> Int? {
    if self[label] == nil, case .none? = value(label) { return nil }
    return try integer(label, min: low)
  }

  private func integer(_ label: String, number x: Double, min low: Int) throws(RuntimeError) -> Int {
    let bound = low == Int.min ? "a whole number" : "a whole number >= \(low)"
    return try Self.checkedInteger(x, min: low) { () -> RuntimeError in
      error(.value, "expects \(bound) for \(label):, got \(Format.number(x))", label: label)
    }
  }

  static func checkedInteger(_ x: Double, min low: Int, _ failure: () -> RuntimeError) throws(RuntimeError) -> Int {
    guard x.isFinite, x == x.rounded(), abs(x) < 1e12, Int(x) >= low else { throw failure() }
    return Int(x)
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

  /// One index (`logit(net, 3)`) or several (`logit(net, 0...9)`) at `index`.
  func indexOrIndices(_ index: Int, one: String, many: String) throws(RuntimeError) -> IndexOrIndices {
    if case .number = try argument(index) { return .one(try integer(index, what: one)) }
    return .many(try integers(positional[index], what: many, at: index))
  }

  enum IndexOrIndices {
    case one(Int)
    case many([Int])
  }

  // MARK: - Strings and flags

  /// `label:` as a string, or nil when left out.
  func string(_ label: String) throws(RuntimeError) -> String? {
    guard let value = self[label] else { return nil }
    guard case .string(let s) = value else {
      throw error(.type, "expects a string for \(label):, got \(value.typeDescription)", label: label)
    }
    return s
  }

  func string(_ index: Int) throws(RuntimeError) -> String {
    try typed(index, "a string") { if case .string(let s) = $0 { s } else { nil } }
  }

  /// `label:` as true or false, or its declared default.
  func bool(_ label: String) throws(RuntimeError) -> Bool {
    let value = try required(label)
    guard case .bool(let b) = value else {
      throw error(.type, "expects true or false for \(label):, got \(value.typeDescription)", label: label)
    }
    return b
  }

  /// Where the script may write the path at `index` (a refusal is an error at the argument).
  func writablePath(_ index: Int, _ files: FileAccess) throws(RuntimeError) -> String {
    switch files.writablePath(try string(index)) {
    case .success(let path): return path
    case .failure(let denied): throw error(.value, denied.message, at: index)
    }
  }

  // MARK: - Values of the engine

  /// The tensor at `index`; a number counts as a scalar tensor.
  func tensor(_ index: Int) throws(RuntimeError) -> Tensor {
    switch try argument(index) {
    case .tensor(let t): return t
    case .number(let x): return Tensor(scalar: Float(x))
    case let value: throw error(.type, "expects a tensor as \(ordinal(index)), got \(value.typeDescription)", at: index)
    }
  }

  /// The network at `index`.
  func network(_ index: Int) throws(RuntimeError) -> Network {
    try typed(index, "a network") { if case .network(let network) = $0 { network } else { nil } }
  }

  /// The layer of a network at `index` (`net.feat`).
  func layer(_ index: Int) throws(RuntimeError) -> LayerRef {
    try typed(index, "a layer of a network (such as net.feat)") { if case .layer(let ref) = $0 { ref } else { nil } }
  }

  /// The objective at `index` (`such` shows one in the error).
  func objective(_ index: Int, such example: String) throws(RuntimeError) -> ObjectiveValue {
    try typed(index, "an objective on a network (such as \(example))") { if case .objective(let o) = $0 { o } else { nil } }
  }

  /// The network an objective at `index` reads; a regularizer alone (`tv()`) reads none.
  func network(of objective: ObjectiveValue, at index: Int) throws(RuntimeError) -> Network {
    guard let network = objective.network else {
      throw error(.value, "the objective reads no network; add a network objective such as logit(net, 3)", at: index)
    }
    return network
  }

  /// The list at `index`, shared (changes to it show in the caller's list).
  func list(_ index: Int) throws(RuntimeError) -> ListBox {
    try typed(index, "a list") { if case .list(let list) = $0 { list } else { nil } }
  }
}

/// The labels a builtin read during one call (``Interpreter/checksDeclarations``).
final class LabelReads {
  var labels: Set<String> = []
}
