import Foundation
import ProxyGradNN

/// `top_activating`: the data-set images that excite a unit most, beside its AM image.
enum DatasetExampleBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "top_activating(objective, data, k: 9, batch: 256)",
      help: "The k images of a data set (or a batch tensor [M, C, H, W]) on which an objective is largest, with their values, indices and labels. An objective over several units (logit(net, 0...9), channel(net.feat, 0..<16)) ranks every unit from one pass over the data in batches of `batch`. Returns a record: images ([k, C, H, W], or [units·k, C, H, W] unit-major), values ([k] or [units, k]), indices and labels (lists, or lists per unit), units and k. show(top, am: r.image) draws each unit's AM image beside its top images.",
      example: "top = top_activating(channel(net.feat, 0..<4), data.test, k: 9)"
    ) { args, _ throws(RuntimeError) in
      let objective = try args.objective(0, such: "channel(net.feat, 5)")
      guard let network = objective.network else {
        throw args.error(.type, "expects an objective on a network (such as channel(net.feat, 5)) as argument 1, got \(args.positional[0].typeDescription)", at: 0)
      }
      if objective.objective.comparesItems {
        throw args.error(.value, "diversity compares the images of a batch; top_activating ranks images one by one, so leave diversity out", at: 0)
      }
      let k = try args.integer("k", min: 1)
      let batch = try args.integer("batch", min: 1)
      let images: Tensor
      var labels: [Int]?
      var classes: [String] = []
      switch args.positional[1] {
      case .dataset(let box):
        images = box.data.images
        labels = box.data.labels
        classes = box.data.classes
      case .tensor(let t):
        images = t
      case let other:
        throw args.error(.type, "expects a data set (such as data.test) or a batch of images as argument 2, got \(other.typeDescription)", at: 1)
      }
      guard images.rank == network.inputShape.count + 1, Array(images.shape.dropFirst()) == network.inputShape else {
        throw args.error(.shape, "the images are \(Format.shape(images.shape)); the network expects [M] + \(Format.shape(network.inputShape))", at: 1)
      }
      guard images.shape[0] >= k else {
        throw args.error(.value, "k: \(k) is more than the \(images.shape[0]) images given", label: "k")
      }
      let result = topActivating(objective.objective, network: network, images: images, k: k, batchSize: batch)
      return record(result, images: images, labels: labels, classes: classes, k: k)
    }
  ]

  static func record(_ r: TopActivating, images: Tensor, labels: [Int]?, classes: [String], k: Int) -> Value {
    let units = r.best.count
    let inner = images.count / max(images.shape[0], 1)
    var pixels: [Float] = []
    pixels.reserveCapacity(units * k * inner)
    for unit in r.best {
      for (_, index) in unit { pixels += images.values[(index * inner)..<((index + 1) * inner)] }
    }
    let itemShape = Array(images.shape.dropFirst())
    func label(_ index: Int) -> Value {
      guard let labels else { return .none }
      let l = labels[index]
      return l < classes.count ? .string(classes[l]) : .number(Double(l))
    }
    let values = r.best.flatMap { $0.map(\.value) }
    let single = units == 1
    let indexLists = r.best.map { unit in Value.list(ListBox(unit.map { .number(Double($0.index)) })) }
    let labelLists = r.best.map { unit in Value.list(ListBox(unit.map { label($0.index) })) }
    return .record(RecordBox([
      ("images", .tensor(Tensor(shape: [units * k] + itemShape, values: pixels))),
      ("values", .tensor(Tensor(shape: single ? [k] : [units, k], values: values))),
      ("indices", single ? indexLists[0] : .list(ListBox(indexLists))),
      ("labels", single ? labelLists[0] : .list(ListBox(labelLists))),
      ("units", .number(Double(units))), ("k", .number(Double(k))),
    ]))
  }

  /// `show(top, am: images)`: for a record made by `top_activating`, one image output per unit
  /// with its AM image first (labelled "AM") and its top images after it (labelled with value
  /// and label). Returns false when the value is not such a record.
  static func show(_ value: Value, _ args: Arguments, _ interpreter: Interpreter) throws(RuntimeError) -> Bool {
    guard case .record(let top) = value, case .tensor(let images)? = top["images"],
      case .tensor(let values)? = top["values"], case .number(let u)? = top["units"],
      case .number(let kk)? = top["k"]
    else {
      if args["am"] != nil {
        throw args.error(.value, "am: goes with the record of top_activating (show(top, am: r.image)); for other images, leave it out", label: "am")
      }
      return false
    }
    let (units, k) = (Int(u), Int(kk))
    let itemShape = Array(images.shape.dropFirst())
    let inner = itemShape.reduce(1, *)
    var am: Tensor?
    if let value = args["am"] {
      guard case .tensor(let t) = value, t.count == units * inner, Array(t.shape.suffix(itemShape.count)) == itemShape else {
        throw args.error(.shape, "expects am: the AM images of the \(units) unit(s), each \(Format.shape(itemShape)), got \(Format.brief(value))", label: "am")
      }
      am = t
    }
    let labelLists: [[Value]]
    switch top["labels"] {
    case .list(let l)? where units == 1: labelLists = [l.items]
    case .list(let l)?: labelLists = l.items.map { if case .list(let inner) = $0 { return inner.items } else { return [] } }
    default: labelLists = []
    }
    let title = try args.string("title")
    for unit in 0..<units {
      var pixels: [Float] = []
      var captions: [String] = []
      if let am {
        pixels += am.values[(unit * inner)..<((unit + 1) * inner)]
        captions.append("AM")
      }
      pixels += images.values[(unit * k * inner)..<((unit + 1) * k * inner)]
      for j in 0..<k {
        var caption = String(format: "%.3g", Double(values.values[unit * k + j]))
        if unit < labelLists.count, j < labelLists[unit].count, case .string(let name) = labelLists[unit][j] {
          caption += " " + name
        }
        captions.append(caption)
      }
      let t = Tensor(shape: [captions.count] + itemShape, values: pixels)
      let heading = units == 1 ? title : "\(title.map { $0 + ": " } ?? "")unit \(unit + 1) of \(units)"
      interpreter.output.emit(.image(t, labels: captions, title: heading))
    }
    return true
  }
}
