"""What the pseudo-terminal tests of pgs share (repl_pty.py, terminal_pictures_pty.py).

`spawn` starts pgs under a pseudo-terminal and keeps the child; `main` runs a test's checks in a
fresh temporary folder, prints "ok" and returns 0 when every check passes, and otherwise prints
what was expected and the last child's screen so far, and returns 1.
"""
import os
import shutil
import sys
import tempfile

import pexpect

TIMEOUT = 30  # generous: the machine may be loaded

_children = []


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def spawn(pgs, env, cwd, columns):
    """pgs under a 30-line pseudo-terminal `columns` wide, kept so that `main` can show its
    screen on a failure and end it if it is still running."""
    child = pexpect.spawn(pgs, [], env=env, cwd=cwd, encoding="utf-8", timeout=TIMEOUT,
                          dimensions=(30, columns))
    _children.append(child)
    return child


def main(prefix, checks):
    """Runs checks(pgs, root): pgs is the binary named by the first argument, root a fresh
    temporary folder named from `prefix`, removed afterwards."""
    pgs = os.path.abspath(sys.argv[1])
    root = tempfile.mkdtemp(prefix=prefix)
    try:
        checks(pgs, root)
    except (AssertionError, pexpect.ExceptionPexpect) as error:
        screen = _children[-1].before if _children else ""
        print(f"FAILED: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        print(f"output before the failure: {screen!r}")
        return 1
    finally:
        for child in _children:
            if child.isalive():
                child.terminate(force=True)
        shutil.rmtree(root, ignore_errors=True)
    print("ok")
    return 0
