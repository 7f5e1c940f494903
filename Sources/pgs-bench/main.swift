#if canImport(Glibc)
  import Glibc
#endif
import Dispatch
import Foundation
import ProxyGradNN
import ProxyGradTensor

/// `pgs-bench WORKLOAD [--model PATH] --threads N --warmup K [--warmup-ms T] --reps R --json`: runs one reference workload in
/// this process and prints one JSON line with the time of every timed repetition and the peak
/// resident memory. `scripts/bench` runs it beside the same work in PyTorch.
struct BenchArguments {
  var workload = ""
  var threads = 1
  var warmup = 3
  /// Warm up for at least this long as well (milliseconds).
  var warmupMilliseconds = 0
  var reps = 20
  var steps = 10_000
  var large = false
  /// The ONNX file of W5–W7.
  var model = ""

  init(_ args: [String]) throws(BenchError) {
    var it = args.makeIterator()
    while let arg = it.next() {
      func value() throws(BenchError) -> Int {
        guard let v = it.next(), let n = Int(v), n >= 0 else {
          throw BenchError("\(arg) expects a whole number")
        }
        return n
      }
      switch arg {
      case "--threads": threads = max(1, try value())
      case "--warmup": warmup = try value()
      case "--warmup-ms": warmupMilliseconds = try value()
      case "--reps": reps = max(1, try value())
      case "--steps": steps = max(1, try value())
      case "--json": break
      case "--w1": large = true
      case "--model":
        guard let v = it.next() else { throw BenchError("--model expects a path") }
        model = v
      case _ where !arg.hasPrefix("-") && workload.isEmpty: workload = arg
      default: throw BenchError("unknown argument '\(arg)'")
      }
    }
    guard !workload.isEmpty else { throw BenchError("name a workload: W1, W2, W3, W4, W5-1|W5-8|W5-fwd8 (W6, W7 alike) --model PATH, sgemm, stream, depthwise, memory [--steps N] [--w1], memory-stages, snapshot, snapshot-net") }
  }
}

struct BenchError: Error {
  let message: String
  init(_ message: String) { self.message = message }
}

func milliseconds(_ body: () -> Void) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func peakResidentKilobytes() -> Int {
  var usage = rusage()
  getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
  return usage.ru_maxrss
}

func currentResidentKilobytes() -> Int {
  guard let f = fopen("/proc/self/statm", "r") else { return 0 }
  defer { fclose(f) }
  var size = 0, resident = 0
  return withUnsafeMutablePointer(to: &size) { s in
    withUnsafeMutablePointer(to: &resident) { r in
      fscanfPair(f, s, r) == 2 ? r.pointee * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024 : 0
    }
  }
}

func fscanfPair(_ f: UnsafeMutablePointer<FILE>, _ a: UnsafeMutablePointer<Int>, _ b: UnsafeMutablePointer<Int>) -> Int32 {
  var line = [CChar](repeating: 0, count: 256)
  guard fgets(&line, 256, f) != nil else { return 0 }
  let fields = String(cString: line).split(separator: " ").compactMap { Int($0) }
  guard fields.count >= 2 else { return 0 }
  a.pointee = fields[0]
  b.pointee = fields[1]
  return 2
}

func json(_ pairs: [(String, String)]) -> String {
  "{" + pairs.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
}

func run() throws(BenchError) {
  let args = try BenchArguments(Array(CommandLine.arguments.dropFirst()))
  Engine.configure(threads: args.threads)
  var extra: [(String, String)] = []
  let body: () -> Void
  do {
    switch args.workload {
    case "W1": body = Workloads.trainStep(network: try Workloads.w1Network(seed: 1), batch: 64)
    case "W2": body = Workloads.maximizeSteps(network: try Workloads.w1Network(seed: 1))
    case "W3": body = Workloads.trainStep(network: try Workloads.w3Network(seed: 1), batch: 128)
    case "W4": body = try Workloads.interpreterLoop()
    case _ where Workloads224.parse(args.workload) != nil:
      body = try Workloads224.make(args.workload, modelPath: args.model)
    case "sgemm":
      let gflops = SgemmProbe.gflops(size: 1024, reps: args.reps)
      print(json([("workload", "\"sgemm\""), ("threads", "\(args.threads)"), ("gflops", "\(gflops)")]))
      return
    case "stream":
      let (copy, triad) = StreamProbe.run(reps: args.reps)
      print(
        json([
          ("workload", "\"stream\""), ("threads", "\(args.threads)"), ("copy_gbs", "\(copy)"),
          ("triad_gbs", "\(triad)"),
        ]))
      return
    case "depthwise":
      let (copy, _) = StreamProbe.run(reps: args.reps)
      let rate = DepthwiseProbe.run(batch: 8, reps: args.reps)
      print(
        json([
          ("workload", "\"depthwise\""), ("threads", "\(args.threads)"),
          ("forward_gbs", "\(rate.forwardGBs)"), ("backward_gbs", "\(rate.backwardGBs)"),
          ("gflops", "\(rate.gflops)"), ("total_ms", "\(rate.milliseconds)"),
          ("copy_gbs", "\(copy)"),
        ]))
      return
    case "snapshot", "snapshot-net":
      print(json(try SnapshotProbe.run(reps: args.reps, networkOnly: args.workload == "snapshot-net")))
      return
    case "memory-stages":
      print(json(try MemoryStagesProbe.run()))
      return
    case "memory":
      let report = try MemoryProbe.run(steps: args.steps, large: args.large)
      print(json(report))
      return
    case "conv3x3":
      for line in Conv3x3Probe.run(reps: args.reps) { print(line) }
      return
    default: throw BenchError("unknown workload '\(args.workload)'")
    }
  } catch let error as BenchError {
    throw error
  } catch {
    throw BenchError("\(error)")
  }
  let warmupStart = DispatchTime.now().uptimeNanoseconds
  var warmedUp = 0
  while warmedUp < args.warmup
    || Double(DispatchTime.now().uptimeNanoseconds - warmupStart) / 1e6 < Double(args.warmupMilliseconds)
  {
    body()
    warmedUp += 1
  }
  let times = (0..<args.reps).map { _ in milliseconds(body) }
  if args.workload == "W3" { extra.append(("conv_gflops", "\(ConvProbe.w3ConvGflops())")) }
  print(
    json(
      [("workload", "\"\(args.workload)\""), ("threads", "\(args.threads)"),
        ("times_ms", "[" + times.map { String($0) }.joined(separator: ",") + "]"),
        ("peak_rss_kb", "\(peakResidentKilobytes())")] + extra))
}

do {
  try run()
} catch {
  FileHandle.standardError.write(Data("pgs-bench: error: \(error.message)\n".utf8))
  exit(64)
}
