import ProxyGradNN
import ProxyGradSyntax

/// One evaluated item of a subscript.
enum Subscript {
  case value(Value)
  /// `..`: the whole axis.
  case all
  /// `a..`, `..<b`, `...b`: a range open at one end (nil bounds are the ends of the axis).
  case open(Int?, Int?, inclusive: Bool)
}

/// Indexing and slicing of tensors, lists and strings: `t[0..<2]`, `t[.., 3]`, `t[-1]`,
/// `t[[0, 2]]`, `xs[1..]`.
///
/// For a tensor, item k of the subscript applies to axis k, and missing items take whole axes.
/// A number picks one index and removes the axis; a range, an open range, `..` or a list of
/// indices keeps the axis. Negative numbers (and negative range bounds) count from the end.
/// The result stays in the gradient graph: the gradient flows back to the elements taken.
enum Slicing {
  static func select(_ container: Value, _ keys: [Subscript], span: SourceSpan) throws(RuntimeError) -> Value {
    switch container {
    case .tensor(let t): return .tensor(try tensor(t, keys, span: span))
    case .list(let list):
      guard keys.count == 1 else {
        throw RuntimeError(.index, "a list takes one index or range, got \(keys.count)", at: span)
      }
      let positions = try sequence(keys[0], count: list.items.count, what: "a list", span: span)
      return positions.pick.map { list.items[$0] } ?? .list(ListBox(positions.range.map { list.items[$0] }))
    case .string(let s):
      guard keys.count == 1 else {
        throw RuntimeError(.index, "a string takes one index or range, got \(keys.count)", at: span)
      }
      let characters = Array(s)
      let positions = try sequence(keys[0], count: characters.count, what: "a string", span: span)
      if let i = positions.pick { return .string(String(characters[i])) }
      return .string(String(positions.range.map { characters[$0] }))
    case .dataset(let box) where keys.count == 1:
      // data.train[..<1000], data.test[-500..]: open ranges over a data set's images.
      let positions = try sequence(keys[0], count: box.data.count, what: "a data set", span: span)
      guard positions.pick == nil else { break }
      let range = RangeValue(low: positions.range.lowerBound, high: positions.range.upperBound, inclusive: false)
      do throws(Unwind) { return try Access.index(container, .range(range), span: span) } catch {
        if case .error(let e) = error { throw e }
      }
    default:
      if keys.count == 1, case .value(let key) = keys[0] {
        do throws(Unwind) { return try Access.index(container, key, span: span) } catch {
          if case .error(let e) = error { throw e }
        }
      }
      throw RuntimeError(.type, "cannot slice \(container.typeDescription); only tensors, lists and strings take ranges and several indices", at: span)
    }
    throw RuntimeError(.type, "a data set is indexed by a range such as 0..<1000", at: span)
  }

  /// A list's or string's positions for one subscript item: one position, or a range of them.
  static func sequence(_ key: Subscript, count: Int, what: String, span: SourceSpan) throws(RuntimeError) -> (pick: Int?, range: Range<Int>) {
    switch key {
    case .value(.range(let r)):
      return (nil, try bounds(low: r.low, high: r.high, inclusive: r.inclusive, count: count, what: what, span: span))
    case .value(let value):
      return (try Access.position(value, count: count, what: what, span: span), 0..<0)
    case .all: return (nil, 0..<count)
    case .open(let low, let high, let inclusive):
      return (nil, try bounds(low: low ?? 0, high: high ?? count, inclusive: high != nil && inclusive, count: count, what: what, span: span))
    }
  }

  /// The half-open range of positions a range selects; negative bounds count from the end.
  static func bounds(low: Int, high: Int, inclusive: Bool, count: Int, what: String, span: SourceSpan) throws(RuntimeError) -> Range<Int> {
    let a = low < 0 ? low + count : low
    let b = (high < 0 ? high + count : high) + (inclusive ? 1 : 0)
    guard a >= 0, b <= count, a <= b else {
      let written = "\(low)\(inclusive ? "..." : "..<")\(high)"
      throw RuntimeError(.index, "range \(written) is out of range for \(what) of \(count) items", at: span)
    }
    return a..<b
  }

  static func tensor(_ t: Tensor, _ keys: [Subscript], span: SourceSpan) throws(RuntimeError) -> Tensor {
    guard t.rank >= 1 else {
      throw RuntimeError(.index, "cannot index a tensor of shape []; use item(t)", at: span)
    }
    guard keys.count <= t.rank else {
      throw RuntimeError(
        .index, "too many indices: \(keys.count) for a tensor of shape \(Format.shape(t.shape)) (\(t.rank) axes)", at: span)
    }
    // t[i]: the common case, one item along the first axis.
    if keys.count == 1, case .value(let key) = keys[0], case .number = key {
      return t.index(try position(key, axis: 0, t, span: span))
    }
    var indices: [[Int]] = []
    var kept: [Int] = []
    for axis in 0..<t.rank {
      let n = t.shape[axis]
      let key = axis < keys.count ? keys[axis] : .all
      let what = "axis \(axis) of a tensor of shape \(Format.shape(t.shape))"
      switch key {
      case .all:
        indices.append(Array(0..<n))
      case .open(let low, let high, let inclusive):
        indices.append(Array(try bounds(low: low ?? 0, high: high ?? n, inclusive: high != nil && inclusive, count: n, what: what, span: span)))
      case .value(.number):
        if case .value(let key) = key { indices.append([try position(key, axis: axis, t, span: span)]) }
        continue
      case .value(.range(let r)):
        indices.append(Array(try bounds(low: r.low, high: r.high, inclusive: r.inclusive, count: n, what: what, span: span)))
      case .value(.list(let list)):
        var picks: [Int] = []
        for item in list.items { picks.append(try position(item, axis: axis, t, span: span)) }
        indices.append(picks)
      case .value(.tensor(let index)) where index.rank == 1:
        var picks: [Int] = []
        for x in index.values { picks.append(try position(.number(Double(x)), axis: axis, t, span: span)) }
        indices.append(picks)
      case .value(let other):
        throw RuntimeError(
          .type, "a tensor index is a whole number, a range, .. or a list of whole numbers, got \(Format.brief(other))", at: span)
      }
      guard !indices[axis].isEmpty else {
        throw RuntimeError(.index, "the index selects nothing on \(what)", at: span)
      }
      kept.append(indices[axis].count)
    }
    let taken = t.taking(indices)
    return kept.count == taken.rank ? taken : taken.reshaped(to: kept)
  }

  static func position(_ key: Value, axis: Int, _ t: Tensor, span: SourceSpan) throws(RuntimeError) -> Int {
    let n = t.shape[axis]
    guard case .number(let x) = key, x.isFinite, x == x.rounded(), abs(x) < 1e12 else {
      throw RuntimeError(.type, "a tensor index must be a whole number, got \(Format.brief(key))", at: span)
    }
    let i = Int(x) < 0 ? Int(x) + n : Int(x)
    guard i >= 0, i < n else {
      throw RuntimeError(
        .index, "index \(Int(x)) is out of range for axis \(axis) of a tensor of shape \(Format.shape(t.shape)) (valid: \(-n)...\(n - 1))",
        at: span)
    }
    return i
  }
}
