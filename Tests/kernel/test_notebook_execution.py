"""`jupyter execute` re-runs a notebook written by `pgs run` with the pgs kernel (named by the
notebook's metadata.kernelspec), and the outputs match: same types in the same order, same
text. Progress on stderr is left out on both sides (`pgs run` writes it to its stderr)."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from conftest import PGS, ROOT

JUPYTER = [sys.executable, "-m", "jupyter"]


def summary(notebook):
    """Per code cell, its outputs as comparable tuples; consecutive stdout streams merged."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            kind = output.output_type
            if kind == "stream":
                if output.name != "stdout":
                    continue
                if outputs and outputs[-1][0] == "stream":
                    outputs[-1] = ("stream", outputs[-1][1] + output.text)
                else:
                    outputs.append(("stream", output.text))
            elif kind in ("display_data", "execute_result"):
                outputs.append((kind, tuple(sorted(output.data)), output.data["text/plain"]))
            elif kind == "error":
                # `pgs run` counts lines in the script, the kernel in the cell: compare the rest.
                outputs.append((kind, output.ename, re.sub(r"^\d+:\d+: ", "", output.evalue)))
        cells.append(outputs)
    return cells


def run_both(tmp_path, script, *arguments, allow_errors=False):
    source = tmp_path / Path(script).name
    shutil.copy(script, source)
    out = tmp_path / "report"
    result = subprocess.run(
        [PGS, "run", str(source), "--out", str(out), *arguments], capture_output=True, text=True)
    written = out / (source.stem + ".ipynb")
    assert written.exists(), result.stderr
    original = nbformat.read(written, as_version=4)
    assert original.metadata.kernelspec.name == "pgs"
    command = JUPYTER + ["execute", "--output=rerun", str(written)]
    if allow_errors:
        command.insert(len(JUPYTER) + 1, "--allow-errors")
    executed = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert executed.returncode == 0, executed.stderr
    rerun = nbformat.read(out / "rerun.ipynb", as_version=4)
    return original, rerun


def test_every_output_kind_matches_pgs_run(tmp_path):
    original, rerun = run_both(tmp_path, ROOT / "notebooks" / "outputs.pgs", "-p", "steps=5")
    expected, actual = summary(original), summary(rerun)
    # A sweep shows the same summary table and plots in both; the kernel adds a line saying
    # where it wrote the sweep's files, and writes them.
    code = [cell.source for cell in original.cells if cell.cell_type == "code"]
    sweeps = [index for index, source in enumerate(code) if re.search(r"^\s*sweep\b", source, re.M)]
    assert sweeps
    for index in sweeps:
        note = re.compile(r"^sweep (\S+): runs.csv, summary.csv, plots and run folders in (\S+)/\n", re.M)
        streams = [o for o in actual[index] if o[0] == "stream"]
        assert streams and note.search(streams[-1][1]), actual[index]
        folder = Path(note.search(streams[-1][1]).group(2))
        assert (folder / "runs.csv").exists() and (folder / "summary.csv").exists()
        assert folder.is_relative_to(tmp_path / "report")
        actual[index] = [
            ("stream", note.sub("", o[1])) if o[0] == "stream" else o for o in actual[index]]
        actual[index] = [o for o in actual[index] if o != ("stream", "")]
        # An unnamed sweep is `cellNN`: the cell's number in the notebook for `pgs run`
        # (markdown cells count), the execution count in the kernel.
        unnamed = lambda o: o[:-1] + (re.sub(r"sweep cell\d+", "sweep cellNN", o[-1]),)
        expected[index] = [unnamed(o) for o in expected[index]]
        actual[index] = [unnamed(o) for o in actual[index]]
    kinds = {output[0] for cell in expected for output in cell}
    assert {"stream", "display_data", "execute_result"} <= kinds
    mimes = {mime for cell in expected for output in cell if output[0] == "display_data" for mime in output[1]}
    assert {"image/png", "text/html", "image/svg+xml", "text/plain"} <= mimes
    assert actual == expected


def test_an_error_matches_pgs_run(tmp_path):
    original, rerun = run_both(
        tmp_path, Path(__file__).parent / "fixtures" / "error_last.pgs", allow_errors=True)
    expected, actual = summary(original), summary(rerun)
    assert expected[-1][-1][0] == "error"
    assert actual == expected
    # In Jupyter, positions are the cell's own: the bad `+` is on the cell's second line.
    assert rerun.cells[-1].outputs[-1].evalue.startswith("2:7: ")
