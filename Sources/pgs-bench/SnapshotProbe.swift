import Dispatch
import ProxyGradRuntime
import ProxyGradSyntax

/// `pgs-bench snapshot`: the time to snapshot and to restore the session of the tour notebook
/// (notebooks/tour.pgs) after its training cell: Fashion-MNIST (70,000 images) and the trained
/// CNN with its weights, as `pgs run` keeps it after each cell (docs/notebooks.md, "Caching and
/// incremental reruns"). Training is one step on a small batch: the snapshot's size and work do
/// not depend on how long the network trained. `snapshot-net` measures the network alone (the
/// data set and the history dropped).
enum SnapshotProbe {
  static let source = """
    data = fashion_mnist()
    net = network(input: [1, 28, 28], seed: 1) {
      conv(16, 3, pad: 1)
      relu()
      maxpool(2)
      conv(32, 3, pad: 1, name: "feat")
      relu()
      maxpool(2)
      flatten()
      linear(10)
    }
    h = train(net, data.test, epochs: 1, batch: 10000, optimizer: adam(lr: 0.001), seed: 1)
    """

  static func run(reps: Int, networkOnly: Bool) throws -> [(String, String)] {
    let interpreter = Interpreter(seed: 1)
    guard let program = interpreter.check(SourceFile(path: "tour", text: source)).program else {
      throw BenchError("the snapshot probe's script does not check")
    }
    try interpreter.run(program)
    if networkOnly {
      guard let drop = interpreter.check(SourceFile(path: "tour", text: "data = nil\nh = nil\n")).program else {
        throw BenchError("the snapshot probe's script does not check")
      }
      try interpreter.run(drop)
    }
    var snapshotTimes: [Double] = []
    var restoreTimes: [Double] = []
    var bytes = 0
    for _ in 0..<reps {
      var snapshot: SessionSnapshot?
      snapshotTimes.append(milliseconds { snapshot = try? interpreter.snapshot() })
      guard let snapshot else { throw BenchError("the session cannot be snapshotted") }
      bytes = snapshot.bytes.count + snapshot.blobs.reduce(0) { $0 + $1.count }
      let target = Interpreter()
      var failed = false
      restoreTimes.append(milliseconds { failed = (try? target.restore(snapshot)) == nil })
      if failed { throw BenchError("the snapshot does not restore") }
    }
    func list(_ values: [Double]) -> String { "[" + values.map { String($0) }.joined(separator: ",") + "]" }
    return [
      ("workload", networkOnly ? "\"snapshot-net\"" : "\"snapshot\""), ("bytes", "\(bytes)"), ("snapshot_ms", list(snapshotTimes)),
      ("restore_ms", list(restoreTimes)),
    ]
  }
}
