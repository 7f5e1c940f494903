import Foundation
import ProxyGradNN
import ProxyGradTensor
import SwiftProtobuf

/// Reads ONNX models (opsets 9 to 21) into networks: every op a layer node, named from the
/// exporter's module path (`NodeNamer`), and constant computations (shape arithmetic, `Constant`
/// nodes) folded on load. docs/onnx.md lists the ops and the limits.
public enum ONNXImport {
  /// The opsets of the default domain pgs reads.
  public static let opsets = 9...21

  /// The ops pgs reads.
  public static let supportedOps: [String] = [
    "Add", "AveragePool", "BatchNormalization", "Cast", "CastLike", "Clip", "Concat", "Constant",
    "ConstantOfShape", "Conv", "Div", "Dropout", "Expand", "Flatten", "Gather", "Gemm",
    "GlobalAveragePool", "Identity", "LRN", "LeakyRelu", "MatMul", "MaxPool", "Mul", "ReduceMean",
    "Relu", "Reshape", "Shape", "Sigmoid", "Slice", "Softmax", "Squeeze", "Sub", "Sum", "Tanh",
    "Transpose", "Unsqueeze",
  ]

  /// Reads the model at `path` (and its external data files, beside it).
  /// - Throws: `ONNXError` naming the file, node, op and byte offset at fault.
  public static func load(path: String) throws(ONNXError) -> Network {
    let bytes: [UInt8]
    do {
      bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw ONNXError(file: path, "cannot read the file: \(error.localizedDescription)")
    }
    if let fault = WireCheck.firstFault(bytes) {
      throw ONNXError(file: path, offset: fault.offset, "not a well-formed ONNX model: \(fault.message)")
    }
    let model: Onnx_ModelProto
    do {
      model = try Onnx_ModelProto(serializedBytes: bytes)
    } catch {
      throw ONNXError(file: path, "not a well-formed ONNX model (protobuf: \(error))")
    }
    var importer = Importer(path: path, model: model)
    return try importer.run()
  }
}

/// A value of the graph: a constant, or the output of a layer node (shape of one item).
private enum GraphValue {
  case constant(ConstantTensor)
  case node(String, shape: [Int])
}

private struct Importer {
  let path: String
  let model: Onnx_ModelProto
  var reader: TensorReader
  var namer = NodeNamer()
  var values: [String: GraphValue] = [:]
  var nodes: [GraphNode] = []
  /// Layers made by MatMul whose bias a following Add of a constant may fill.
  var biasFree: Set<String> = []
  /// The batch size the model declares, when it is a number.
  var declaredBatch: Int?
  var opset = 0

  init(path: String, model: Onnx_ModelProto) {
    self.path = path
    self.model = model
    self.reader = TensorReader(modelPath: path)
  }

  func fail(_ message: String) -> ONNXError { ONNXError(file: path, message) }

  mutating func run() throws(ONNXError) -> Network {
    guard model.hasGraph else { throw fail("the model has no graph (not an ONNX model?)") }
    let defaultDomain = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }
    guard let version = defaultDomain?.version else {
      throw fail("the model imports no opset of the default ONNX domain")
    }
    guard ONNXImport.opsets.contains(Int(version)) else {
      throw fail("the model uses opset \(version); pgs reads opsets 9 to 21")
    }
    opset = Int(version)
    let graph = model.graph

    var initializerNames: Set<String> = []
    for t in graph.initializer {
      values[t.name] = .constant(try reader.read(t, what: "initializer '\(t.name)'"))
      initializerNames.insert(t.name)
    }
    let inputs = graph.input.filter { !initializerNames.contains($0.name) }
    guard inputs.count == 1 else {
      throw fail(
        "the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); pgs reads models with one input")
    }
    let input = inputs[0]
    let inputShape = try self.inputShape(input)
    values[input.name] = .node(Network.inputName, shape: inputShape)

    for node in graph.node {
      try add(node)
    }

    guard graph.output.count == 1 else {
      throw fail("the graph has \(graph.output.count) outputs; pgs reads models with one output")
    }
    let outputName = graph.output[0].name
    guard let output = values[outputName] else {
      throw fail("the graph's output '\(outputName)' is made by no node (a truncated file?)")
    }
    guard case .node(let outputNode, _) = output, outputNode != Network.inputName else {
      throw fail("the graph's output '\(outputName)' does not depend on the input")
    }
    do {
      let network = try Network(inputShape: inputShape, nodes: nodes, output: outputNode)
      network.source = path
      return network
    } catch {
      throw fail(error.description)
    }
  }

  /// The shape of one input item: every axis but the batch axis must be a fixed size.
  mutating func inputShape(_ input: Onnx_ValueInfoProto) throws(ONNXError) -> [Int] {
    guard case .tensorType(let type)? = input.type.value else {
      throw fail("the input '\(input.name)' is not a tensor")
    }
    guard type.elemType == 1 else {
      throw fail(
        "the input '\(input.name)' has element type \(elementTypeName(type.elemType)); pgs reads FLOAT inputs")
    }
    let dims = type.shape.dim
    guard dims.count >= 2 else {
      throw fail("the input '\(input.name)' has \(dims.count) axes; pgs needs a batch axis and at least one more")
    }
    if case .dimValue(let n)? = dims[0].value, n > 0 { declaredBatch = Int(n) }
    var shape: [Int] = []
    for (axis, d) in dims.enumerated().dropFirst() {
      switch d.value {
      case .dimValue(let n)? where n > 0 && n <= 1 << 24:
        shape.append(Int(n))
      case .dimParam(let p)?:
        throw fail(
          "the input '\(input.name)' has a dynamic size '\(p)' at axis \(axis); pgs needs fixed sizes beyond the batch axis (export with a fixed input size)")
      default:
        throw fail(
          "the input '\(input.name)' has no fixed size at axis \(axis); pgs needs fixed sizes beyond the batch axis")
      }
    }
    return shape
  }

  // MARK: - Nodes

  mutating func add(_ node: Onnx_NodeProto) throws(ONNXError) {
    let op = node.opType
    let label = node.name.isEmpty ? (node.output.first ?? "") : node.name
    let file = path
    let fail: @Sendable (String) -> ONNXError = { message in ONNXError(file: file, node: label, op: op, message) }
    guard node.domain.isEmpty || node.domain == "ai.onnx" else {
      throw fail("the op domain '\(node.domain)' is not supported; pgs reads the default ONNX domain")
    }
    var attributes: [String: Onnx_AttributeProto] = [:]
    for a in node.attribute { attributes[a.name] = a }
    var args = NodeArguments(node: node, attributes: attributes, fail: fail)
    // Inputs: "" marks an omitted optional input.
    var inputs: [GraphValue?] = []
    for name in node.input {
      if name.isEmpty {
        inputs.append(nil)
        continue
      }
      guard let value = values[name] else {
        throw fail("reads '\(name)', which no earlier node, initializer or input makes (a truncated file?)")
      }
      inputs.append(value)
    }
    args.inputs = inputs
    guard !node.output.isEmpty, !node.output[0].isEmpty else { throw fail("the node has no output") }

    // Constant computations fold.
    if let folded = try fold(op, &args) {
      values[node.output[0]] = .constant(folded)
      return
    }
    let result = try layer(op, &args, node: node)
    values[node.output[0]] = result
  }

  /// Makes the layer node of `op` (or passes a value through), returning the node's value.
  mutating func layer(_ op: String, _ args: inout NodeArguments, node: Onnx_NodeProto)
    throws(ONNXError) -> GraphValue
  {
    func weightName(_ i: Int) -> String? { node.input.count > i ? node.input[i] : nil }
    switch op {
    case "Identity", "Dropout":
      // A no-op at evaluation: the node passes its input on.
      return try args.value(0)

    case "Relu", "LeakyRelu", "Clip":
      let (x, shape) = try args.activation(0)
      var slope: Float = 0
      if op == "LeakyRelu" { slope = try args.float("alpha", default: 0.01) }
      let name = namer.name(for: node, weightName: nil)
      if op == "Clip" {
        let (low, high) = try args.clipBounds(opset: opset)
        guard !low.isNaN, !(high?.isNaN ?? false), low <= (high ?? .infinity) else {
          throw args.fail("clips to an empty range [\(low), \(high ?? .infinity)]")
        }
        if low != 0 || (high ?? .infinity) != .infinity {
          return append(Clip(name: name, inputShape: shape, low: low, high: high ?? .infinity), inputs: [x])
        }
      }
      return append(LeakyReLU(name: name, inputShape: shape, forwardSlope: slope), inputs: [x])

    case "Sigmoid", "Tanh":
      let (x, shape) = try args.activation(0)
      let name = namer.name(for: node, weightName: nil)
      return append(
        Elementwise(name: name, inputShape: shape, function: op == "Sigmoid" ? .sigmoid : .tanh), inputs: [x])

    case "Softmax":
      let (x, shape) = try args.activation(0)
      var axis = try args.int("axis", default: opset >= 13 ? -1 : 1)
      if axis < 0 { axis += shape.count + 1 }
      guard axis == 1, opset >= 13 || shape.count == 1 else {
        throw args.fail(
          "takes the softmax over axis \(axis) of [N] + \(shape); pgs reads the softmax over axis 1 (features or channels)")
      }
      let name = namer.name(for: node, weightName: nil)
      return append(Softmax(name: name, inputShape: shape), inputs: [x])

    case "LRN":
      let (x, shape) = try args.activation(0)
      let size = try args.int("size")
      guard size >= 1, size % 2 == 1 else {
        throw args.fail("has size \(size); pgs reads odd sizes (even ones centre the window differently from PyTorch's)")
      }
      let name = namer.name(for: node, weightName: nil)
      let lrn = LocalResponseNorm(
        name: name, inputShape: shape, size: size, alpha: try args.float("alpha", default: 1e-4),
        beta: try args.float("beta", default: 0.75), k: try args.float("bias", default: 1))
      return append(lrn, inputs: [x])

    case "Conv":
      let (x, shape) = try args.activation(0)
      guard shape.count == 3 else { throw args.fail("expects an input [N, C, H, W], got [N] + \(shape)") }
      let w = try args.constant(1, what: "weight")
      let b = try args.optionalConstant(2, what: "bias")
      guard w.shape.count == 4, w.shape.allSatisfy({ $0 > 0 }) else {
        throw args.fail("expects a weight [O, C/group, kH, kW], got \(w.shape)")
      }
      let group = try args.int("group", default: 1)
      guard group >= 1, shape[0] % group == 0, w.shape[0] % group == 0, w.shape[1] * group == shape[0] else {
        throw args.fail(
          "has a weight \(w.shape) and group \(group), which do not fit an input of \(shape[0]) channels")
      }
      if let b, b.count != w.shape[0] {
        throw args.fail("has a bias of \(b.count) values for \(w.shape[0]) output channels")
      }
      let kernel = Size2d(w.shape[2], w.shape[3])
      let geometry = try args.window(kernel: kernel, spatial: Array(shape[1...]))
      let options = ConvOptions(
        outChannels: w.shape[0], kernel: kernel, stride: geometry.stride, padding: geometry.padding,
        dilation: geometry.dilation, groups: group, bias: b != nil)
      let name = namer.name(for: node, weightName: weightName(1))
      let conv = Conv2d(name: name, inputShape: shape, options: options, weight: w.floats, bias: b?.floats)
      return append(conv, inputs: [x])

    case "MaxPool", "AveragePool":
      let (x, shape) = try args.activation(0)
      guard shape.count == 3 else { throw args.fail("expects an input [N, C, H, W], got [N] + \(shape)") }
      let k = try args.ints("kernel_shape")
      guard k.count == 2, k.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else {
        throw args.fail("has kernel_shape \(k); pgs reads two positive sizes")
      }
      let kernel = Size2d(Int(k[0]), Int(k[1]))
      let geometry = try args.window(kernel: kernel, spatial: Array(shape[1...]))
      let p = geometry.padding
      guard max(p.top, p.bottom) * 2 <= kernel.height, max(p.left, p.right) * 2 <= kernel.width else {
        throw args.fail("pads by more than half the window \(kernel), which pgs does not read")
      }
      if op == "MaxPool", node.output.count > 1, !node.output[1].isEmpty {
        throw args.fail("asks for the indices output, which pgs does not make")
      }
      guard op == "MaxPool" || geometry.dilation == Size2d(1) else {
        throw args.fail("has dilations, which average pooling does not read")
      }
      let options = PoolOptions(
        mode: op == "MaxPool" ? .max : .average, kernel: kernel, stride: geometry.stride, padding: p,
        dilation: geometry.dilation, ceilMode: try args.int("ceil_mode", default: 0) == 1,
        countIncludePad: try args.int("count_include_pad", default: 0) == 1)
      let name = namer.name(for: node, weightName: nil)
      let pool = Pool2d(name: name, inputShape: shape, options: options)
      guard pool.outputShape[1] > 0, pool.outputShape[2] > 0 else {
        throw args.fail("has a window that does not fit its input [N] + \(shape)")
      }
      return append(pool, inputs: [x])

    case "GlobalAveragePool":
      let (x, shape) = try args.activation(0)
      guard shape.count == 3 else { throw args.fail("expects an input [N, C, H, W], got [N] + \(shape)") }
      let name = namer.name(for: node, weightName: nil)
      return append(AdaptiveAvgPool2d(name: name, inputShape: shape, size: Size2d(1)), inputs: [x])

    case "ReduceMean":
      let (x, shape) = try args.activation(0)
      var axes: [Int64]
      if opset >= 18 {
        axes = try args.optionalConstant(1, what: "axes")?.ints ?? []
      } else {
        axes = try args.ints("axes", default: [])
      }
      axes = axes.map { $0 < 0 ? $0 + Int64(shape.count + 1) : $0 }
      guard shape.count == 3, Set(axes) == [2, 3] else {
        throw args.fail(
          "reduces axes \(axes) of [N] + \(shape); this version reads ReduceMean only over the two spatial axes of [N, C, H, W]")
      }
      let keep = try args.int("keepdims", default: 1) != 0
      let name = namer.name(for: node, weightName: nil)
      let layer: any Layer =
        keep
        ? AdaptiveAvgPool2d(name: name, inputShape: shape, size: Size2d(1))
        : GlobalAveragePool(name: name, inputShape: shape)
      return append(layer, inputs: [x])

    case "Flatten":
      let (x, shape) = try args.activation(0)
      let axis = try args.int("axis", default: 1)
      guard axis == 1 || (axis == -shape.count && shape.count >= 1) else {
        throw args.fail("flattens from axis \(axis); pgs keeps the batch axis and reads axis 1 only")
      }
      if shape.count == 1 { return .node(x, shape: shape) }
      let name = namer.name(for: node, weightName: nil)
      return append(Flatten(name: name, inputShape: shape), inputs: [x])

    case "Reshape":
      let (x, shape) = try args.activation(0)
      let target: [Int64]
      if opset >= 5, args.inputs.count > 1 {
        guard let t = try args.constant(1, what: "shape").ints else { throw args.fail("has a shape that is not integers") }
        target = t
      } else {
        target = try args.ints("shape")
      }
      let item = try resolveReshape(target, from: shape, allowZero: try args.int("allowzero", default: 0) == 1, args)
      if item == shape { return .node(x, shape: shape) }
      let name = namer.name(for: node, weightName: nil)
      let layer: any Layer =
        item.count == 1
        ? Flatten(name: name, inputShape: shape) : Reshape(name: name, inputShape: shape, outputShape: item)
      return append(layer, inputs: [x])

    case "Gemm", "MatMul":
      let (x, shape) = try args.activation(0)
      guard shape.count == 1 else {
        throw args.fail("expects a flat input [N, K], got [N] + \(shape)")
      }
      let b = try args.constant(1, what: "weight")
      guard b.shape.count == 2 else { throw args.fail("expects a weight matrix, got shape \(b.shape)") }
      var transB = false
      var alpha: Float = 1
      var beta: Float = 1
      if op == "Gemm" {
        guard try args.int("transA", default: 0) == 0 else { throw args.fail("has transA 1, which pgs does not read") }
        transB = try args.int("transB", default: 0) == 1
        alpha = try args.float("alpha", default: 1)
        beta = try args.float("beta", default: 1)
      }
      // pgs's weight is [out, in].
      let (inSize, outSize) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
      guard inSize == shape[0] else {
        throw args.fail("has a weight for \(inSize) inputs, but its input has \(shape[0])")
      }
      var weight = b.floats
      if !transB {
        weight = [Float](repeating: 0, count: b.count)
        let v = b.floats
        for i in 0..<inSize { for o in 0..<outSize { weight[o * inSize + i] = v[i * outSize + o] } }
      }
      if alpha != 1 { weight = weight.map { $0 * alpha } }
      var bias: [Float]? = nil
      if op == "Gemm", let c = try args.optionalConstant(2, what: "bias") {
        let v = c.floats
        if c.count == outSize {
          bias = v.map { $0 * beta }
        } else if c.count == 1 {
          bias = [Float](repeating: v[0] * beta, count: outSize)
        } else {
          throw args.fail("has a bias of shape \(c.shape) for \(outSize) outputs")
        }
      }
      let name = namer.name(for: node, weightName: weightName(1))
      let linear = Linear(name: name, weight: weight, outputSize: outSize, inputSize: inSize, bias: bias)
      if op == "MatMul" { biasFree.insert(name) }
      return append(linear, inputs: [x])

    case "BatchNormalization":
      let (x, shape) = try args.activation(0)
      guard shape.count == 3 || shape.count == 1 else {
        throw args.fail("expects an input [N, C, H, W] or [N, C], got [N] + \(shape)")
      }
      if try args.int("training_mode", default: 0) != 0 {
        throw args.fail("is in training mode; pgs reads models exported for evaluation (model.eval())")
      }
      let c = shape[0]
      var parts: [[Float]] = []
      for (i, what) in ["scale", "bias", "mean", "variance"].enumerated() {
        let t = try args.constant(i + 1, what: what)
        guard t.count == c else { throw args.fail("has a \(what) of \(t.count) values for \(c) channels") }
        parts.append(t.floats)
      }
      let epsilon = try args.float("epsilon", default: 1e-5)
      let momentum = try args.float("momentum", default: 0.9)
      let name = namer.name(for: node, weightName: nil)
      let norm = BatchNorm(name: name, inputShape: shape, momentum: 1 - momentum, epsilon: epsilon)
      norm.weight.values = parts[0]
      norm.bias.values = parts[1]
      norm.runningMean.values = parts[2]
      norm.runningVariance.values = parts[3]
      return append(norm, inputs: [x])

    case "Add", "Sum", "Sub", "Mul", "Div":
      var activations: [(String, [Int])] = []
      var constants: [(Int, ConstantTensor)] = []
      for i in args.inputs.indices {
        switch try args.value(i) {
        case .node(let n, let s): activations.append((n, s))
        case .constant(let c): constants.append((i, c))
        }
      }
      if constants.isEmpty {
        guard op == "Add" || op == "Sum" else {
          throw args.fail("combines two activations with \(op); pgs reads Add and Sum of activations")
        }
        guard activations.count >= 2, activations.allSatisfy({ $0.1 == activations[0].1 }) else {
          throw args.fail(
            "adds activations of shapes \(activations.map { "[N] + \($0.1)" }.joined(separator: ", ")); pgs adds equal shapes only")
        }
        let name = namer.name(for: node, weightName: nil)
        return append(GraphAdd(name: name, inputShapes: activations.map(\.1)), inputs: activations.map(\.0))
      }
      guard activations.count == 1, constants.count == 1 else {
        throw args.fail("has \(activations.count) activations and \(constants.count) constants; pgs reads one of each")
      }
      let (node, shape) = activations[0]
      let (position, c) = constants[0]
      // A bias after MatMul: into the linear layer's bias.
      if op == "Add", biasFree.contains(node),
        let linear = nodes.last(where: { $0.name == node })?.layer as? Linear,
        c.count == linear.outputShape[0], c.shape.last == c.count
      {
        biasFree.remove(linear.name)
        linear.bias.values = c.floats
        return .node(linear.name, shape: linear.outputShape)
      }
      guard position == 1 || op == "Add" || op == "Mul" || op == "Sum" else {
        throw args.fail("has the constant first in \(op); pgs reads activation \(op == "Sub" ? "-" : "/") constant")
      }
      // The constant's shape without the batch axis: leading 1s dropped down to the item's rank.
      var constantShape = c.shape
      while constantShape.count > shape.count, constantShape.first == 1 { constantShape.removeFirst() }
      guard constantShape.count <= shape.count, Shape.broadcast(shape, constantShape) == shape else {
        throw args.fail("has a constant of shape \(c.shape) that does not broadcast to [N] + \(shape)")
      }
      let kind: ConstantOp = op == "Sub" ? .sub : op == "Mul" ? .mul : op == "Div" ? .div : .add
      let layerName = namer.name(for: args.node, weightName: nil)
      let layer = ConstantOperation(
        name: layerName, inputShape: shape, op: kind, constant: Tensor(shape: constantShape, values: c.floats))
      return append(layer, inputs: [node])

    case "Concat":
      var parts: [(String, [Int])] = []
      for i in args.inputs.indices { parts.append(try args.activation(i)) }
      var axis = try args.int("axis")
      let rank = parts[0].1.count
      if axis < 0 { axis += rank + 1 }
      guard axis >= 1, axis <= rank else {
        throw args.fail("concatenates along axis \(axis), the batch axis or outside [N] + \(parts[0].1)")
      }
      for p in parts where p.1.count != rank || (0..<rank).contains(where: { $0 != axis - 1 && p.1[$0] != parts[0].1[$0] }) {
        throw args.fail(
          "concatenates shapes \(parts.map { "[N] + \($0.1)" }.joined(separator: ", ")) that differ off axis \(axis)")
      }
      let name = namer.name(for: node, weightName: nil)
      return append(GraphConcat(name: name, inputShapes: parts.map(\.1), axis: axis - 1), inputs: parts.map(\.0))

    default:
      throw args.fail(
        "the op \(op) is not supported; pgs reads \(ONNXImport.supportedOps.joined(separator: ", ")) (docs/onnx.md)")
    }
  }

  /// Appends a layer node reading `inputs` and returns its value.
  mutating func append(_ layer: any Layer, inputs: [String]) -> GraphValue {
    nodes.append(GraphNode(layer: layer, inputs: inputs))
    return .node(layer.name, shape: layer.outputShape)
  }

  /// The item shape a Reshape's `target` (with the batch axis first) gives an input item of
  /// `shape`.
  func resolveReshape(_ target: [Int64], from shape: [Int], allowZero: Bool, _ args: NodeArguments)
    throws(ONNXError) -> [Int]
  {
    let batch = declaredBatch ?? 1
    let full = [batch] + shape
    guard !target.isEmpty else { throw args.fail("reshapes to a scalar, which would lose the batch axis") }
    var out: [Int] = []
    var inferred: Int? = nil
    for (i, t) in target.enumerated() {
      if t == 0 && !allowZero {
        guard i < full.count else { throw args.fail("copies axis \(i), which its input lacks") }
        out.append(full[i])
      } else if t == -1 {
        guard inferred == nil else { throw args.fail("has two -1 sizes in its shape \(target)") }
        inferred = i
        out.append(1)
      } else if t > 0 && t <= 1 << 31 {
        out.append(Int(t))
      } else {
        throw args.fail("has a size \(t) in its shape \(target)")
      }
    }
    let total = Shape.count(full)
    if let i = inferred {
      let rest = Shape.count(out)
      guard rest > 0, total % rest == 0 else { throw args.fail("cannot reshape [N] + \(shape) to \(target)") }
      out[i] = total / rest
    }
    guard Shape.count(out) == total else { throw args.fail("cannot reshape [N] + \(shape) to \(target)") }
    guard out[0] == batch, inferred != 0 || declaredBatch != nil || out[0] == 1 else {
      throw args.fail(
        "reshapes [N] + \(shape) to \(target), which mixes the batch axis with the others; pgs keeps the batch axis")
    }
    return Array(out.dropFirst())
  }

  // MARK: - Folding

  /// The node's value when all its inputs are constants (or it is a shape op on an activation
  /// whose shape is known); nil for a node that becomes a layer.
  mutating func fold(_ op: String, _ args: inout NodeArguments) throws(ONNXError) -> ConstantTensor? {
    if op == "Constant" { return try constantNode(args) }
    if op == "Shape" {
      guard case .node(_, let shape)? = args.inputs.first ?? nil else {
        if case .constant(let c)? = args.inputs.first ?? nil {
          return try sliceShape(c.shape.map(Int64.init), args)
        }
        throw args.fail("has no input")
      }
      guard let batch = declaredBatch else {
        throw args.fail("takes the shape of an activation whose batch size is dynamic; pgs folds shapes of fixed size only")
      }
      return try sliceShape(([batch] + shape).map(Int64.init), args)
    }
    if op == "ConstantOfShape" {
      guard let shape = try args.constant(0, what: "shape").ints else { throw args.fail("has a shape that is not integers") }
      let dims = try checkedDims(shape, args)
      var fill = ConstantTensor(shape: [1], elements: .float([0]))
      if let a = args.attributes["value"] { fill = try reader.read(a.t, what: "the value", node: args.label, op: op) }
      let n = Shape.count(dims)
      switch fill.elements {
      case .float(let v): return ConstantTensor(shape: dims, elements: .float(Array(repeating: v.first ?? 0, count: n)))
      case .int(let v): return ConstantTensor(shape: dims, elements: .int(Array(repeating: v.first ?? 0, count: n)))
      }
    }
    if op == "CastLike", case .constant(let c)? = args.inputs.first ?? nil, args.inputs.count == 2,
      case .node? = args.inputs[1]
    {
      // Cast to the type of an activation: float.
      return ConstantTensor(shape: c.shape, elements: .float(c.floats))
    }
    let constants = args.inputs.compactMap { v -> ConstantTensor? in
      if case .constant(let c)? = v { return c }
      return nil
    }
    let present = args.inputs.filter { $0 != nil }.count
    guard present > 0, constants.count == present else { return nil }
    let c = constants
    switch op {
    case "Identity", "Dropout":
      return c[0]
    case "Cast", "CastLike":
      let toFloat: Bool
      if op == "Cast" {
        let to = try args.int("to")
        toFloat = [1, 10, 11, 16].contains(to)
      } else {
        toFloat = c[1].isFloat
      }
      if toFloat { return ConstantTensor(shape: c[0].shape, elements: .float(c[0].floats)) }
      return ConstantTensor(shape: c[0].shape, elements: .int(c[0].floats.map { Int64($0.rounded(.towardZero)) }))
    case "Unsqueeze":
      let axes = try opset >= 13 ? (args.optionalConstant(1, what: "axes")?.ints ?? []) : args.ints("axes")
      var shape = c[0].shape
      let rank = shape.count + axes.count
      for a in axes.map({ Int($0 < 0 ? $0 + Int64(rank) : $0) }).sorted() {
        guard a >= 0, a <= shape.count else { throw args.fail("has axis \(a) out of range") }
        shape.insert(1, at: a)
      }
      return ConstantTensor(shape: shape, elements: c[0].elements)
    case "Squeeze":
      let axes = try opset >= 13 ? (args.optionalConstant(1, what: "axes")?.ints ?? []) : args.ints("axes", default: [])
      let rank = c[0].shape.count
      let drop = Set(axes.map { Int($0 < 0 ? $0 + Int64(rank) : $0) })
      let shape = c[0].shape.enumerated().filter { drop.isEmpty ? $0.element != 1 : !drop.contains($0.offset) }.map(\.element)
      return ConstantTensor(shape: shape, elements: c[0].elements)
    case "Reshape", "Flatten", "Expand", "Gather", "Concat", "Transpose", "Slice", "Add", "Sub", "Mul", "Div":
      return try foldArray(op, c, args)
    default:
      return nil
    }
  }

  func checkedDims(_ dims: [Int64], _ args: NodeArguments) throws(ONNXError) -> [Int] {
    var total = 1
    for d in dims {
      guard d >= 0, d <= Int64(TensorReader.maxElements) else { throw args.fail("has a size \(d)") }
      total = total.multipliedReportingOverflow(by: Int(d)).partialValue
      guard total <= 1 << 28 else { throw args.fail("makes a constant of \(dims) elements, too many to fold") }
    }
    return dims.map { Int($0) }
  }

  /// Shape's `start` and `end` (opset 15).
  func sliceShape(_ shape: [Int64], _ args: NodeArguments) throws(ONNXError) -> ConstantTensor {
    let n = shape.count
    func clamp(_ v: Int, _ d: Int) -> Int { let x = v < 0 ? v + n : v; return Swift.min(Swift.max(x, 0), n) }
    let start = clamp(try args.int("start", default: 0), 0)
    let end = clamp(try args.int("end", default: n), n)
    let part = start < end ? Array(shape[start..<end]) : []
    return ConstantTensor(shape: [part.count], elements: .int(part))
  }

  func constantNode(_ args: NodeArguments) throws(ONNXError) -> ConstantTensor {
    var reader = self.reader
    if let a = args.attributes["value"] { return try reader.read(a.t, what: "the value", node: args.label, op: "Constant") }
    if let a = args.attributes["value_float"] { return ConstantTensor(shape: [], elements: .float([a.f])) }
    if let a = args.attributes["value_floats"] { return ConstantTensor(shape: [a.floats.count], elements: .float(a.floats)) }
    if let a = args.attributes["value_int"] { return ConstantTensor(shape: [], elements: .int([a.i])) }
    if let a = args.attributes["value_ints"] { return ConstantTensor(shape: [a.ints.count], elements: .int(a.ints)) }
    throw args.fail("has no value pgs reads (value, value_float(s) or value_int(s))")
  }

  /// Folds array ops on constants.
  func foldArray(_ op: String, _ c: [ConstantTensor], _ args: NodeArguments) throws(ONNXError) -> ConstantTensor {
    let x = c[0]
    switch op {
    case "Reshape":
      guard c.count > 1, let target = c[1].ints else { throw args.fail("has no constant shape") }
      var out: [Int] = []
      var inferred: Int? = nil
      for (i, t) in target.enumerated() {
        if t == 0 { guard i < x.shape.count else { throw args.fail("copies a missing axis") }; out.append(x.shape[i]) }
        else if t == -1 { inferred = i; out.append(1) }
        else if t > 0 { out.append(Int(t)) }
        else { throw args.fail("has a size \(t)") }
      }
      if let i = inferred, Shape.count(out) > 0 { out[i] = x.count / Shape.count(out) }
      guard Shape.count(out) == x.count else { throw args.fail("cannot reshape \(x.shape) to \(target)") }
      return ConstantTensor(shape: out, elements: x.elements)
    case "Flatten":
      let axis = try args.int("axis", default: 1)
      guard axis >= 0, axis <= x.shape.count else { throw args.fail("has axis \(axis)") }
      let outer = Shape.count(Array(x.shape[..<axis]))
      return ConstantTensor(shape: [outer, x.count / Swift.max(outer, 1)], elements: x.elements)
    case "Expand":
      guard c.count > 1, let target = c[1].ints else { throw args.fail("has no constant shape") }
      let dims = try checkedDims(target, args)
      let rank = Swift.max(dims.count, x.shape.count)
      let xs = Array(repeating: 1, count: rank - x.shape.count) + x.shape
      let ts = Array(repeating: 1, count: rank - dims.count) + dims
      var out: [Int] = []
      for (a, b) in zip(xs, ts) {
        guard a == b || a == 1 || b == 1 else { throw args.fail("cannot expand \(x.shape) to \(target)") }
        out.append(Swift.max(a, b))
      }
      return broadcast(x, to: out)
    case "Gather":
      guard c.count > 1, let indices = c[1].ints else { throw args.fail("has no integer indices") }
      let axis = try args.int("axis", default: 0)
      guard axis == 0, x.shape.count >= 1 else { throw args.fail("gathers along axis \(axis) of a constant; pgs folds axis 0 only") }
      let inner = x.count / Swift.max(x.shape[0], 1)
      var picks: [Int] = []
      for i in indices {
        let j = Int(i < 0 ? i + Int64(x.shape[0]) : i)
        guard j >= 0, j < x.shape[0] else { throw args.fail("has index \(i) out of range") }
        picks.append(j)
      }
      let shape = c[1].shape + Array(x.shape.dropFirst())
      switch x.elements {
      case .float(let v): return ConstantTensor(shape: shape, elements: .float(picks.flatMap { v[($0 * inner)..<($0 * inner + inner)] }))
      case .int(let v): return ConstantTensor(shape: shape, elements: .int(picks.flatMap { v[($0 * inner)..<($0 * inner + inner)] }))
      }
    case "Concat":
      let axis = try args.int("axis")
      guard c.allSatisfy({ $0.shape.count == 1 }), axis == 0 || axis == -1 else {
        throw args.fail("concatenates constants of rank other than 1; pgs folds 1-D concatenation only")
      }
      if c.allSatisfy({ !$0.isFloat }) {
        let v = c.flatMap { $0.ints ?? [] }
        return ConstantTensor(shape: [v.count], elements: .int(v))
      }
      let v = c.flatMap(\.floats)
      return ConstantTensor(shape: [v.count], elements: .float(v))
    case "Transpose":
      let rank = x.shape.count
      var perm = try args.ints("perm", default: (0..<rank).reversed().map(Int64.init)).map { Int($0) }
      guard perm.count == rank, Set(perm) == Set(0..<rank) else { throw args.fail("has perm \(perm)") }
      if rank == 0 { perm = [] }
      let outShape = perm.map { x.shape[$0] }
      var strides = [Int](repeating: 1, count: rank)
      for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * x.shape[i + 1] }
      return gathered(x, shape: outShape, strides: perm.map { strides[$0] })
    case "Slice":
      guard x.shape.count == 1, c.count >= 3, let starts = c[1].ints, let ends = c[2].ints, starts.count == 1, ends.count == 1 else {
        throw args.fail("slices a constant other than 1-D; pgs folds 1-D slices only")
      }
      if c.count >= 5, let steps = c[4].ints, steps != [1] { throw args.fail("slices with step \(steps)") }
      let n = Int64(x.shape[0])
      func clamp(_ v: Int64) -> Int { Int(Swift.min(Swift.max(v < 0 ? v + n : v, 0), n)) }
      let s = clamp(starts[0]), e = clamp(ends[0])
      let range = s < e ? s..<e : 0..<0
      switch x.elements {
      case .float(let v): return ConstantTensor(shape: [range.count], elements: .float(Array(v[range])))
      case .int(let v): return ConstantTensor(shape: [range.count], elements: .int(Array(v[range])))
      }
    default:  // Add, Sub, Mul, Div
      guard c.count == 2 else { throw args.fail("needs two inputs") }
      let (a, b) = (c[0], c[1])
      let shape: [Int]
      if a.shape == b.shape || b.count == 1 { shape = a.shape } else if a.count == 1 { shape = b.shape } else {
        throw args.fail("combines constants of shapes \(a.shape) and \(b.shape); pgs folds equal shapes and scalars only")
      }
      let n = Shape.count(shape)
      func at(_ t: ConstantTensor, _ i: Int) -> Int { t.count == 1 ? 0 : i }
      if !a.isFloat && !b.isFloat, let ai = a.ints, let bi = b.ints {
        var out = [Int64](repeating: 0, count: n)
        for i in 0..<n {
          let (p, q) = (ai[at(a, i)], bi[at(b, i)])
          switch op {
          case "Add": out[i] = p &+ q
          case "Sub": out[i] = p &- q
          case "Mul": out[i] = p &* q
          default: out[i] = q == 0 ? 0 : p / q
          }
        }
        return ConstantTensor(shape: shape, elements: .int(out))
      }
      let (af, bf) = (a.floats, b.floats)
      var out = [Float](repeating: 0, count: n)
      for i in 0..<n {
        let (p, q) = (af[at(a, i)], bf[at(b, i)])
        switch op {
        case "Add": out[i] = p + q
        case "Sub": out[i] = p - q
        case "Mul": out[i] = p * q
        default: out[i] = p / q
        }
      }
      return ConstantTensor(shape: shape, elements: .float(out))
    }
  }

  func broadcast(_ x: ConstantTensor, to shape: [Int]) -> ConstantTensor {
    let rank = shape.count
    let xs = Array(repeating: 1, count: rank - x.shape.count) + x.shape
    var strides = [Int](repeating: 0, count: rank)
    var s = 1
    for i in stride(from: rank - 1, through: 0, by: -1) {
      strides[i] = xs[i] == 1 ? 0 : s
      s *= xs[i]
    }
    return gathered(x, shape: shape, strides: strides)
  }

  /// A tensor of `shape` whose element at each index is the element of `x` at the offset
  /// `Σ index[a] · strides[a]`: a transpose (permuted strides) or a broadcast (stride 0 on the
  /// repeated axes).
  func gathered(_ x: ConstantTensor, shape: [Int], strides: [Int]) -> ConstantTensor {
    let rank = shape.count
    let n = Shape.count(shape)
    var order: [Int] = []
    order.reserveCapacity(n)
    var index = [Int](repeating: 0, count: rank)
    for _ in 0..<n {
      order.append(zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 })
      var a = rank - 1
      while a >= 0 {
        index[a] += 1
        if index[a] < shape[a] { break }
        index[a] = 0
        a -= 1
      }
    }
    switch x.elements {
    case .float(let v): return ConstantTensor(shape: shape, elements: .float(order.map { v[$0] }))
    case .int(let v): return ConstantTensor(shape: shape, elements: .int(order.map { v[$0] }))
    }
  }
}

/// A node's inputs and attributes, read with checks that name the node and op.
private struct NodeArguments {
  let node: Onnx_NodeProto
  let attributes: [String: Onnx_AttributeProto]
  let fail: @Sendable (String) -> ONNXError
  var inputs: [GraphValue?] = []

  init(node: Onnx_NodeProto, attributes: [String: Onnx_AttributeProto], fail: @escaping @Sendable (String) -> ONNXError) {
    self.node = node
    self.attributes = attributes
    self.fail = fail
  }

  var label: String { node.name.isEmpty ? (node.output.first ?? "") : node.name }

  func value(_ i: Int) throws(ONNXError) -> GraphValue {
    guard i < inputs.count, let v = inputs[i] else { throw fail("lacks input \(i + 1)") }
    return v
  }

  /// Input `i`, which must be an activation: its node and item shape.
  func activation(_ i: Int) throws(ONNXError) -> (String, [Int]) {
    switch try value(i) {
    case .node(let n, let s): return (n, s)
    case .constant: throw fail("has a constant as input \(i + 1) where pgs expects an activation")
    }
  }

  func constant(_ i: Int, what: String) throws(ONNXError) -> ConstantTensor {
    switch try value(i) {
    case .constant(let c): return c
    case .node: throw fail("has a computed \(what) (input \(i + 1)); pgs reads constant \(what)s (initializers) only")
    }
  }

  func optionalConstant(_ i: Int, what: String) throws(ONNXError) -> ConstantTensor? {
    guard i < inputs.count, inputs[i] != nil else { return nil }
    return try constant(i, what: what)
  }

  func int(_ name: String, default value: Int? = nil) throws(ONNXError) -> Int {
    guard let a = attributes[name] else {
      guard let value else { throw fail("lacks the attribute \(name)") }
      return value
    }
    guard a.type == .int || a.hasI, a.i >= Int64(Int32.min), a.i <= Int64(Int32.max) else {
      throw fail("has attribute \(name) that is not a whole number")
    }
    return Int(a.i)
  }

  func float(_ name: String, default value: Float) throws(ONNXError) -> Float {
    guard let a = attributes[name] else { return value }
    guard a.f.isFinite else { throw fail("has attribute \(name) = \(a.f), not a finite number") }
    return a.f
  }

  func ints(_ name: String, default value: [Int64]? = nil) throws(ONNXError) -> [Int64] {
    guard let a = attributes[name] else {
      guard let value else { throw fail("lacks the attribute \(name)") }
      return value
    }
    return a.ints
  }

  /// Clip's bounds: attributes before opset 11, inputs 2 and 3 after.
  func clipBounds(opset: Int) throws(ONNXError) -> (Float, Float?) {
    if opset < 11 {
      return (try float("min", default: -.infinity), attributes["max"].map { $0.f })
    }
    let low = try optionalConstant(1, what: "minimum")
    let high = try optionalConstant(2, what: "maximum")
    guard low.map({ $0.count == 1 }) ?? true, high.map({ $0.count == 1 }) ?? true else {
      throw fail("has bounds that are not scalars")
    }
    return (low?.floats[0] ?? -.infinity, high?.floats[0])
  }

  /// Strides, pads and dilations of a convolution or pooling window of `kernel` over `spatial`
  /// sizes; the window must fit the padded input.
  func window(kernel: Size2d, spatial: [Int]) throws(ONNXError) -> (stride: Size2d, padding: Padding2d, dilation: Size2d) {
    let autoPad = attributes["auto_pad"].map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
    let strides = try ints("strides", default: [1, 1])
    let dilations = try ints("dilations", default: [1, 1])
    var pads = try ints("pads", default: [0, 0, 0, 0])
    guard strides.count == 2, strides.allSatisfy({ $0 >= 1 && $0 <= 1 << 16 }) else {
      throw fail("has strides \(strides); pgs reads two positive strides")
    }
    guard dilations.count == 2, dilations.allSatisfy({ $0 >= 1 && $0 <= 1 << 16 }) else {
      throw fail("has dilations \(dilations); pgs reads two positive dilations")
    }
    switch autoPad {
    case "NOTSET": break
    case "VALID": pads = [0, 0, 0, 0]
    default: throw fail("has auto_pad \(autoPad); pgs reads explicit pads (NOTSET) and VALID")
    }
    guard pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 }) else {
      throw fail("has pads \(pads); pgs reads four pads >= 0 for a 2-D window")
    }
    let padding = Padding2d(top: Int(pads[0]), left: Int(pads[1]), bottom: Int(pads[2]), right: Int(pads[3]))
    let stride = Size2d(Int(strides[0]), Int(strides[1]))
    let dilation = Size2d(Int(dilations[0]), Int(dilations[1]))
    let spanH = dilation.height * (kernel.height - 1) + 1
    let spanW = dilation.width * (kernel.width - 1) + 1
    guard spatial[0] + padding.top + padding.bottom >= spanH, spatial[1] + padding.left + padding.right >= spanW else {
      throw fail("has a window \(spanH)×\(spanW) larger than its padded input \(spatial)")
    }
    return (stride, padding, dilation)
  }
}
