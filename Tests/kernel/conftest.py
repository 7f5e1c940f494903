"""Jupyter state for the kernel tests: a folder of the tests' own, never $HOME.

The environment is set when pytest imports this file, before any test starts a kernel:
JUPYTER_PATH finds the kernelspecs that `pgs kernel install --prefix` writes into the folder,
and Jupyter's data, runtime and config folders live there too. PGS_BIN names the pgs binary
(scripts/test passes the one it built; default .build/debug/pgs).
"""
import atexit
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PGS = os.environ.get("PGS_BIN") or str(ROOT / ".build" / "debug" / "pgs")
STATE = Path(tempfile.mkdtemp(prefix="pgs-jupyter-"))
atexit.register(shutil.rmtree, STATE, ignore_errors=True)

for variable, folder in [
    ("JUPYTER_DATA_DIR", "data"),
    ("JUPYTER_RUNTIME_DIR", "runtime"),
    ("JUPYTER_CONFIG_DIR", "config"),
    ("IPYTHONDIR", "ipython"),
]:
    os.environ[variable] = str(STATE / folder)
KERNELS = STATE / "share" / "jupyter"
os.environ["JUPYTER_PATH"] = str(KERNELS)
os.environ.pop("JUPYTER_PREFER_ENV_PATH", None)

if not os.access(PGS, os.X_OK):
    raise RuntimeError(f"no pgs binary at {PGS}: build it first or set PGS_BIN")

# The kernelspec `pgs` (message interrupts, the installed default) ...
subprocess.run([PGS, "kernel", "install", "--prefix", str(STATE)], check=True, capture_output=True)
# ... and `pgs-signal`, the same kernel interrupted with SIGINT.
_spec = json.loads((KERNELS / "kernels" / "pgs" / "kernel.json").read_text())
_spec["interrupt_mode"] = "signal"
_spec["display_name"] = "ProxyGrad (pgs, signal interrupts)"
(KERNELS / "kernels" / "pgs-signal").mkdir(parents=True, exist_ok=True)
(KERNELS / "kernels" / "pgs-signal" / "kernel.json").write_text(json.dumps(_spec))
