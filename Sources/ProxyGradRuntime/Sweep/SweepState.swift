import ProxyGradNN
import ProxyGradTensor

/// The session's state when a sweep starts, restored before and after every run so that runs
/// are independent: each starts from the same state whether it runs first, last or alone in a
/// worker process.
///
/// Restored: every global and every variable of the enclosing function frames; the contents of
/// lists and records reachable from them; the elements (and gradients) of tensors reachable
/// from them, including the parameters and buffers of networks; the session's random state.
/// Not restored: files written and anything outside the session.
final class SweepState {
  private unowned let interpreter: Interpreter
  private let frame: Frame
  private let globals: [Value]
  private var frames: [(Frame, [Value])] = []
  private var lists: [(ListBox, [Value])] = []
  private var records: [(RecordBox, [(String, Value)])] = []
  private var tensors: [(Tensor, [Float], [Float]?)] = []
  private var seen: Set<ObjectIdentifier> = []
  private let rng: SplitMix64
  private let networkCount: UInt64

  init(interpreter: Interpreter, frame: Frame) {
    self.interpreter = interpreter
    self.frame = frame
    let count = interpreter.globals.names.count
    globals = (0..<count).map { interpreter.globalSlots.values[$0] }
    rng = interpreter.rng
    networkCount = interpreter.networkCount
    var current: Frame? = frame
    while let f = current {
      frames.append((f, (0..<f.count).map { f.slots[$0] }))
      current = f.parent
    }
    for value in globals { visit(value) }
    for (_, values) in frames { for value in values { visit(value) } }
  }

  /// Puts everything back as it was when the sweep started.
  func restore() {
    for (slot, value) in globals.enumerated() { interpreter.globalSlots.values[slot] = value }
    for (f, values) in frames { for (slot, value) in values.enumerated() { f.slots[slot] = value } }
    for (list, items) in lists { list.items = items }
    for (record, fields) in records { record.replaceFields(fields) }
    for (tensor, values, grad) in tensors {
      tensor.values = values
      tensor.grad = grad
    }
    interpreter.rng = rng
    interpreter.networkCount = networkCount
  }

  private func visit(_ value: Value) {
    switch value {
    case .list(let list):
      guard seen.insert(ObjectIdentifier(list)).inserted else { return }
      lists.append((list, list.items))
      for item in list.items { visit(item) }
    case .record(let record):
      guard seen.insert(ObjectIdentifier(record)).inserted else { return }
      records.append((record, record.fields))
      for field in record.values { visit(field) }
    case .tensor(let tensor):
      visit(tensor)
    case .network(let network):
      visit(network)
    case .layer(let ref):
      visit(ref.network)
    case .objective(let objective):
      if let network = objective.network { visit(network) }
    default:
      break
    }
  }

  private func visit(_ network: Network) {
    guard seen.insert(ObjectIdentifier(network)).inserted else { return }
    for (_, tensor) in network.namedParameters { visit(tensor) }
    for (_, tensor) in network.namedBuffers { visit(tensor) }
  }

  private func visit(_ tensor: Tensor) {
    guard seen.insert(ObjectIdentifier(tensor)).inserted else { return }
    tensors.append((tensor, tensor.values, tensor.grad))
  }
}
