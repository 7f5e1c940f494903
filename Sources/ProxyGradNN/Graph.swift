import ProxyGradTensor

/// One node of a network's graph: a layer (whose name is the node's name) and the nodes whose
/// outputs it reads, in order.
///
/// A network is a directed acyclic graph of such nodes, listed in topological order (every node
/// after the nodes it reads). The name `Network.inputName` (empty, which no layer may be called)
/// stands for the network's input.
public struct GraphNode {
  public let layer: any Layer
  /// The nodes read, by name; `Network.inputName` is the network's input.
  public let inputs: [String]
  public var name: String { layer.name }

  public init(layer: any Layer, inputs: [String]) {
    self.layer = layer
    self.inputs = inputs
  }
}

/// A layer that reads the outputs of several nodes: the sum at the end of a residual block,
/// elementwise ops, concatenation.
public protocol MultiInputLayer: Layer {
  /// The shape of one item of each input, in order.
  var inputShapes: [[Int]] { get }
  /// Applies the layer to one batch of each input.
  func callAsFunction(_ inputs: [Tensor], policy: SlopePolicy, mode: ForwardMode) -> Tensor
}

extension MultiInputLayer {
  public var inputShape: [Int] { inputShapes.first ?? [] }
  /// A multi-input layer called with one tensor reads it for every input.
  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    self(Array(repeating: x, count: inputShapes.count), policy: policy, mode: .evaluation)
  }
}

/// The graph of a network ready to run: its nodes, who reads what, and the last reader of each
/// value, so that a pass frees every intermediate tensor as soon as nothing reads it any more.
struct GraphPlan {
  let nodes: [GraphNode]
  let output: String
  /// Node name → position in `nodes`.
  let position: [String: Int]
  /// Value name (node or input) → the number of nodes reading it.
  let readers: [String: Int]
  /// Value name → the position of the last node reading it.
  let lastReader: [String: Int]

  /// Checks that every input names an earlier node (or the network's input) and that names are
  /// unique.
  init(nodes: [GraphNode], output: String) throws(NetworkError) {
    var position: [String: Int] = [:]
    var readers: [String: Int] = [:]
    var lastReader: [String: Int] = [:]
    for (i, node) in nodes.enumerated() {
      guard !node.name.isEmpty else { throw NetworkError("node \(i + 1): the name is empty") }
      guard position[node.name] == nil else {
        throw NetworkError("node '\(node.name)': the name is used twice")
      }
      for input in node.inputs {
        guard input == Network.inputName || position[input] != nil else {
          throw NetworkError(
            "node '\(node.name)' reads '\(input)', which is not an earlier node of the graph")
        }
        readers[input, default: 0] += 1
        lastReader[input] = i
      }
      position[node.name] = i
    }
    guard output == Network.inputName || position[output] != nil else {
      throw NetworkError("the graph's output '\(output)' is not a node")
    }
    self.nodes = nodes
    self.output = output
    self.position = position
    self.readers = readers
    self.lastReader = lastReader
  }

  /// One forward pass over the nodes in topological order.
  ///
  /// A convolution whose only reader is a Leaky ReLU runs fused with it (one op, one tensor)
  /// unless the convolution's own output is tapped or is the graph's output, or the pass's
  /// forward slope is negative; the result is the same either way. Values are dropped after
  /// their last reader (the recorded graph keeps what backward needs).
  func run(
    _ x: Tensor, policy: SlopePolicy, mode: ForwardMode, taps: Set<String>,
    tapped: inout [String: Tensor]
  ) -> Tensor {
    var values: [String: Tensor] = [Network.inputName: x]
    var fusedInto: [Int: Tensor] = [:]  // position of a fused activation → its output
    for (i, node) in nodes.enumerated() {
      let out: Tensor
      if let done = fusedInto.removeValue(forKey: i) {
        out = done
      } else {
        let inputs = node.inputs.map { values[$0]! }
        if let (fused, activation) = fusion(at: i, taps: taps, policy: policy) {
          let y = (node.layer as! Conv2d)(inputs[0], activation: fused)
          fusedInto[activation] = y
          release(node.inputs, after: i, from: &values)
          continue
        }
        if let multi = node.layer as? any MultiInputLayer {
          out = multi(inputs, policy: policy, mode: mode)
        } else {
          out = node.layer(inputs[0], policy: policy, mode: mode)
        }
      }
      values[node.name] = out
      if taps.contains(node.name) { tapped[node.name] = out }
      release(node.inputs, after: i, from: &values)
    }
    return values[output]!
  }

  /// The activation fused into the convolution at position `i`, and the activation's position.
  private func fusion(at i: Int, taps: Set<String>, policy: SlopePolicy)
    -> (FusedLeakyReLU, Int)?
  {
    let node = nodes[i]
    guard node.layer is Conv2d, node.inputs.count == 1, !taps.contains(node.name),
      node.name != output, readers[node.name] == 1, let j = lastReader[node.name],
      let activation = nodes[j].layer as? LeakyReLU, nodes[j].inputs == [node.name],
      let fused = activation.fused(policy: policy)
    else { return nil }
    return (fused, j)
  }

  /// Drops the values whose last reader is at position `i`.
  private func release(_ names: [String], after i: Int, from values: inout [String: Tensor]) {
    for name in names where name != output && lastReader[name] == i {
      values[name] = nil
    }
  }
}

/// The nodes of a network of layers written in order, residual blocks included: each layer
/// reads the one before it; a block's layers read the block's input in turn, its projection
/// reads the block's input, and the block itself is the sum of its last layer and its skip path
/// (the projection or the block's input).
func sequentialNodes(_ layers: [any Layer], input: String) -> (nodes: [GraphNode], output: String) {
  var nodes: [GraphNode] = []
  var current = input
  for layer in layers {
    if let join = layer as? Concat {
      // Each branch reads the input; a branch's node passes its last layer's output on (so
      // that taps reach the branch by name), and the concatenation reads the branches.
      for branch in join.branches {
        let inner = sequentialNodes(branch.layers, input: current)
        nodes += inner.nodes
        nodes.append(GraphNode(layer: branch, inputs: [inner.output]))
      }
      nodes.append(GraphNode(layer: join, inputs: join.branches.map(\.name)))
    } else if let block = layer as? Residual {
      let inner = sequentialNodes(block.layers, input: current)
      nodes += inner.nodes
      var skip = current
      if let projection = block.projection {
        nodes.append(GraphNode(layer: projection, inputs: [current]))
        skip = projection.name
      }
      nodes.append(GraphNode(layer: block, inputs: [inner.output, skip]))
    } else {
      nodes.append(GraphNode(layer: layer, inputs: [current]))
    }
    current = layer.name
  }
  return (nodes, current)
}

/// In a network's graph a branch is the node that passes its last layer's output on.
extension Branch: MultiInputLayer {
  public var inputShapes: [[Int]] { [outputShape] }
  public func callAsFunction(_ inputs: [Tensor], policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    inputs[0]
  }
}

/// In a network's graph a concatenation is the node that joins its branches' outputs along
/// the channels.
extension Concat: MultiInputLayer {
  public var inputShapes: [[Int]] { branches.map(\.outputShape) }
  public func callAsFunction(_ inputs: [Tensor], policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    concat(inputs, axis: 1)
  }
}
