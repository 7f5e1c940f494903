import ProxyGradNN

/// Tensor constructors, activations, reductions and elementwise functions.
enum TensorBuiltins {
  static let all: [Builtin] = constructors + activations + reductions + elementwise + shapes

  // MARK: - Constructors

  static let constructors: [Builtin] = [
    Builtin(
      "tensor(values)",
      help: "A Float32 tensor from a number or nested lists of numbers; rows must have equal lengths. The shape follows the nesting: tensor([[1, 2], [3, 4]]) has shape [2, 2].",
      example: "t = tensor([[1, 2], [3, 4]])"
    ) { args, _ throws(RuntimeError) in .tensor(try tensor(from: args.positional[0], args, at: 0)) },
    Builtin(
      "zeros(shape)",
      help: "A tensor of zeros with the given shape (a list of whole numbers).",
      example: "z = zeros([2, 3])"
    ) { args, _ throws(RuntimeError) in .tensor(Tensor.zeros(try shape(args, at: 0))) },
    Builtin(
      "ones(shape)",
      help: "A tensor of ones with the given shape.",
      example: "o = ones([3])"
    ) { args, _ throws(RuntimeError) in .tensor(Tensor.full(try shape(args, at: 0), value: 1)) },
    Builtin(
      "full(shape, value)",
      help: "A tensor with every element set to value.",
      example: "h = full([2, 2], 0.5)"
    ) { args, _ throws(RuntimeError) in .tensor(Tensor.full(try shape(args, at: 0), value: Float(try args.number(1)))) },
    Builtin(
      "uniform(shape, low, high, seed: nil)",
      help: "A tensor of numbers drawn uniformly from [low, high). Draws come from the session's seeded generator, or from seed: when given, so runs repeat exactly.",
      example: "x = uniform([2], -1, 1)"
    ) { args, interpreter throws(RuntimeError) in
      let low = try args.number(1)
      let high = try args.number(2)
      guard low < high else { throw args.error(.value, "expects low < high, got [\(Format.number(low)), \(Format.number(high))]") }
      let dims = try shape(args, at: 0)
      return try drawing(args, interpreter) { rng in Tensor.uniform(dims, low: Float(low), high: Float(high), rng: &rng) }
    },
    Builtin(
      "normal(shape, mean: 0, std: 1, seed: nil)",
      help: "A tensor of normally distributed numbers, from the session's seeded generator or from seed:.",
      example: "x = normal([1, 28, 28], std: 0.1)"
    ) { args, interpreter throws(RuntimeError) in
      let dims = try shape(args, at: 0)
      let mean = Float(try args.number("mean"))
      let std = try args.number("std")
      guard std >= 0 else { throw args.error(.value, "expects std >= 0, got \(Format.number(std))", label: "std") }
      return try drawing(args, interpreter) { rng in Tensor.normal(dims, mean: mean, std: Float(std), rng: &rng) }
    },
  ]

  /// A random tensor drawn from `seed:` when given, else from the session's generator.
  static func drawing(
    _ args: Arguments, _ interpreter: Interpreter, _ draw: (inout SplitMix64) -> Tensor
  ) throws(RuntimeError) -> Value {
    guard let seed = try args.optionalInteger("seed", min: 0) else { return .tensor(draw(&interpreter.rng)) }
    var rng = SplitMix64(seed: UInt64(seed))
    return .tensor(draw(&rng))
  }

  // MARK: - Activations

  static let activations: [Builtin] = [
    Builtin(
      "relu(t) or relu(name: nil)",
      help: "With a tensor: max(t, 0) elementwise. Inside a function under grad, its backward slope follows the active gradient rule (swap/proxy), like a network's relu layers. Without arguments, inside a network block: a ReLU layer (forward slope 0), auto-named relu1, relu2, ...",
      example: "relu(tensor([-1, 2]))"
    ) { args, interpreter throws(RuntimeError) in
      if args.positional.isEmpty { return .layerSpec(.leakyReLU(slope: 0, name: try args.string("name"))) }
      return try leaky(args.positional[0], slope: 0, args, interpreter)
    },
    Builtin(
      "leaky(t, slope) or leaky(slope, name: nil)",
      help: "With a tensor: Leaky ReLU, x if x > 0 else slope * x; under grad its backward slope follows the active rule. With one number, inside a network block: a Leaky ReLU layer with that forward slope, auto-named leaky1, ...",
      example: "leaky(tensor([-1, 2]), 0.01)"
    ) { args, interpreter throws(RuntimeError) in
      if args.positional.count == 1 {
        return .layerSpec(.leakyReLU(slope: try args.number(0), name: try args.string("name")))
      }
      return try leaky(args.positional[0], slope: try args.number(1), args, interpreter)
    },
  ]

  static func leaky(_ value: Value, slope: Double, _ args: Arguments, _ interpreter: Interpreter) throws(RuntimeError) -> Value {
    switch value {
    case .number(let x): return .number(x > 0 ? x : slope * x)
    case .tensor(let t):
      return .tensor(interpreter.policy.activate(t, layer: nil, forwardSlope: Float(slope)))
    default:
      throw args.error(.type, "expects a tensor as argument 1, got \(value.typeDescription)", at: 0)
    }
  }

  // MARK: - Reductions

  static let reductions: [Builtin] = [
    Builtin(
      "sum(t, axis: nil)",
      help: "The sum of a tensor's elements: a number (a scalar tensor inside grad, so the graph stays), or with axis: a tensor with that axis removed. Also sums a list of numbers.",
      example: "sum(tensor([[1, 2], [3, 4]]), axis: 0)"
    ) { args, interpreter throws(RuntimeError) in try reduce(args, mean: false, interpreter) },
    Builtin(
      "mean(t, axis: nil)",
      help: "The mean of a tensor's elements: a number (a scalar tensor inside grad), or with axis: a tensor with that axis removed. Also averages a list of numbers.",
      example: "mean(tensor([1, 2, 3, 4]))"
    ) { args, interpreter throws(RuntimeError) in try reduce(args, mean: true, interpreter) },
    Builtin(
      "max(t, axis: nil) or max(a, b, ...)",
      help: "The largest element of a tensor (a number; a scalar tensor inside grad), or with axis: the largest along that axis, which is removed (the gradient goes to the first largest element). Also the largest of several numbers, or of a list of numbers.",
      example: "max(tensor([[1, 5], [7, 2]]), axis: 0)"
    ) { args, interpreter throws(RuntimeError) in
      if let value = try AnalysisBuiltins.extreme(args, largest: true, interpreter) { return value }
      return .number(try CoreBuiltins.extremum(args, smallest: false))
    },
    Builtin(
      "item(t)",
      help: "The value of a one-element tensor as a number.",
      example: "item(sum(tensor([1, 2])) * tensor(1))"
    ) { args, _ throws(RuntimeError) in
      switch args.positional[0] {
      case .number(let x): return .number(x)
      case .tensor(let t):
        guard t.count == 1 else {
          throw args.error(.shape, "expects a tensor with one element, got shape \(Format.shape(t.shape))", at: 0)
        }
        return .number(Format.double(t.values[0]))
      case let value: throw args.error(.type, "expects a tensor, got \(value.typeDescription)", at: 0)
      }
    },
  ]

  /// A whole-tensor result: a number for every tensor (a network's output too), except inside
  /// `grad` and function objectives of `maximize`, where it stays a scalar tensor so the
  /// gradient can flow through it.
  static func scalar(_ t: Tensor, _ interpreter: Interpreter) -> Value {
    if interpreter.gradientDepth > 0 { return .tensor(t) }
    return .number(Format.double(t.values.first ?? 0))
  }

  static func reduce(_ args: Arguments, mean takeMean: Bool, _ interpreter: Interpreter) throws(RuntimeError) -> Value {
    let value = args.positional[0]
    if case .list(let list) = value {
      var total = 0.0
      for item in list.items {
        guard case .number(let x) = item else {
          throw args.error(.type, "expects a tensor or a list of numbers; the list holds \(item.typeDescription)", at: 0)
        }
        total += x
      }
      if takeMean, list.items.isEmpty { throw args.error(.value, "the list is empty", at: 0) }
      return .number(takeMean ? total / Double(list.items.count) : total)
    }
    guard case .tensor(let t) = value else {
      throw args.error(.type, "expects a tensor, got \(value.typeDescription)", at: 0)
    }
    guard args["axis"] != nil else {
      if takeMean, t.count == 0 { throw args.error(.value, "the tensor is empty", at: 0) }
      return scalar(takeMean ? mean(t) : sum(t), interpreter)
    }
    let given = try args.integer("axis")
    let axis = given < 0 ? given + t.rank : given
    guard axis >= 0, axis < t.rank else {
      throw args.error(.shape, "axis \(given) is out of range for a tensor of shape \(Format.shape(t.shape))", label: "axis")
    }
    return .tensor(takeMean ? mean(t, axis: axis) : sum(t, axis: axis))
  }

  // MARK: - Elementwise

  static func unaryFunction(
    _ name: String, help: String, example: String, number: @escaping @Sendable (Double) -> Double,
    domain: (@Sendable (Double) -> Bool)? = nil, tensor: @escaping @Sendable (Tensor) -> Tensor
  ) -> Builtin {
    Builtin("\(name)(x)", help: help, example: example) { args, _ throws(RuntimeError) in
      switch args.positional[0] {
      case .number(let x):
        if let domain, !domain(x) { throw args.error(.value, "is not defined at \(Format.number(x))", at: 0) }
        return .number(number(x))
      case .tensor(let t): return .tensor(tensor(t))
      case let value: throw args.error(.type, "expects a number or a tensor, got \(value.typeDescription)", at: 0)
      }
    }
  }

  static let elementwise: [Builtin] = [
    unaryFunction("exp", help: "e to the power x, for a number or elementwise for a tensor.", example: "exp(tensor([0, 1]))", number: { Foundation.exp($0) }, tensor: { exp($0) }),
    unaryFunction("log", help: "The natural logarithm, for a positive number or elementwise for a tensor.", example: "log(2.718281828)", number: { Foundation.log($0) }, domain: { $0 > 0 }, tensor: { log($0) }),
    unaryFunction("abs", help: "The absolute value, for a number or elementwise.", example: "abs(-2)", number: { Swift.abs($0) }, tensor: { abs($0) }),
    unaryFunction("sqrt", help: "The square root, for a non-negative number or elementwise.", example: "sqrt(2)", number: { $0.squareRoot() }, domain: { $0 >= 0 }, tensor: { sqrt($0) }),
    Builtin(
      "pow(x, p)",
      help: "x to the power p, for a number or elementwise for a tensor (p a number).",
      example: "pow(tensor([1, 2, 3]), 2)"
    ) { args, _ throws(RuntimeError) in
      let p = try args.number(1)
      switch args.positional[0] {
      case .number(let x): return .number(Foundation.pow(x, p))
      case .tensor(let t): return .tensor(pow(t, Float(p)))
      case let value: throw args.error(.type, "expects a number or a tensor, got \(value.typeDescription)", at: 0)
      }
    },
    Builtin(
      "clamp(t, low, high)",
      help: "Each element limited to [low, high].",
      example: "clamp(tensor([-2, 0, 2]), -1, 1)"
    ) { args, _ throws(RuntimeError) in
      let low = try args.number(1)
      let high = try args.number(2)
      guard low <= high else { throw args.error(.value, "expects low <= high, got [\(Format.number(low)), \(Format.number(high))]") }
      guard case .tensor(let t) = args.positional[0] else {
        throw args.error(.type, "expects a tensor as argument 1, got \(args.positional[0].typeDescription)", at: 0)
      }
      return .tensor(clamp(t, min: Float(low), max: Float(high)))
    },
  ]

  // MARK: - Shapes

  static let shapes: [Builtin] = [
    Builtin(
      "reshape(t, shape) or reshape(shape, name: nil)",
      help: "The same elements with a new shape of the same element count. With a shape only, in a network block: a layer that reshapes each item (one size may be -1), auto-named reshape1, ...",
      example: "reshape(tensor([1, 2, 3, 4]), [2, 2])"
    ) { args, _ throws(RuntimeError) in
      if args.positional.count == 1 {
        let dims = try args.integers(args.positional[0], what: "a shape", at: 0)
        return .layerSpec(.reshape(dims, name: try args.string("name")))
      }
      let t = try args.tensor(0)
      let dims = try shape(args, at: 1)
      guard dims.reduce(1, *) == t.count else {
        throw args.error(.shape, "cannot reshape a tensor of shape \(Format.shape(t.shape)) (\(t.count) elements) to \(Format.shape(dims))", at: 1)
      }
      return .tensor(t.reshaped(to: dims))
    },
    Builtin(
      "transpose(t)",
      help: "The transpose of a matrix (a rank-2 tensor).",
      example: "transpose(tensor([[1, 2], [3, 4]]))"
    ) { args, _ throws(RuntimeError) in
      let t = try args.tensor(0)
      guard t.rank == 2 else { throw args.error(.shape, "expects a matrix, got shape \(Format.shape(t.shape))", at: 0) }
      return .tensor(t.transposed())
    },
    Builtin(
      "matmul(a, b)",
      help: "Matrix product, the same as a @ b: [m, k] @ [k, n], [k] @ [k, n] or [m, k] @ [k].",
      example: "matmul(tensor([[1, 2]]), tensor([[3], [4]]))"
    ) { args, _ throws(RuntimeError) in
      .tensor(try Operators.matmulChecked(try args.tensor(0), try args.tensor(1), span: args.span))
    },
    Builtin(
      "tolist(t)",
      help: "A tensor's elements as (nested) lists of numbers.",
      example: "tolist(tensor([[1, 2], [3, 4]]))"
    ) { args, _ throws(RuntimeError) in
      let t = try args.tensor(0)
      if t.rank == 0 { return .number(Format.double(t.values.first ?? 0)) }
      var index = 0
      func nested(_ axis: Int) -> Value {
        if axis == t.rank - 1 {
          let row = t.values[index..<index + t.shape[axis]].map { Value.number(Format.double($0)) }
          index += t.shape[axis]
          return .list(ListBox(Array(row)))
        }
        return .list(ListBox((0..<t.shape[axis]).map { _ in nested(axis + 1) }))
      }
      return nested(0)
    },
  ]

  // MARK: - Argument helpers

  /// A shape: a list of positive whole numbers.
  static func shape(_ args: Arguments, at index: Int) throws(RuntimeError) -> [Int] {
    let dims = try args.integers(try args.argument(index), what: "a shape", at: index)
    guard dims.allSatisfy({ $0 > 0 }), dims.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= 1 << 28 else {
      throw args.error(.value, "expects a shape of positive sizes with at most 2^28 elements, got \(Format.shape(dims))", at: index)
    }
    return dims
  }

  /// Nested lists of numbers → tensor, checking that rows are rectangular.
  static func tensor(from value: Value, _ args: Arguments, at index: Int) throws(RuntimeError) -> Tensor {
    switch value {
    case .number(let x): return Tensor(scalar: Float(x))
    case .tensor(let t): return t.detached()
    case .range(let r):
      guard r.count > 0, r.count < 1 << 28 else {
        throw args.error(.value, "expects a range of 1 to 2^28 numbers, got \(r.count)", at: index)
      }
      return Tensor(shape: [r.count], values: r.values.map(Float.init))
    case .list: break
    default: throw args.error(.type, "expects nested lists of numbers, got \(value.typeDescription)", at: index)
    }
    var shape: [Int] = []
    var probe = value
    while case .list(let list) = probe {
      guard shape.count < 8 else {
        throw args.error(.shape, "expects at most 8 levels of nested lists", at: index)
      }
      shape.append(list.items.count)
      guard let first = list.items.first else { break }
      probe = first
    }
    var values: [Float] = []
    func walk(_ v: Value, _ depth: Int, _ path: String) throws(RuntimeError) {
      if depth == shape.count {
        guard case .number(let x) = v else {
          throw args.error(.type, "expects numbers, found \(v.typeDescription) at \(path)", at: index)
        }
        values.append(Float(x))
        return
      }
      guard case .list(let list) = v, list.items.count == shape[depth] else {
        let found: String
        if case .list(let list) = v { found = "\(list.items.count) items" } else { found = v.typeDescription }
        throw args.error(.shape, "rows must have equal lengths: expected \(shape[depth]) items at \(path), found \(found)", at: index)
      }
      for (i, item) in list.items.enumerated() { try walk(item, depth + 1, path + "[\(i)]") }
    }
    try walk(value, 0, "t")
    guard !values.isEmpty else { throw args.error(.value, "expects at least one number", at: index) }
    return Tensor(shape: shape, values: values)
  }
}

import Foundation
