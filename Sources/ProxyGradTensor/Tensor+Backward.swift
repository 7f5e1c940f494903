extension Tensor {
  /// Computes the gradient of this tensor's sum with respect to every leaf that requires
  /// gradients, accumulating into the leaves' `grad`, then releases the graph.
  ///
  /// Nodes are visited in reverse topological order (one iterative depth-first search, so deep
  /// graphs do not overflow the stack). Each interior node drops its parents, pullback and
  /// gradient as soon as its pullback has run, and the walk lets go of it too: an activation
  /// nobody else holds is freed while the walk goes on, so the peak memory of a training step is
  /// about its activations, not activations plus all their gradients.
  public func backward() {
    guard requiresGrad else { return }
    var order = topologicalOrder()
    if isLeaf {
      accumulateGradient { g in for i in 0..<count { g[i] += 1 } }
      return
    }
    grad = [Float](repeating: 1, count: count)
    while let node = order.popLast() {
      guard let pullback = node.pullback else { continue }
      if let gradOutput = node.grad { pullback(gradOutput) }
      node.pullback = nil
      node.parents = []
      node.grad = nil
    }
  }

  /// Every node reachable from this one, parents before children.
  private func topologicalOrder() -> [Tensor] {
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    // (node, index of the next parent to visit)
    var stack: [(Tensor, Int)] = [(self, 0)]
    visited.insert(ObjectIdentifier(self))
    while let (node, next) = stack.popLast() {
      if next < node.parents.count {
        stack.append((node, next + 1))
        let parent = node.parents[next]
        if parent.requiresGrad && visited.insert(ObjectIdentifier(parent)).inserted {
          stack.append((parent, 0))
        }
      } else {
        order.append(node)
      }
    }
    return order
  }
}
