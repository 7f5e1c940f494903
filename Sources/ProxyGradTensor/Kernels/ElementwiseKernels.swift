#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Elementwise binary operators.
public enum BinaryOp: Sendable { case add, subtract, multiply, divide }

/// Elementwise unary functions; the backward restates each derivative.
public enum UnaryOp: Sendable {
  case negate, exp, log, tanh, sigmoid, abs, square, sqrt, atan
  case power(Float)
  case clamp(min: Float, max: Float)
}

/// Loops over flat buffers for elementwise ops. Shapes: `a`, `b` and `out` hold the same number
/// of elements unless a function says otherwise; broadcasting is resolved before calling.
enum ElementwiseKernel {
  /// out[i] = a[i] op b[i]
  static func forward(_ op: BinaryOp, _ a: [Float], _ b: [Float]) -> [Float] {
    let n = a.count
    var out = [Float](repeating: 0, count: n)
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { po in
          let a = pa.baseAddress!, b = pb.baseAddress!, o = po.baseAddress!
          Parallel.forEachRange(n) { r in
            switch op {
            case .add: for i in r { o[i] = a[i] + b[i] }
            case .subtract: for i in r { o[i] = a[i] - b[i] }
            case .multiply: for i in r { o[i] = a[i] * b[i] }
            case .divide: for i in r { o[i] = a[i] / b[i] }
            }
          }
        }
      }
    }
    return out
  }

  /// out[i] = a[i] op s (or s op a[i] when `scalarFirst`)
  static func forward(_ op: BinaryOp, _ a: [Float], scalar s: Float, scalarFirst: Bool) -> [Float] {
    var out = a
    out.withUnsafeMutableBufferPointer { po in
      let o = po.baseAddress!
      switch (op, scalarFirst) {
      case (.add, _): for i in 0..<po.count { o[i] += s }
      case (.multiply, _): for i in 0..<po.count { o[i] *= s }
      case (.subtract, false): for i in 0..<po.count { o[i] -= s }
      case (.subtract, true): for i in 0..<po.count { o[i] = s - o[i] }
      case (.divide, false): for i in 0..<po.count { o[i] /= s }
      case (.divide, true): for i in 0..<po.count { o[i] = s / o[i] }
      }
    }
    return out
  }

  /// gradA (+)= the gradient of `a op b` with respect to a, before broadcast axes are summed:
  /// dy for + and −, dy·b for ·, dy/b for /. `b` may be empty for + and −.
  static func backwardFirst(_ op: BinaryOp, gradOutput g: [Float], second b: [Float]) -> [Float] {
    switch op {
    case .add, .subtract: g
    case .multiply: forward(.multiply, g, b)  // d(a·b)/da = b
    case .divide: forward(.divide, g, b)  // d(a/b)/da = 1/b
    }
  }

  /// The gradient of `a op b` with respect to b, before broadcast axes are summed: dy for +,
  /// −dy for −, dy·a for ·, −dy·a/b² for /. `a` and `b` may be empty for + and −.
  static func backwardSecond(
    _ op: BinaryOp, gradOutput g: [Float], first a: [Float], second b: [Float]
  ) -> [Float] {
    switch op {
    case .add: return g
    case .subtract: return forward(.negate, g)
    case .multiply: return forward(.multiply, g, a)
    case .divide:  // d(a/b)/db = -a/b²
      var gb = g
      for i in 0..<gb.count { gb[i] = -gb[i] * a[i] / (b[i] * b[i]) }
      return gb
    }
  }

  /// gradA += the derivative of `a op s` (or `s op a` when `scalarFirst`) times dy; `y` is the
  /// forward output, needed (and saved) only for `s / a`.
  static func backward(
    _ op: BinaryOp, scalar s: Float, scalarFirst: Bool, output y: [Float], gradOutput g: [Float],
    gradInput ga: UnsafeMutablePointer<Float>
  ) {
    switch (op, scalarFirst) {
    case (.add, _): for i in 0..<g.count { ga[i] += g[i] }
    case (.subtract, false): for i in 0..<g.count { ga[i] += g[i] }
    case (.subtract, true): for i in 0..<g.count { ga[i] -= g[i] }
    case (.multiply, _): for i in 0..<g.count { ga[i] += g[i] * s }
    case (.divide, false): for i in 0..<g.count { ga[i] += g[i] / s }
    case (.divide, true): for i in 0..<g.count { ga[i] -= g[i] * y[i] * y[i] / s }  // d(s/a) = -s/a²
    }
  }

  /// gx[i] += g[i]: a gradient that passes unchanged.
  static func add(_ g: [Float], into gx: UnsafeMutablePointer<Float>) {
    for i in 0..<g.count { gx[i] += g[i] }
  }

  /// out = f(x)
  static func forward(_ op: UnaryOp, _ x: [Float]) -> [Float] {
    var out = x
    out.withUnsafeMutableBufferPointer { po in
      let o = po.baseAddress!
      let n = po.count
      Parallel.forEachRange(n, costPerItem: 8) { r in
        switch op {
        case .negate: for i in r { o[i] = -o[i] }
        case .exp: for i in r { o[i] = expf(o[i]) }
        case .log: for i in r { o[i] = logf(o[i]) }
        case .tanh: for i in r { o[i] = tanhf(o[i]) }
        case .sigmoid: for i in r { o[i] = 1 / (1 + expf(-o[i])) }
        case .abs: for i in r { o[i] = Swift.abs(o[i]) }
        case .square: for i in r { o[i] = o[i] * o[i] }
        case .sqrt: for i in r { o[i] = o[i].squareRoot() }
        case .atan: for i in r { o[i] = atanf(o[i]) }
        case .power(let p): for i in r { o[i] = powf(o[i], p) }
        case .clamp(let lo, let hi): for i in r { o[i] = Swift.min(Swift.max(o[i], lo), hi) }
        }
      }
    }
    return out
  }

  /// gradX[i] += gradOut[i] * f'(x[i]), with `y` = f(x) saved from the forward.
  static func backward(
    _ op: UnaryOp, x: [Float], y: [Float], gradOutput g: [Float], gradInput gx: UnsafeMutablePointer<Float>
  ) {
    x.withUnsafeBufferPointer { px in
      y.withUnsafeBufferPointer { py in
        g.withUnsafeBufferPointer { pg in
          let x = px.baseAddress!, y = py.baseAddress!, g = pg.baseAddress!
          Parallel.forEachRange(px.count, costPerItem: 4) { r in
            switch op {
            case .negate: for i in r { gx[i] -= g[i] }  // y = -x
            case .exp: for i in r { gx[i] += g[i] * y[i] }  // y = e^x
            case .log: for i in r { gx[i] += g[i] / x[i] }  // y = log x
            case .tanh: for i in r { gx[i] += g[i] * (1 - y[i] * y[i]) }  // y = tanh x
            case .sigmoid: for i in r { gx[i] += g[i] * y[i] * (1 - y[i]) }  // y = σ(x)
            case .abs: for i in r { gx[i] += g[i] * (x[i] > 0 ? 1 : (x[i] < 0 ? -1 : 0)) }
            case .square: for i in r { gx[i] += g[i] * 2 * x[i] }  // y = x²
            case .sqrt: for i in r { gx[i] += g[i] * 0.5 / y[i] }  // y = √x
            case .atan: for i in r { gx[i] += g[i] / (1 + x[i] * x[i]) }  // y = atan x
            case .power(let p): for i in r { gx[i] += g[i] * p * powf(x[i], p - 1) }  // y = x^p
            case .clamp(let lo, let hi):  // y = min(max(x, lo), hi): 1 strictly inside
              for i in r where x[i] >= lo && x[i] <= hi { gx[i] += g[i] }
            }
          }
        }
      }
    }
  }

  /// Copies `x` (of `shape`) broadcast to `target`.
  static func expand(_ x: [Float], shape: [Int], to target: [Int]) -> [Float] {
    if shape == target { return x }
    let n = Shape.count(target)
    if x.count == 1 { return [Float](repeating: x[0], count: n) }
    let strides = Shape.broadcastStrides(shape, to: target)
    var out = [Float](repeating: 0, count: n)
    var index = [Int](repeating: 0, count: target.count)
    var source = 0
    for i in 0..<n {
      out[i] = x[source]
      // Advance the multi-index, last axis fastest.
      var axis = target.count - 1
      while axis >= 0 {
        index[axis] += 1
        source += strides[axis]
        if index[axis] < target[axis] { break }
        source -= strides[axis] * target[axis]
        index[axis] = 0
        axis -= 1
      }
    }
    return out
  }

  /// Sums `g` (of shape `target`) over the axes that were broadcast from `shape`, accumulating
  /// into `gx` (of `shape`). The inverse of `expand`.
  static func reduce(
    _ g: [Float], from target: [Int], to shape: [Int], into gx: UnsafeMutablePointer<Float>
  ) {
    if shape == target { return add(g, into: gx) }
    let strides = Shape.broadcastStrides(shape, to: target)
    var index = [Int](repeating: 0, count: target.count)
    var dest = 0
    for i in 0..<g.count {
      gx[dest] += g[i]
      var axis = target.count - 1
      while axis >= 0 {
        index[axis] += 1
        dest += strides[axis]
        if index[axis] < target[axis] { break }
        dest -= strides[axis] * target[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }
}
