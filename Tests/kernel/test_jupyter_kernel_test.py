"""The jupyter_kernel_test conformance suite against the pgs kernel, every attribute set."""
import unittest

import jupyter_kernel_test  # not `from ... import KernelTests`: pytest would collect the base class


class PGSKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "pgs"
    language_name = "pgs"
    file_extension = ".pgs"

    code_hello_world = 'print("hello, world")'
    # Warnings go to stderr, as they do under `pgs run` (progress is a display, see
    # test_protocol.py).
    code_stderr = 'metric("m", 1e308 * 10)'

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
