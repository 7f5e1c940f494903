"""End-to-end test of the pgs REPL under a real pseudo-terminal (pexpect).

Usage: repl_pty.py PATH_TO_PGS
Exits 0 when every check passes; otherwise prints what was expected and the screen so far.
Covers typing and editing, tab completion, a multi-line block, Ctrl-C at the prompt and
during a long loop, Ctrl-D, and history recalled (Up, Ctrl-R) in a second session.
"""
import os
import re
import sys
import time

import pexpect

from pty_support import check, main, spawn

UP, CTRL_A, CTRL_R, BACKSPACE = "\x1b[A", "\x01", "\x12", "\x7f"


def start(pgs, env, cwd):
    child = spawn(pgs, env, cwd, 120)
    child.expect_exact("pgs> ")
    return child


def result(child, value):
    """Waits for the echo `value` on a line of its own, then for the next prompt."""
    child.expect(r"\r\n" + re.escape(value) + r"\r\n")
    child.expect_exact("pgs> ")


def interrupt(child, running, stopped, what):
    """Sends Ctrl-C after `running` seconds of work; `stopped` must show within 3 s."""
    time.sleep(running)
    sent = time.monotonic()
    child.sendintr()
    child.expect_exact(stopped)
    waited = time.monotonic() - sent
    check(waited < 3.0, f"{what} stopped {waited:.2f} s after Ctrl-C")


def first_session(child):
    # Typing and editing: backspace, then Ctrl-A and insertion at the start of the line.
    child.send("x = 40" + BACKSPACE + "1" + CTRL_A + "my\r")
    child.expect_exact("pgs> ")
    child.send("myx + 1\r")
    result(child, "42")

    # Tab completion of a global, and of a record field after '.'.
    child.send("longname_value = 7\r")
    child.expect_exact("pgs> ")
    child.send("longn\t")
    child.expect_exact("ame_value")  # libedit redraws only what Tab added
    child.send("\r")
    result(child, "7")
    child.send("cfg = {alpha: 3}\r")
    child.expect_exact("pgs> ")
    child.send("cfg.al\t\r")
    result(child, "3")

    # A multi-line block with the continuation prompt.
    child.send("f = fn(a) {\r")
    child.expect_exact("...> ")
    child.send("  a * 2\r")
    child.expect_exact("...> ")
    child.send("}\r")
    child.expect_exact("pgs> ")
    child.send("f(21)\r")
    result(child, "42")

    # Ctrl-C at the prompt clears the line.
    child.send("this is not code")
    time.sleep(0.2)
    child.sendintr()
    child.expect_exact("pgs> ")
    child.send("1 + 1\r")
    result(child, "2")

    # Ctrl-C during a long loop stops it; the session and its variables go on.
    child.send("i = 0\r")
    child.expect_exact("pgs> ")
    child.send("while true { i += 1 }\r")
    interrupt(child, 0.7, "interrupted", "the loop")
    child.expect_exact("pgs> ")
    child.send("i > 0\r")
    result(child, "true")
    child.send("myx\r")
    result(child, "41")

    # Ctrl-C during train stops it; the partial history is assigned and the network kept.
    child.send("data = synthetic(count: 200, classes: 4, size: 8)\r")
    child.expect_exact("pgs> ")
    child.send("net = network(input: [1, 8, 8]) { conv(4, 3, pad: 1); relu(); flatten(); linear(4) }\r")
    child.expect_exact("pgs> ")
    child.send("h = train(net, data.train, epochs: 1000000, batch: 16, seed: 1)\r")
    child.expect_exact("train")  # the progress bar is drawn
    interrupt(child, 0.5, "pgs> ", "train")
    child.send("len(h) > 1 and len(h) < 10000000\r")
    result(child, "true")

    child.send("6 * 7\r")
    result(child, "42")
    # Ctrl-D on an empty line leaves.
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    check(child.exitstatus == 0, f"exit status {child.exitstatus}")


def second_session(child):
    # Up recalls the last line of the first session.
    child.send(UP)
    child.expect_exact("6 * 7")
    child.send("\r")
    result(child, "42")
    # Ctrl-R searches backwards.
    child.send(CTRL_R)
    time.sleep(0.2)
    child.send("1 + 1")
    child.expect_exact("bck:")
    time.sleep(0.3)
    child.send("\r")
    result(child, "2")
    # Ctrl-R finds the whole function block, which runs again as one statement.
    child.send(":reset\r")
    child.expect_exact("pgs> ")
    child.send(CTRL_R)
    time.sleep(0.2)
    child.send("f = fn")
    child.expect_exact("bck:")
    time.sleep(0.3)
    child.send("\r")
    child.expect_exact("pgs> ")
    child.send("f(5)\r")
    result(child, "10")
    child.send(":quit\r")
    child.expect(pexpect.EOF)


def sessions(pgs, root):
    env = dict(os.environ)
    env.update(XDG_STATE_HOME=os.path.join(root, "state"), HOME=root, TERM="xterm",
               EDITRC=os.path.join(root, "no-editrc"), LC_ALL="C.UTF-8")
    first_session(start(pgs, env, root))
    history = os.path.join(root, "state", "pgs", "history")
    with open(history, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    # A multi-line statement is one entry (newlines stored as \\n).
    check("6 * 7" in lines and "f = fn(a) {\\n  a * 2\\n}" in lines, f"history file holds {lines}")
    second_session(start(pgs, env, root))


if __name__ == "__main__":
    sys.exit(main("pgs-repl-pty-", sessions))
