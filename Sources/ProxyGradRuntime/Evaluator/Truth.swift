import ProxyGradNN
import ProxyGradSyntax

extension Value {
  /// The truth of a value used as a condition (`if`, `while`, `and`, `or`, `not`, `assert`):
  /// `false` and `nil` are false and every other value is true, except tensors: a tensor of one
  /// element is true when that element is not 0, and a tensor of several elements is an error,
  /// since whether "any" or "all" of its elements is meant cannot be guessed.
  func truth(at span: SourceSpan) throws(RuntimeError) -> Bool {
    switch self {
    case .bool(let b): return b
    case .none: return false
    case .tensor(let t):
      guard t.count == 1 else {
        throw RuntimeError(
          .value,
          "a tensor of shape \(Format.shape(t.shape)) used as a condition is ambiguous; write any(t) or all(t) for its elements, or item(t) for a one-element tensor",
          at: span)
      }
      return t.values[0] != 0
    default: return true
    }
  }

  func holds(at span: SourceSpan) throws(Unwind) -> Bool {
    do throws(RuntimeError) { return try truth(at: span) } catch { throw .error(error) }
  }

  /// The only element of a number or a one-element tensor, as comparisons read it.
  var singleNumber: Double? {
    switch self {
    case .number(let x): return x
    case .tensor(let t) where t.count == 1: return Format.double(t.values[0])
    default: return nil
    }
  }
}
