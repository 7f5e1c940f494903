import ProxyGradNN

/// Data sets, training, evaluation and weight files.
enum TrainingBuiltins {
  static let all: [Builtin] = data + training + weights

  static let data: [Builtin] = [
    Builtin(
      "fashion_mnist()",
      help: "Fashion-MNIST from Debian's dataset-fashion-mnist package, as a record {train, test, classes}: 60,000 and 10,000 images [1, 28, 28] with pixels in [-1, 1], and the 10 class names.",
      example: "data = fashion_mnist()"
    ) { args, interpreter throws(RuntimeError) in
      interpreter.files.noteRead(StandardDatasets.fashionMNISTFolder)
      let sets = try loading(args) { () throws(DataError) in try StandardDatasets.fashionMNIST() }
      return split(sets, name: "fashion_mnist")
    },
    Builtin(
      "mnist(folder)",
      help: "An MNIST-layout folder (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...) as a record {train, test, classes} with digit classes.",
      example: "data = mnist(\"data/mnist\")"
    ) { args, interpreter throws(RuntimeError) in
      let folder = interpreter.files.readablePath(try args.string(0))
      let sets = try loading(args, at: 0) { () throws(DataError) in
        try StandardDatasets.mnistLayout(
          folder: folder, classes: StandardDatasets.digitClasses,
          missingHint: "expected MNIST IDX files in this folder")
      }
      return split(sets, name: "mnist")
    },
    Builtin(
      "idx(images: path, labels: path, classes: nil)",
      help: "A data set from one IDX image file and one IDX label file (plain or gzip). Classes default to the digits 0-9.",
      example: "test = idx(images: \"t10k-images-idx3-ubyte.gz\", labels: \"t10k-labels-idx1-ubyte.gz\")"
    ) { args, interpreter throws(RuntimeError) in
      guard let images = try args.string("images"), let labels = try args.string("labels") else {
        throw args.error(.arity, "expects images: and labels: paths")
      }
      var classes = StandardDatasets.digitClasses
      if let value = args["classes"] {
        guard case .list(let list) = value, !list.items.isEmpty else {
          throw args.error(.type, "expects classes: a list of names", label: "classes")
        }
        classes = list.items.map(Format.display)
      }
      let set = try loading(args) { () throws(DataError) in
        try IDX.load(
          images: interpreter.files.readablePath(images), labels: interpreter.files.readablePath(labels),
          classes: classes)
      }
      return .dataset(DatasetBox(set, name: "idx"))
    },
    Builtin(
      "cifar10(folder)",
      help: "CIFAR-10 from its binary version (a cifar-10-batches-bin folder) as a record {train, test, classes}: images [3, 32, 32] in [-1, 1].",
      example: "data = cifar10(\"data/cifar-10-batches-bin\")"
    ) { args, interpreter throws(RuntimeError) in
      let folder = interpreter.files.readablePath(try args.string(0))
      let sets = try loading(args, at: 0) { () throws(DataError) in try CIFAR10.load(folder: folder) }
      return split(sets, name: "cifar10")
    },
    Builtin(
      "images(folder)",
      help: "A data set of PNG files in class subfolders (folder/cat/1.png, folder/dog/2.png, ...): classes are the subfolder names in sorted order, images the files in each, sorted. All images must share one size and channel count (grey or RGB; alpha is dropped); pixels are scaled to [-1, 1].",
      example: "pets = images(\"data/pets\")"
    ) { args, interpreter throws(RuntimeError) in
      let folder = interpreter.files.readablePath(try args.string(0))
      guard let decoder = interpreter.files as? ImageFileDecoder else {
        throw args.error(.unsupported, "this front end cannot decode image files")
      }
      return .dataset(DatasetBox(try ImageFolder.load(folder, decoder: decoder, args), name: "images"))
    },
    Builtin(
      "synthetic(count: 1000, classes: 4, size: 12, channels: 1, noise: 0.1, seed: nil)",
      help: "A seeded data set of simple labelled images (bars, diagonals, rings, crosses, blobs, ...) for tests and offline demos, as a record {train, test, classes}; the test set is a fifth the size of the training set, drawn from another stream.",
      example: "data = synthetic(count: 2000, classes: 4, size: 12)"
    ) { args, interpreter throws(RuntimeError) in
      let count = try args.integer("count", min: 1)
      let classes = try args.integer("classes", min: 1)
      guard classes <= SyntheticImages.patternNames.count else {
        throw args.error(.value, "expects classes: 1...\(SyntheticImages.patternNames.count), got \(classes)", label: "classes")
      }
      let size = try args.integer("size", in: 4...256)
      let channels = try args.integer("channels", min: 1)
      guard channels == 1 || channels == 3 else {
        throw args.error(.value, "expects channels: 1 or 3, got \(channels)", label: "channels")
      }
      guard count <= 1_000_000 else { throw args.error(.value, "expects count: at most 1,000,000", label: "count") }
      let noise = try OptimizerBuiltins.nonNegative(args, "noise")
      let seed = try OptimizerBuiltins.seed(args, interpreter)
      let train = SyntheticImages.make(count: count, classes: classes, size: size, channels: channels, noise: noise, seed: seed)
      let test = SyntheticImages.make(
        count: max(1, count / 5), classes: classes, size: size, channels: channels, noise: noise,
        seed: seed ^ 0x7E57)
      return split((train, test), name: "synthetic")
    },
  ]

  static func split(_ sets: (train: LabelledImages, test: LabelledImages), name: String) -> Value {
    .record(RecordBox([
      ("train", .dataset(DatasetBox(sets.train, name: "\(name).train"))),
      ("test", .dataset(DatasetBox(sets.test, name: "\(name).test"))),
      ("classes", .list(ListBox(sets.train.classes.map { .string($0) }))),
    ]))
  }

  /// Runs a loader, turning its error into a runtime error at argument `index` (or the call).
  static func loading<T>(_ args: Arguments, at index: Int? = nil, _ body: () throws(DataError) -> T) throws(RuntimeError) -> T {
    do { return try body() } catch {
      let kind: RuntimeError.Kind = error.isAccess ? .io : .value
      if let index { throw args.error(kind, error.description, at: index) }
      throw args.error(kind, error.description)
    }
  }

  static func dataset(_ args: Arguments, _ index: Int, for network: Network) throws(RuntimeError) -> LabelledImages {
    guard case .dataset(let box) = args.positional[index] else {
      throw args.error(.type, "expects a data set (such as data.train) as \(args.ordinal(index)), got \(args.positional[index].typeDescription)", at: index)
    }
    guard box.data.itemShape == network.inputShape else {
      throw args.error(.shape, "the data set's images are \(Format.shape(box.data.itemShape)), the network expects \(Format.shape(network.inputShape))", at: index)
    }
    guard network.outputShape.count == 1, network.outputShape[0] >= box.data.classes.count else {
      throw args.error(.shape, "the network's output \(Format.shape(network.outputShape)) cannot classify \(box.data.classes.count) classes", at: 0)
    }
    return box.data
  }


  // MARK: - Training

  static let training: [Builtin] = [
    Builtin(
      "train(net, data, epochs: 1, batch: 64, optimizer: adam(lr: 0.001), grad: plain(), seed: nil, schedule: nil, stop_on_nan: true)",
      help: "Trains a network on a data set with shuffled mini-batches and softmax cross-entropy. The weight gradient follows grad: (plain(), swap(b), proxy(b)); the loss reported is the ORIGINAL network's. Returns the history as rows {step, epoch, loss, lr}. When the loss becomes NaN or infinite, a warning names the step and the value, the history gets a column diverged (true from that step on), and training stops after that step unless stop_on_nan: false. Ctrl-C stops it and keeps what the network learned so far.",
      example: "h = train(net, data.train, epochs: 1, batch: 64, optimizer: adam(lr: 1e-3), grad: proxy(0.3), seed: 1)"
    ) { args, interpreter throws(RuntimeError) in
      let net = try args.network(0)
      let set = try dataset(args, 1, for: net)
      var options = TrainingOptions(
        epochs: try args.integer("epochs", min: 0), batchSize: try args.integer("batch", min: 1))
      options.rule = try OptimizerBuiltins.rule(args, interpreter)
      options.seed = try OptimizerBuiltins.seed(args, interpreter)
      if let value = args["schedule"] {
        guard case .spec(.schedule(let s)) = value else {
          throw args.error(.type, "expects schedule: step_lr(...) or cosine(...), got \(value.typeDescription)", label: "schedule")
        }
        options.schedule = s
      }
      if let problem = options.rule.layerProblem(in: net) {
        throw args.error(.value, problem, label: "grad")
      }
      let stopOnNaN = try AttributionBuiltins.flag(args, "stop_on_nan")
      let spec = try OptimizerBuiltins.optimizer(args, interpreter)
      let history = try spec.with { (o: inout any Optimizer) throws(RuntimeError) in
        run(net, set, options, &o, interpreter, stopOnNaN: stopOnNaN)
      }
      let diverged = history.firstIndex { !$0.loss.isFinite }
      if let diverged {
        let record = history[diverged]
        let stopped = stopOnNaN && diverged == history.count - 1 && history.count < totalSteps(set, options)
        interpreter.output.emit(
          .warning(
            "\(args.span): train: the loss became \(Format.number(record.loss)) at step \(record.step) (epoch \(record.epoch))"
              + (stopped ? "; training stopped there (stop_on_nan: true)" : stopOnNaN ? "" : "; training went on (stop_on_nan: false)")
              + "\n"))
      }
      return .list(ListBox(history.enumerated().map { index, r in
        var fields: [(String, Value)] = [
          ("step", .number(Double(r.step))), ("epoch", .number(Double(r.epoch))),
          ("loss", .number(Format.double(Float(r.loss)))), ("lr", .number(r.learningRate)),
        ]
        // Only a history that diverged has the column, so others keep their shape.
        if let diverged { fields.append(("diverged", .bool(index >= diverged))) }
        return .record(RecordBox(fields))
      }))
    },
    Builtin(
      "accuracy(net, data)",
      help: "The fraction of a data set's images that the ORIGINAL network classifies correctly.",
      example: "metric(\"test accuracy\", accuracy(net, data.test))"
    ) { args, _ throws(RuntimeError) in
      let net = try args.network(0)
      let set = try dataset(args, 1, for: net)
      return .number(evaluate(net, on: set).accuracy)
    },
    Builtin(
      "evaluate(net, data)",
      help: "Loss and accuracy of the ORIGINAL network on a data set, as a record {loss, accuracy, per_class (rows of class, accuracy, count), confusion (rows: true class, then one column per predicted class)}.",
      example: "e = evaluate(net, data.test)\ntable(e.per_class)"
    ) { args, _ throws(RuntimeError) in
      let net = try args.network(0)
      let set = try dataset(args, 1, for: net)
      let e = evaluate(net, on: set)
      let names = set.classes + (set.classes.count..<max(set.classes.count, e.confusion.count)).map { "class \($0)" }
      let perClass: [Value] = e.classAccuracy.enumerated().map { c, acc in
        .record(RecordBox([
          ("class", .string(names[c])), ("accuracy", acc.map { .number($0) } ?? .none),
          ("count", .number(Double(e.confusion[c].reduce(0, +)))),
        ]))
      }
      let confusion: [Value] = e.confusion.enumerated().map { c, row in
        .record(RecordBox([("true", .string(names[c]))] + row.enumerated().map { (names[$0], .number(Double($1))) }))
      }
      return .record(RecordBox([
        ("loss", .number(e.loss)), ("accuracy", .number(e.accuracy)),
        ("per_class", .list(ListBox(perClass))), ("confusion", .list(ListBox(confusion))),
      ]))
    },
  ]

  /// The steps of a whole training run.
  static func totalSteps(_ set: LabelledImages, _ options: TrainingOptions) -> Int {
    (set.count + options.batchSize - 1) / options.batchSize * options.epochs
  }

  /// Trains; with `stopOnNaN`, stops after the first step whose loss is not finite.
  static func run<O: Optimizer>(
    _ net: Network, _ set: LabelledImages, _ options: TrainingOptions, _ optimizer: inout O,
    _ interpreter: Interpreter, stopOnNaN: Bool = true
  ) -> [TrainingRecord] {
    interpreter.progress?.begin("train", total: totalSteps(set, options))
    var diverged = false
    let history = train(
      net, on: set, options: options, optimizer: &optimizer,
      progress: { done, _, loss in
        if !loss.isFinite { diverged = true }
        interpreter.progress?.update(completed: done, detail: "loss \(Format.readable(Format.double(Float(loss))))")
      },
      shouldStop: { interpreter.stops.isRequested || (stopOnNaN && diverged) })
    let last = history.last.map { "loss \(Format.readable(Format.double(Float($0.loss))))" } ?? ""
    interpreter.progress?.end(completed: history.count, detail: last)
    return history
  }

  // MARK: - Weights

  static let weights: [Builtin] = [
    Builtin(
      "save_weights(net, path)",
      help: "Writes a network's weights as a safetensors file with PyTorch's names and layouts (conv1.weight [out, in, kh, kw], linear1.weight [out, in], biases [out]), so PyTorch can load them.",
      example: "save_weights(net, \"net.safetensors\")"
    ) { args, interpreter throws(RuntimeError) in
      let net = try args.network(0)
      let path = try args.writablePath(1, interpreter.files)
      try loading(args, at: 1) { () throws(DataError) in try SafeTensors.save(net, to: path, metadata: ["format": "pt"]) }
      return .none
    },
    Builtin(
      "load_weights(net, path)",
      help: "Reads a safetensors file into a network: every parameter must be present with its shape (PyTorch's names and layouts); wrong names, shapes, dtypes or a truncated file are errors that leave the network unchanged.",
      example: "load_weights(net, \"net.safetensors\")"
    ) { args, interpreter throws(RuntimeError) in
      let net = try args.network(0)
      let path = interpreter.files.readablePath(try args.string(1))
      try loading(args, at: 1) { () throws(DataError) in try SafeTensors.load(net, from: path) }
      return .none
    },
  ]
}

extension GradientRule {
  /// Why a per-layer slope map does not fit the network: it names a layer the network does not
  /// have, or a layer that is not an activation (the map sets activations' backward slopes and
  /// would do nothing there). Nil when it fits.
  func layerProblem(in network: Network) -> String? {
    switch self {
    case .plain, .redirect, .openReLU: return nil
    case .swap(let spec), .proxy(let spec):
      if let name = spec.layerNames.first(where: { network.layer(named: $0) == nil }) {
        return "grad: names no layer '\(name)' of the network; layers: \(Access.layerNames(network))"
      }
      let activations = network.allLayers.filter { $0 is LeakyReLU || $0 is Clip }.map(\.name)
      for name in spec.layerNames {
        guard let layer = network.layer(named: name), !(layer is LeakyReLU || layer is Clip) else { continue }
        return "grad: '\(name)' is a \(layer.kind) layer, not an activation; a slope map names activation layers: "
          + (activations.isEmpty ? "the network has none" : activations.joined(separator: ", "))
      }
      return nil
    }
  }
}
