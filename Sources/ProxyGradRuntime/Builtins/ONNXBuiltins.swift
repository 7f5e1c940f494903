import ProxyGradNN
import ProxyGradONNX

/// Networks in and out of ONNX files.
enum ONNXBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "onnx(path)",
      help: "Reads an ONNX model (opsets 9 to 21, FP32 or FP16 weights, inline or in external data files beside it) as a network: one input with fixed sizes beyond the batch axis, one output. Its nodes become layers named after the exporter's module path (layer1.0.conv1), which layers(net), objectives, taps, per-layer slope maps, grad, maximize and train use like any other layer. Constant computations fold on load; batch norm and dropout run in evaluation mode. docs/onnx.md lists the ops read and the limits; a file outside them is an error naming the file, the node and the op.",
      example: "net = onnx(\"resnet18.onnx\")"
    ) { args, interpreter throws(RuntimeError) in
      let path = interpreter.files.readablePath(try args.string(0))
      do throws(ONNXError) {
        return .network(try ONNXImport.load(path: path))
      } catch {
        throw args.error(.value, error.description, at: 0)
      }
    },
    Builtin(
      "save_onnx(net, path)",
      help: "Writes a network as an ONNX model (opset 17, one file with the weights inline, input 'input' with a dynamic batch axis), which onnxruntime, PyTorch's onnx tools and onnx(path) read. Nodes and weights keep the network's names (conv1, conv1.weight).",
      example: "save_onnx(net, \"net.onnx\")"
    ) { args, interpreter throws(RuntimeError) in
      let net = try args.network(0)
      let path = try args.writablePath(1, interpreter.files)
      do throws(ONNXError) {
        try ONNXExport.save(net, to: path)
      } catch {
        throw args.error(.value, error.description, at: 1)
      }
      return .none
    },
  ]
}
