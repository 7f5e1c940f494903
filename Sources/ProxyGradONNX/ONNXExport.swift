import Foundation
import ProxyGradNN
import ProxyGradTensor
import SwiftProtobuf

/// Writes networks as ONNX models (opset 17, one self-contained file, weights inline as
/// little-endian FP32 `raw_data`), which onnxruntime and `onnx(path)` read back.
///
/// Each graph node becomes an ONNX node of the same name whose output value has that name too;
/// weights are initializers named as in safetensors files (`conv1.weight`). The input is `input`
/// with a dynamic batch axis `N`. Dropout is written as `Dropout` with its ratio (a no-op at
/// evaluation; `onnx(path)` reads it as a pass-through, so the layer is not listed after a round
/// trip).
public enum ONNXExport {
  public static let opset: Int64 = 17

  /// Writes `network` to `path` (replacing it atomically).
  /// - Throws: `ONNXError` naming a layer that has no ONNX form, or a write failure.
  public static func save(_ network: Network, to path: String) throws(ONNXError) {
    let model = try self.model(network, file: path)
    let bytes: [UInt8]
    do {
      bytes = try model.serializedBytes()
    } catch {
      throw ONNXError(file: path, "cannot encode the model: \(error)")
    }
    let temporary = path + ".tmp-\(getpid())"
    do {
      try Data(bytes).write(to: URL(fileURLWithPath: temporary))
    } catch {
      throw ONNXError(file: path, "cannot write: \(error.localizedDescription)")
    }
    if rename(temporary, path) != 0 {
      unlink(temporary)
      throw ONNXError(file: path, "cannot move the written file into place (errno \(errno))")
    }
  }

  /// The ONNX model of `network`.
  public static func model(_ network: Network, file: String = "<memory>") throws(ONNXError) -> Onnx_ModelProto {
    let names = Set(network.nodes.map(\.name))
    var inputName = "input"
    var n = 0
    while names.contains(inputName) {
      n += 1
      inputName = "input_\(n)"
    }
    func valueName(_ node: String) -> String { node == Network.inputName ? inputName : node }

    var graph = Onnx_GraphProto()
    graph.name = "pgs"
    func initializer(_ name: String, _ shape: [Int], _ values: [Float]) -> String {
      var t = Onnx_TensorProto()
      t.name = name
      t.dims = shape.map(Int64.init)
      t.dataType = 1
      t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
      graph.initializer.append(t)
      return name
    }
    func intInitializer(_ name: String, _ values: [Int64]) -> String {
      var t = Onnx_TensorProto()
      t.name = name
      t.dims = [Int64(values.count)]
      t.dataType = 7
      t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
      graph.initializer.append(t)
      return name
    }

    for node in network.nodes {
      let layer = node.layer
      var proto = Onnx_NodeProto()
      proto.name = layer.name
      proto.output = [layer.name]
      var inputs = node.inputs.map(valueName)
      func attribute(_ name: String, ints: [Int]) {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = ints.map(Int64.init)
        proto.attribute.append(a)
      }
      func attribute(_ name: String, int: Int) {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(int)
        proto.attribute.append(a)
      }
      func attribute(_ name: String, float: Float) {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = float
        proto.attribute.append(a)
      }
      switch layer {
      case let conv as Conv2d:
        let o = conv.options
        proto.opType = "Conv"
        inputs.append(initializer("\(layer.name).weight", conv.weight.shape, conv.weight.values))
        if let bias = conv.bias { inputs.append(initializer("\(layer.name).bias", bias.shape, bias.values)) }
        attribute("kernel_shape", ints: [o.kernel.height, o.kernel.width])
        attribute("strides", ints: [o.stride.height, o.stride.width])
        attribute("pads", ints: [o.padding.top, o.padding.left, o.padding.bottom, o.padding.right])
        attribute("dilations", ints: [o.dilation.height, o.dilation.width])
        attribute("group", int: o.groups)
      case let act as LeakyReLU:
        if act.forwardSlope == 0 {
          proto.opType = "Relu"
        } else {
          proto.opType = "LeakyRelu"
          attribute("alpha", float: act.forwardSlope)
        }
      case let pool as Pool2d:
        let o = pool.options
        proto.opType = pool.mode == .max ? "MaxPool" : "AveragePool"
        attribute("kernel_shape", ints: [o.kernel.height, o.kernel.width])
        attribute("strides", ints: [o.stride.height, o.stride.width])
        attribute("pads", ints: [o.padding.top, o.padding.left, o.padding.bottom, o.padding.right])
        attribute("ceil_mode", int: o.ceilMode ? 1 : 0)
        if pool.mode == .max {
          attribute("dilations", ints: [o.dilation.height, o.dilation.width])
        } else {
          attribute("count_include_pad", int: o.countIncludePad ? 1 : 0)
        }
      case let clip as Clip:
        proto.opType = "Clip"
        inputs.append(initializer("\(layer.name).min", [], [clip.low]))
        inputs.append(initializer("\(layer.name).max", [], [clip.high]))
      case let f as Elementwise:
        proto.opType = f.function == .sigmoid ? "Sigmoid" : f.function == .tanh ? "Tanh" : "Identity"
      case is Softmax:
        proto.opType = "Softmax"
        attribute("axis", int: 1)
      case let lrn as LocalResponseNorm where lrn.size % 2 == 1:
        proto.opType = "LRN"
        attribute("size", int: lrn.size)
        attribute("alpha", float: lrn.alpha)
        attribute("beta", float: lrn.beta)
        attribute("bias", float: lrn.k)
      case let c as ConstantOperation:
        proto.opType = ["add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div"][c.op.rawValue]!
        inputs.append(initializer("\(layer.name).constant", c.constant.shape, c.constant.values))
      case let pool as AdaptiveAvgPool2d where pool.size == Size2d(1):
        proto.opType = "GlobalAveragePool"
      case let pool as AdaptiveAvgPool2d
      where pool.inputShape[1] % pool.size.height == 0 && pool.inputShape[2] % pool.size.width == 0:
        // Equal windows: plain average pooling.
        proto.opType = "AveragePool"
        let k = [pool.inputShape[1] / pool.size.height, pool.inputShape[2] / pool.size.width]
        attribute("kernel_shape", ints: k)
        attribute("strides", ints: k)
      case is Concat:
        proto.opType = "Concat"
        attribute("axis", int: 1)
      case is Branch:
        // A branch passes its last layer's output on.
        proto.opType = "Identity"
      case let cat as GraphConcat:
        proto.opType = "Concat"
        attribute("axis", int: cat.axis + 1)
      case is Flatten:
        proto.opType = "Flatten"
        attribute("axis", int: 1)
      case let linear as Linear:
        proto.opType = "Gemm"
        inputs.append(initializer("\(layer.name).weight", linear.weight.shape, linear.weight.values))
        inputs.append(initializer("\(layer.name).bias", linear.bias.shape, linear.bias.values))
        attribute("transB", int: 1)
      case let norm as BatchNorm:
        proto.opType = "BatchNormalization"
        for (suffix, t) in [
          ("weight", norm.weight), ("bias", norm.bias), ("running_mean", norm.runningMean),
          ("running_var", norm.runningVariance),
        ] {
          inputs.append(initializer("\(layer.name).\(suffix)", t.shape, t.values))
        }
        attribute("epsilon", float: norm.epsilon)
        attribute("momentum", float: 1 - norm.momentum)
      case is GlobalAveragePool:
        proto.opType = "ReduceMean"
        attribute("axes", ints: [2, 3])
        attribute("keepdims", int: 0)
      case let drop as Dropout:
        proto.opType = "Dropout"
        inputs.append(initializer("\(layer.name).ratio", [], [drop.probability]))
      case is Residual:
        proto.opType = "Add"
      case is GraphAdd:
        proto.opType = inputs.count == 2 ? "Add" : "Sum"
      case let reshape as Reshape:
        proto.opType = "Reshape"
        inputs.append(intInitializer("\(layer.name).shape", [-1] + reshape.outputShape.map(Int64.init)))
      default:
        throw ONNXError(
          file: file,
          "layer '\(layer.name)' (\(layer.kind), \(layer.summary)) has no ONNX form in this version")
      }
      proto.input = inputs
      graph.node.append(proto)
    }

    func info(_ name: String, _ shape: [Int]) -> Onnx_ValueInfoProto {
      var v = Onnx_ValueInfoProto()
      v.name = name
      var tensor = Onnx_TypeProto.Tensor()
      tensor.elemType = 1
      var batch = Onnx_TensorShapeProto.Dimension()
      batch.dimParam = "N"
      tensor.shape.dim = [batch] + shape.map { size in
        var d = Onnx_TensorShapeProto.Dimension()
        d.dimValue = Int64(size)
        return d
      }
      v.type.tensorType = tensor
      return v
    }
    graph.input = [info(inputName, network.inputShape)]
    graph.output = [info(valueName(network.outputName), network.outputShape)]

    var model = Onnx_ModelProto()
    model.irVersion = 8
    model.producerName = "pgs"
    var opset = Onnx_OperatorSetIdProto()
    opset.domain = ""
    opset.version = ONNXExport.opset
    model.opsetImport = [opset]
    model.graph = graph
    return model
  }
}
