// swift-tools-version: 6.0
import PackageDescription

/// Kernels are plain loops over unsafe buffers; release builds are compiled for speed.
let speed: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))
]

let package = Package(
  name: "pgs",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "pgs", targets: ["pgs"]),
    .library(name: "ProxyGradNN", targets: ["ProxyGradNN"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
  ],
  targets: [
    // MARK: - System libraries
    .systemLibrary(
      name: "CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CEditLine", pkgConfig: "libedit",
      providers: [.apt(["libedit-dev"])]),
    .systemLibrary(
      name: "CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(
      name: "CPNG", pkgConfig: "libpng",
      providers: [.apt(["libpng-dev", "zlib1g-dev"])]),
    .systemLibrary(
      name: "CZMQ", pkgConfig: "libzmq",
      providers: [.apt(["libzmq3-dev"])]),

    // MARK: - Engine
    .target(name: "ProxyGradTensor", dependencies: ["CBLAS"], swiftSettings: speed),
    .target(name: "ProxyGradNN", dependencies: ["ProxyGradTensor", "CZlib"], swiftSettings: speed),

    // MARK: - Text of numbers, shapes, layer specs and tables
    .target(name: "ProxyGradFormat", dependencies: ["ProxyGradNN", "ProxyGradTensor"]),

    // MARK: - ONNX
    // Sources/ProxyGradONNX/Generated/onnx.pb.swift comes from scripts/generate-onnx-proto.
    .target(
      name: "ProxyGradONNX",
      dependencies: [
        "ProxyGradNN", "ProxyGradTensor", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),

    // MARK: - Language
    .target(name: "ProxyGradSyntax"),
    .target(
      name: "ProxyGradRuntime",
      dependencies: ["ProxyGradSyntax", "ProxyGradTensor", "ProxyGradNN", "ProxyGradFormat", "ProxyGradONNX"],
      swiftSettings: speed),

    // MARK: - Outputs, session, terminal
    .target(
      name: "ProxyGradNotebook",
      dependencies: [
        "ProxyGradFormat", "CPNG", .product(name: "Ink", package: "Ink"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(
      name: "ProxyGradSession",
      dependencies: ["ProxyGradSyntax", "ProxyGradNN", "ProxyGradRuntime", "ProxyGradNotebook"]),
    .target(name: "ProxyGradLineEditor", dependencies: ["CEditLine", "ProxyGradSyntax"]),
    .target(
      name: "ProxyGradKernel",
      dependencies: [
        "ProxyGradSession", "ProxyGradNotebook", "ProxyGradRuntime", "ProxyGradSyntax", "ProxyGradNN", "CZMQ",
        .product(name: "Crypto", package: "swift-crypto"),
      ]),

    // MARK: - Watch mode: change detection and the live report's HTTP server
    .target(
      name: "ProxyGradWatch",
      dependencies: ["ProxyGradNotebook", .product(name: "FlyingFox", package: "FlyingFox")]),

    // MARK: - Executables
    .executableTarget(
      name: "pgs",
      dependencies: [
        "ProxyGradSession", "ProxyGradLineEditor", "ProxyGradKernel", "ProxyGradNN", "ProxyGradNotebook",
        "ProxyGradRuntime", "ProxyGradSyntax", "ProxyGradWatch",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "pgs-bench",
      dependencies: ["ProxyGradTensor", "ProxyGradNN", "ProxyGradONNX", "ProxyGradRuntime", "ProxyGradSyntax"],
      swiftSettings: speed),

    // MARK: - Tests
    .target(name: "ProxyGradTestSupport", dependencies: ["ProxyGradTensor", "ProxyGradSyntax"]),
    .testTarget(
      name: "ProxyGradTensorTests", dependencies: ["ProxyGradTensor", "ProxyGradTestSupport"]),
    .testTarget(
      name: "ProxyGradNNTests",
      dependencies: ["ProxyGradNN", "ProxyGradTensor", "ProxyGradTestSupport"],
      resources: [.copy("Golden")]),
    .testTarget(
      name: "ProxyGradONNXTests",
      dependencies: ["ProxyGradONNX", "ProxyGradNN", "ProxyGradTensor", "ProxyGradTestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "ProxyGradSyntaxTests", dependencies: ["ProxyGradSyntax", "ProxyGradTestSupport"]),
    .testTarget(
      name: "ProxyGradRuntimeTests",
      dependencies: ["ProxyGradRuntime", "ProxyGradNN", "ProxyGradSyntax", "ProxyGradTestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "ProxyGradNotebookTests", dependencies: ["ProxyGradNotebook", "ProxyGradFormat", "ProxyGradTestSupport"]),
    .testTarget(name: "ProxyGradLineEditorTests", dependencies: ["ProxyGradLineEditor"]),
    .testTarget(
      name: "ProxyGradSessionTests",
      dependencies: [
        "ProxyGradSession", "ProxyGradNN", "ProxyGradNotebook", "ProxyGradRuntime", "ProxyGradSyntax",
        "ProxyGradTestSupport",
      ]),
    .testTarget(
      name: "ProxyGradKernelTests", dependencies: ["ProxyGradKernel", "ProxyGradNotebook", "ProxyGradTestSupport"]),
    .testTarget(name: "ProxyGradWatchTests", dependencies: ["ProxyGradWatch"]),
    .testTarget(name: "pgsTests", dependencies: ["pgs", "pgs-bench", "ProxyGradSession"]),
  ],
  swiftLanguageModes: [.v6]
)
