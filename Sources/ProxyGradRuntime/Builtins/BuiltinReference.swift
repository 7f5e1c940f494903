/// The reference section of `docs/language.md`, generated from the builtins' own help texts so
/// that documentation and code cannot drift apart (a test compares them).
public enum BuiltinReference {
  public static let groups: [(title: String, builtins: [Builtin])] = [
    ("Values and text", CoreBuiltins.all),
    ("Tensors", TensorBuiltins.all),
    ("Analysis", AnalysisBuiltins.all),
    ("Networks", NetworkBuiltins.all),
    ("Gradient rules, objectives and grad", GradientBuiltins.all),
    ("Outputs and sweeps", OutputBuiltins.all),
    ("Optimizers and maximization settings", OptimizerBuiltins.all),
    ("Activation maximization", MaximizeBuiltins.all),
    ("Data, training and weights", TrainingBuiltins.all),
    ("ONNX models", ONNXBuiltins.all),
    ("Model zoo", ModelZoo.all),
    ("Interpretability", InterpretabilityBuiltins.all),
  ]

  public static let beginMarker = "<!-- builtins:begin (generated from the registry; see BuiltinReferenceTests) -->"
  public static let endMarker = "<!-- builtins:end -->"

  /// Markdown for every builtin: signature, help paragraph and example.
  public static func markdown() -> String {
    var out = beginMarker + "\n"
    for group in groups {
      out += "\n### \(group.title)\n"
      for builtin in group.builtins {
        out += "\n#### `\(builtin.name)`\n\n`\(builtin.signature)`\n\n\(builtin.help)\n\n```\n\(builtin.example)\n```\n"
      }
    }
    return out + "\n" + endMarker
  }
}
