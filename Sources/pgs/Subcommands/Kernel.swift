import ArgumentParser
import Foundation
import ProxyGradKernel
import ProxyGradSession

extension PGSCommand {
  struct Kernel: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the Jupyter kernel, or install it for Jupyter.",
      discussion: """
        Jupyter starts 'pgs kernel --connection-file FILE' itself once the kernel is installed \
        with 'pgs kernel install'; pick "ProxyGrad (pgs)" in JupyterLab or VS Code. See \
        docs/jupyter.md.
        """,
      subcommands: [Install.self, Uninstall.self])

    @Option(
      name: .customLong("connection-file"),
      help: ArgumentHelp("The connection file Jupyter wrote for this kernel.", valueName: "file"))
    var connectionFile: String?

    @Option(help: "The seed of random tensors and network weights (default 0, as 'pgs run').")
    var seed: UInt64 = 0

    @Option(help: "Threads for tensor work (default: PGS_THREADS, else every core).")
    var threads: Int?

    func run() throws {
      guard let connectionFile else {
        throw ValidationError("give --connection-file FILE (Jupyter does), or use 'pgs kernel install'")
      }
      EngineThreads.configure(threads)
      do throws(KernelError) {
        let connection = try ConnectionInfo.load(path: connectionFile)
        let server = try KernelServer(connection: connection, seed: seed) { text in
          FileHandle.standardError.write(Data((text + "\n").utf8))
        }
        server.run()
      } catch {
        FileHandle.standardError.write(Data("pgs kernel: \(error)\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}

/// Where `install` and `uninstall` act.
struct KernelLocationOptions: ParsableArguments {
  @Flag(help: "The user's Jupyter data folder ($JUPYTER_DATA_DIR, else ~/.local/share/jupyter).")
  var user = false

  @Option(help: ArgumentHelp("PREFIX/share/jupyter, as 'jupyter kernelspec install --prefix'.", valueName: "dir"))
  var prefix: String?

  func validate() throws {
    if user && prefix != nil { throw ValidationError("give --user or --prefix, not both") }
  }

  var location: KernelSpec.Location {
    if let prefix {
      return .prefix(URL(fileURLWithPath: prefix).standardizedFileURL.path)
    }
    return user ? .user : .system
  }
}

extension PGSCommand.Kernel {
  struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Install the kernelspec 'pgs' (display name \"ProxyGrad (pgs)\").",
      discussion: """
        Writes kernels/pgs/kernel.json, whose argv starts this pgs binary by its absolute path. \
        Without --user or --prefix it goes to /usr/local/share/jupyter.
        """)

    @OptionGroup var where_: KernelLocationOptions

    @Option(
      name: .customLong("interrupt-mode"),
      help: ArgumentHelp("How Jupyter interrupts a running cell: message or signal.", valueName: "mode"))
    var interruptMode: String = KernelSpec.InterruptMode.message.rawValue

    func run() throws {
      guard let mode = KernelSpec.InterruptMode(rawValue: interruptMode) else {
        throw ValidationError("--interrupt-mode must be message or signal")
      }
      let spec = KernelSpec(executable: KernelSpec.currentExecutable, interruptMode: mode)
      do throws(KernelError) {
        let folder = try spec.install(at: where_.location)
        print("installed kernelspec pgs in \(folder)")
      } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(ExitStatus.cannotCreate.rawValue)
      }
    }
  }

  struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove the kernelspec 'pgs'.")

    @OptionGroup var where_: KernelLocationOptions

    func run() throws {
      do throws(KernelError) {
        if let folder = try KernelSpec.uninstall(from: where_.location) {
          print("removed \(folder)")
        } else {
          print("no kernelspec pgs in \(where_.location.directory())")
        }
      } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(ExitStatus.cannotCreate.rawValue)
      }
    }
  }
}
