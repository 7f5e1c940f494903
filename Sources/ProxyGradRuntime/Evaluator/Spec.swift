import ProxyGradNN

/// A configuration value made by a builtin and consumed by another: an optimizer, an initial
/// image, a transform, an image parameterization or a learning-rate schedule.
public enum Spec {
  case optimizer(OptimizerSpec)
  case initial(InitialImage)
  case transform(Transform)
  case parameterization(Parameterization)
  case schedule(LearningRateSchedule)

  var typeDescription: String {
    switch self {
    case .optimizer: return "an optimizer"
    case .initial: return "an initial image"
    case .transform: return "a transform"
    case .parameterization: return "a parameterization"
    case .schedule: return "a learning-rate schedule"
    }
  }

  var description: String {
    switch self {
    case .optimizer(let o): return o.description
    case .initial(let i):
      switch i {
      case .noise(let a): return "noise(\(Format.number(a)))"
      case .uniform(let low, let high): return "noise(low: \(Format.number(low)), high: \(Format.number(high)))"
      case .tensor(let t): return "init(\(Format.shape(t.shape)))"
      }
    case .transform(let t): return t.description
    case .parameterization(let p):
      func basis(_ colors: [Float]?) -> String {
        colors.map { ", colors: \(Int(Double($0.count).squareRoot()))×\(Int(Double($0.count).squareRoot())) basis" } ?? ""
      }
      switch p {
      case .pixel: return "pixel()"
      case .fourier(let decay, let colors): return "fourier(decay: \(Format.number(decay))\(basis(colors)))"
      case .laplacian(let levels, let colors): return "laplacian(levels: \(levels)\(basis(colors)))"
      case .cppn(let width, let layers): return "cppn(width: \(width), layers: \(layers))"
      }
    case .schedule(let s):
      switch s {
      case .constant: return "constant()"
      case .step(let every, let factor): return "step_lr(\(every), \(Format.number(factor)))"
      case .cosine(let floor): return "cosine(floor: \(Format.number(floor)))"
      }
    }
  }
}

/// An optimizer as written (`adam(lr: 0.05)`); every run makes a fresh one from it.
public struct OptimizerSpec: Sendable {
  public enum Kind: Sendable { case sgd, adam }
  public var kind: Kind
  public var learningRate: Double
  public var momentum: Double = 0
  public var weightDecay: Double = 0
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999

  var description: String {
    switch kind {
    case .sgd:
      var s = "sgd(lr: \(Format.number(learningRate))"
      if momentum != 0 { s += ", momentum: \(Format.number(momentum))" }
      if weightDecay != 0 { s += ", weight_decay: \(Format.number(weightDecay))" }
      return s + ")"
    case .adam:
      var s = "adam(lr: \(Format.number(learningRate))"
      if weightDecay != 0 { s += ", weight_decay: \(Format.number(weightDecay))" }
      return s + ")"
    }
  }

  /// Runs `body` with a fresh optimizer of this kind.
  func with<R>(_ body: (inout any Optimizer) throws(RuntimeError) -> R) throws(RuntimeError) -> R {
    var optimizer: any Optimizer
    switch kind {
    case .sgd: optimizer = SGD(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
    case .adam:
      optimizer = Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, weightDecay: weightDecay)
    }
    return try body(&optimizer)
  }
}

/// A labelled image set: `data.train`, `data.test` of `fashion_mnist()` and the like.
public final class DatasetBox {
  public let data: LabelledImages
  public let name: String
  public init(_ data: LabelledImages, name: String) {
    self.data = data
    self.name = name
  }
}

/// How long work reports its progress. Front ends draw bars; library code only calls these.
public protocol ProgressSink: AnyObject {
  /// A unit of long work begins: `label` (such as "train"), `total` steps.
  func begin(_ label: String, total: Int)
  /// `completed` of the total steps are done; `detail` is a short status such as a loss.
  func update(completed: Int, detail: String)
  /// The work ended after `completed` steps (fewer than the total when stopped).
  func end(completed: Int, detail: String)
}

/// Where scripts may read and write files. Front ends confine writes (notebooks write only inside
/// their output folder); the default allows any path, relative to the working directory.
public protocol FileAccess: AnyObject {
  /// The real path to write `path` to, or an error message saying why it may not be written.
  func writablePath(_ path: String) -> Result<String, FileAccessDenied>
  /// The real path to read `path` from.
  func readablePath(_ path: String) -> String
  /// Tells the front end that a builtin read `path` without asking ``readablePath(_:)`` (a data
  /// set at a fixed place); notebooks key their cache on the files cells read.
  func noteRead(_ path: String)
}

extension FileAccess {
  public func noteRead(_ path: String) {}
}

public struct FileAccessDenied: Error {
  public var message: String
  public init(_ message: String) { self.message = message }
}

/// Reads and writes any path as given.
public final class UnconfinedFileAccess: FileAccess {
  public init() {}
  public func writablePath(_ path: String) -> Result<String, FileAccessDenied> { .success(path) }
  public func readablePath(_ path: String) -> String { path }
}
