import ProxyGradNN
import ProxyGradSyntax

/// A PGS value. Lists and records are shared by reference (assignment aliases, as in Python);
/// numbers, strings and bools are values. Large payloads are `indirect`, which keeps every payload
/// a single reference or a trivial word: cheap to copy in the interpreter's hot path.
public enum Value {
  case number(Double)
  case bool(Bool)
  indirect case string(String)
  case none
  case list(ListBox)
  case record(RecordBox)
  indirect case range(RangeValue)
  case tensor(Tensor)
  /// A layer as written (`conv(16, 3)`), before it is part of a network.
  indirect case layerSpec(LayerSpec)
  /// A named layer of a network: `net.feat`.
  indirect case layer(LayerRef)
  case network(Network)
  case function(Closure)
  /// Indirect because `Builtin` is a struct of many words (name, help text, arity, closure):
  /// stored inline it would make every `Value` that large, and every copy of a number as costly.
  indirect case builtin(Builtin)
  indirect case rule(GradientRule)
  /// A backward slope that is not a plain number: `anneal(0.6, 0.0)`.
  indirect case slope(SlopeSpec)
  indirect case objective(ObjectiveValue)
  /// An optimizer, initial image, transform, parameterization or schedule.
  indirect case spec(Spec)
  /// A labelled image set.
  case dataset(DatasetBox)
  /// The content of a variable slot before its first assignment; scripts never hold it.
  /// (A case of its own rather than `Value?` keeps slot reads and writes free of generic code.)
  case unset

  /// The name of the value's type as messages show it: `a number`, `a tensor`.
  public var typeDescription: String {
    switch self {
    case .number: return "a number"
    case .bool: return "a bool"
    case .string: return "a string"
    case .none: return "nil"
    case .list: return "a list"
    case .record: return "a record"
    case .range: return "a range"
    case .tensor: return "a tensor"
    case .layerSpec: return "a layer"
    case .layer: return "a layer"
    case .network: return "a network"
    case .function: return "a function"
    case .builtin: return "a builtin function"
    case .rule: return "a gradient rule"
    case .slope: return "a slope schedule"
    case .objective: return "an objective"
    case .spec(let spec): return spec.typeDescription
    case .dataset: return "a data set"
    case .unset: return "no value"
    }
  }

  /// Truthiness: only `false` and `nil` are false.
  var isTruthy: Bool {
    switch self {
    case .bool(let b): return b
    case .none: return false
    default: return true
    }
  }
}

/// A mutable list, shared by reference.
public final class ListBox {
  public var items: [Value]
  public init(_ items: [Value]) { self.items = items }
}

/// A record: ordered named fields, shared by reference.
public final class RecordBox {
  public private(set) var keys: [String]
  public private(set) var values: [Value]
  public init(_ fields: [(String, Value)] = []) {
    keys = fields.map(\.0)
    values = fields.map(\.1)
  }
  public subscript(key: String) -> Value? {
    guard let index = keys.firstIndex(of: key) else { return nil }
    return values[index]
  }
  public func set(_ key: String, _ value: Value) {
    if let index = keys.firstIndex(of: key) {
      values[index] = value
    } else {
      keys.append(key)
      values.append(value)
    }
  }
  public var fields: [(String, Value)] { Array(zip(keys, values)) }
  /// Replaces every field (a sweep restoring a record between runs).
  func replaceFields(_ fields: [(String, Value)]) {
    keys = fields.map(\.0)
    values = fields.map(\.1)
  }
}

/// `low...high` or `low..<high` over whole numbers.
public struct RangeValue: Equatable, Sendable {
  public var low: Int
  public var high: Int
  public var inclusive: Bool
  public var upperBound: Int { inclusive ? high + 1 : high }
  public var count: Int { max(0, upperBound - low) }
  public var values: [Int] { count == 0 ? [] : Array(low..<upperBound) }
}

/// A named layer of a network.
public struct LayerRef {
  public let network: Network
  public let name: String
  public var layer: (any Layer)? { network.layer(named: name) }
}

/// An objective and the network it reads (nil for pure input regularizers such as `tv()`).
public struct ObjectiveValue {
  public var objective: Objective
  public var network: Network?
}

/// A function value: compiled body plus the frame it closes over.
public final class Closure {
  public let name: String?
  public let parameters: [String]
  let slotCount: Int
  let body: Code
  let captured: Frame?
  let span: SourceSpan

  init(
    name: String?, parameters: [String], slotCount: Int, body: @escaping Code, captured: Frame?,
    span: SourceSpan
  ) {
    self.name = name
    self.parameters = parameters
    self.slotCount = slotCount
    self.body = body
    self.captured = captured
    self.span = span
  }
}
