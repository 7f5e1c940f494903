import Foundation
import ProxyGradNotebook

/// The kernelspec that makes Jupyter list "ProxyGrad (pgs)": a folder `kernels/pgs` holding
/// `kernel.json`. The name and display name are the ones `pgs run` writes into the
/// `metadata.kernelspec` of its `.ipynb` files, so `jupyter execute` finds this kernel.
package struct KernelSpec: Equatable, Sendable {
  package static let name = "pgs"
  package static let displayName = "ProxyGrad (pgs)"
  package static let language = "pgs"

  /// Jupyter's `interrupt_mode`: `signal` sends SIGINT, `message` an `interrupt_request` on
  /// the control channel. The kernel handles both.
  package enum InterruptMode: String, CaseIterable, Sendable {
    case signal, message
  }

  /// The absolute path of the `pgs` executable that `argv` starts.
  package var executable: String
  package var interruptMode: InterruptMode

  package init(executable: String, interruptMode: InterruptMode = .message) {
    self.executable = executable
    self.interruptMode = interruptMode
  }

  /// The contents of `kernel.json`.
  package var json: String {
    JSONValue.object([
      (
        "argv",
        .array(
          [executable, "kernel", "--connection-file", "{connection_file}"].map(JSONValue.string))
      ),
      ("display_name", .string(Self.displayName)),
      ("language", .string(Self.language)),
      ("interrupt_mode", .string(interruptMode.rawValue)),
      ("metadata", .object([])),
    ]).serialized(indent: 2)
  }

  /// Where Jupyter looks for kernelspecs.
  package enum Location: Equatable, Sendable {
    /// The user's data folder: `$JUPYTER_DATA_DIR`, else `~/.local/share/jupyter` (on macOS
    /// `~/Library/Jupyter`).
    case user
    /// `PREFIX/share/jupyter`, as `jupyter kernelspec install --prefix` uses.
    case prefix(String)
    /// The system-wide `/usr/local/share/jupyter`.
    case system

    /// The `kernels/pgs` folder of this location.
    package func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
      let base: String
      switch self {
      case .user:
        if let data = environment["JUPYTER_DATA_DIR"], !data.isEmpty {
          base = data
        } else {
          let home = environment["HOME"] ?? NSHomeDirectory()
          #if os(macOS)
            base = home + "/Library/Jupyter"
          #else
            let xdg = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            base = (xdg ?? home + "/.local/share") + "/jupyter"
          #endif
        }
      case .prefix(let prefix):
        base = prefix + "/share/jupyter"
      case .system:
        base = "/usr/local/share/jupyter"
      }
      return base + "/kernels/" + KernelSpec.name
    }
  }

  /// Writes `kernel.json` into `location`; returns its folder.
  @discardableResult
  package func install(at location: Location, environment: [String: String] = ProcessInfo.processInfo.environment) throws(KernelError) -> String {
    let folder = location.directory(environment: environment)
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Data(json.utf8).write(to: URL(fileURLWithPath: folder + "/kernel.json"), options: .atomic)
    } catch {
      throw .kernelSpec("cannot write \(folder)/kernel.json: \(error.localizedDescription)")
    }
    return folder
  }

  /// Removes the kernelspec folder from `location`; returns it, or nil when there was none.
  @discardableResult
  package static func uninstall(from location: Location, environment: [String: String] = ProcessInfo.processInfo.environment) throws(KernelError) -> String? {
    let folder = location.directory(environment: environment)
    guard FileManager.default.fileExists(atPath: folder + "/kernel.json") else { return nil }
    do {
      try FileManager.default.removeItem(atPath: folder)
    } catch {
      throw .kernelSpec("cannot remove \(folder): \(error.localizedDescription)")
    }
    return folder
  }

  /// The absolute path of the running executable, symbolic links resolved.
  package static var currentExecutable: String {
    #if os(Linux)
      if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return path
      }
    #endif
    let argument = CommandLine.arguments.first ?? "pgs"
    let url = URL(fileURLWithPath: argument, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    return url.standardizedFileURL.resolvingSymlinksInPath().path
  }
}
