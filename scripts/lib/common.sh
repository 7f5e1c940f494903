# Shared helpers for the scripts. Source it; do not run it.

# Runs a command, hiding SwiftPM's "[n/m] Compiling ..." progress lines and Swift Testing's
# per-test "started" lines, and returns the command's own exit status.
quiet() {
  set +e
  "$@" 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]|^(◇|↳)|^Test Case .* started|Test .* started\.$' || true; }
  local status=${PIPESTATUS[0]}
  set -e
  return "$status"
}
