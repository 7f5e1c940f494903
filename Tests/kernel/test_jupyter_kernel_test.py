"""The jupyter_kernel_test conformance suite against the pgs kernel, every attribute set."""
import unittest

import jupyter_kernel_test  # not `from ... import KernelTests`: pytest would collect the base class

TINY_TRAINING = """d = synthetic(count: 40, classes: 2, size: 4)
n = network(input: [1, 4, 4]) {
  flatten()
  linear(2)
}
h = train(n, d.train, epochs: 1, batch: 8)"""


class PGSKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "pgs"
    language_name = "pgs"
    file_extension = ".pgs"

    code_hello_world = 'print("hello, world")'
    # Progress of train goes to stderr, as it does under `pgs run`.
    code_stderr = TINY_TRAINING

    completion_samples = [
        {"text": "synth", "matches": {"synthetic"}},
        {"text": "fashion_", "matches": {"fashion_mnist"}},
        {"text": "zzz_unknown", "matches": set()},
    ]
    complete_code_samples = ["1", 'print("hello, world")', "x = [1, 2]", "f = fn(x) {\n  x + 1\n}"]
    incomplete_code_samples = ["x = (1 +", "f = fn(x) {", "y = [1,"]
    invalid_code_samples = ["x = )", "1 + + ] 2"]

    code_generate_error = 'y = 1 + "a"'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"ab" + "cd"', "result": '"abcd"'},
    ]
    code_display_data = [
        {"code": "show(zeros([1, 4, 4]))", "mime": "image/png"},
        {"code": "table([{a: 1, b: 2}])", "mime": "text/html"},
        {"code": 'plot([{x: 0, y: 1}, {x: 1, y: 2}], x: "x", y: "y")', "mime": "image/svg+xml"},
    ]
    code_inspect_sample = "maximize"
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 [*] 7"
    # clear_output: the language has no way to clear a cell's outputs, so it is not set.


if __name__ == "__main__":
    unittest.main()
