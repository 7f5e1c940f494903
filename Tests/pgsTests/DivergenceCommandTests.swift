import Foundation
import Testing

/// A loss, an objective or a metric that becomes NaN or infinite gives a warning naming the step
/// and the value, on standard error and in the report; `train` stops there unless
/// `stop_on_nan: false`, and its history marks the step.
@Suite struct DivergenceCommandTests {
  let helper = NotebookCommandTests()

  static func text(_ option: String) -> String {
    """
    # %%
    \(NotebookCommandTests.smallCNN(count: 256, size: 12, channels: 4))
    h = train(net, data.train, epochs: 2, batch: 32, optimizer: sgd(lr: 1e6), seed: 1\(option))
    print(len(h), h[0].diverged, h[len(h) - 1])
    metric("loss", h[len(h) - 1].loss)
    """
  }

  @Test func trainStopsAtTheFirstNaNLossByDefault() throws {
    let (folder, script) = try helper.notebook(Self.text(""))
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(
      outcome.stderr == """
        warning: \(script):9:5: train: the loss became nan at step 4 (epoch 0); training stopped there (stop_on_nan: true)
        warning: \(script):11:1: metric "loss" is nan

        """)
    let manifest = try helper.report(folder, "manifest.json")
    #expect(manifest.contains("\"kind\": \"warning\",\n          \"text\": \"\(script):9:5: train: the loss became nan at step 4"))
    // Five steps (0 to 4) of the sixteen ran; the last one is marked.
    #expect(manifest.contains("\"text\": \"5 false {step: 4, epoch: 0, loss: nan, lr: 1000000, diverged: true}\\n\""), "\(manifest)")
    let notebook = try helper.report(folder, "nb.ipynb")
    #expect(notebook.contains("\"name\": \"stderr\""))
  }

  @Test func stopOnNaNFalseTrainsToTheEnd() throws {
    let (_, script) = try helper.notebook(Self.text(", stop_on_nan: false").replacingOccurrences(of: "# %%\n", with: ""))
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == "16 false {step: 15, epoch: 1, loss: nan, lr: 1000000, diverged: true}\nloss: nan\n")
    #expect(outcome.stderr.hasPrefix("warning: \(script):8:5: train: the loss became nan at step 4 (epoch 0); training went on (stop_on_nan: false)\n"))
  }

  @Test func aHistoryThatStaysFiniteHasNoDivergedColumn() throws {
    let text = Self.text("").replacingOccurrences(of: "1e6", with: "0.01")
      .replacingOccurrences(of: "h[0].diverged, ", with: "")
    let (_, script) = try helper.notebook(text.replacingOccurrences(of: "# %%\n", with: ""))
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stderr == "")
    #expect(outcome.stdout.hasPrefix("16 {step: 15, epoch: 1, loss: "))
    #expect(!outcome.stdout.contains("diverged"))
  }

  @Test func maximizeWarnsWhenTheObjectiveBecomesInfinite() throws {
    let (_, script) = try helper.notebook(
      "f = fn(x) { sum(exp(x * 100)) }\nr = maximize(f, init: uniform([2], -1, 1), steps: 5, optimizer: sgd(lr: 1))\n")
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 0)
    #expect(outcome.stderr == "warning: \(script):2:5: maximize: the objective became inf at step 1\n")
  }
}
