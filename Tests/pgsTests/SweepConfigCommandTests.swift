import Foundation
import Testing

/// Sweep grouping over a declared seed variable, and slope maps that name a layer that is not
/// an activation.
@Suite struct SweepConfigCommandTests {
  let helper = NotebookCommandTests()

  @Test func summariesAggregateOverTheDeclaredSeedVariable() throws {
    let (folder, script) = try helper.notebook("""
      # %%
      sweep "g": b in [0, 0.5], s in 1...2, seed: "s" {
        record(v: b + s)
      }
      """)
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let summary = try helper.report(folder, "sweeps/g/summary.csv")
    // Means 1.5 and 2, sample std of {1, 2} and {1.5, 2.5}: sqrt(0.5).
    #expect(
      summary == "b,runs,failed,v_mean,v_std,v_n\r\n0,2,0,1.5,0.7071067811865476,2\r\n0.5,2,0,2,0.7071067811865476,2\r\n")
    let svg = try helper.report(folder, "sweeps/g/v.svg")
    #expect(svg.contains("mean ± std over s"))
  }

  @Test func withoutADeclarationAVariableNamedSOnlyGroups() throws {
    let (_, script) = try helper.notebook("sweep b in [0, 0.5], s in 1...2 {\n  record(v: b + s)\n}\n")
    let outcome = try helper.run(["run", script])
    #expect(
      outcome.stdout.contains("summary: 4 runs, 0 failed\n  b  s  runs  failed  v_mean  v_std  v_n\n---  -  ----  ------  ------  -----  ---\n"),
      "\(outcome.stdout)")
  }

  @Test func aSeedOptionNamingNoVariableIsAnError() throws {
    let (_, script) = try helper.notebook("sweep b in [0, 0.5], s in 1...2, seed: \"x\" {\n  record(v: b)\n}\n")
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 65)
    #expect(outcome.stderr.hasPrefix(script + ":1:40: error[E0203]: sweep: seed: names 'x', which is not a sweep variable; variables: b, s\n"))
  }

  static let net = """
    net = network(input: [1, 8, 8], seed: 1) {
      conv(4, 3, pad: 1, name: "feat")
      relu()
      flatten()
      linear(10)
    }

    """

  @Test func aSlopeMapNamingAConvLayerIsAnError() throws {
    let (_, script) = try helper.notebook(
      Self.net + "r = maximize(channel(net.feat, 0), steps: 2, grad: swap({feat: 0.3}))\n")
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 70)
    #expect(
      outcome.stderr.hasPrefix(
        script + ":7:52: error: maximize: grad: 'feat' is a conv layer, not an activation; a slope map names activation layers: relu1\n"),
      "\(outcome.stderr)")
  }

  @Test func aSlopeMapNamingAnActivationRuns() throws {
    let (_, script) = try helper.notebook(
      Self.net + "r = maximize(channel(net.feat, 0), steps: 2, grad: swap({relu1: 0.3}))\nprint(r.steps)\n")
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == "2\n")
  }

  /// The case: an objective on a misspelt layer inside a sweep body.
  @Test func checkFindsAnUnknownLayerInASweepBody() throws {
    let (_, script) = try helper.notebook(
      "# %%\n" + Self.net + "# %%\nsweep b in [0, 0.3] {\n  r = maximize(channel(net.faet, 3), steps: 2, grad: swap(b))\n  record(v: r.value)\n}\n")
    let outcome = try helper.run(["check", script])
    #expect(outcome.status == 65)
    #expect(
      outcome.stderr == """
        \(script):10:28: error[E0206]: network 'net' has no layer 'faet'
        10 |   r = maximize(channel(net.faet, 3), steps: 2, grad: swap(b))
           |                            ^~~~
        note: did you mean 'feat'?
        note: layers of 'net': feat, relu1, flatten1, linear1

        """, "\(outcome.stderr)")
  }

  @Test func checkLeavesNetworksItCannotBuildToTheRun() throws {
    // Built from a variable; assigned twice; shadowed by a function parameter.
    let text = """
      w = 4
      a = network(input: [1, 8, 8]) { conv(w, 3) }
      b = network(input: [1, 8, 8]) { flatten() }
      b = network(input: [1, 8, 8]) { flatten() }
      c = network(input: [1, 8, 8]) { flatten() }
      f = fn(c) { c.anything }
      print(a.nothing, b.nothing, c.input_shape, c["flatten1"])
      """
    let (_, script) = try helper.notebook(text)
    let outcome = try helper.run(["check", script])
    #expect(outcome.status == 0, "\(outcome.stderr)")
  }
}
