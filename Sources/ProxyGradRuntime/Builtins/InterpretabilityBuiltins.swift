/// The builtins of interpretability beyond ProxyGrad's own rules: the peers' gradient rules,
/// richer objectives, dataset examples and attribution.
enum InterpretabilityBuiltins {
  static let all: [Builtin] = RuleBuiltins.all + PeerObjectiveBuiltins.all + AttributionBuiltins.all
    + DatasetExampleBuiltins.all + TransformPresetBuiltins.all
}
