"""End-to-end test of pictures in the REPL under a pseudo-terminal that plays the terminal.

Usage: terminal_pictures_pty.py PATH_TO_PGS
The test answers (or ignores) pgs's graphics query at start-up like kitty, a sixel terminal, a
silent terminal or tmux would, then runs show(...) and plot(...) and checks the escape sequences
drawn and the files written. Exits 0 when every check passes.
"""
import os
import re
import sys
import time

import pexpect

from pty_support import check, main, spawn

KITTY_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
SHOW = 'show(uniform([1, 4, 4], -1, 1, seed: 1), title: "noise")\r'


def start(pgs, root, extra=None, reply=None, expect_query=True):
    env = dict(os.environ)
    env.pop("PGS_GRAPHICS", None)
    env.pop("TMUX", None)
    env.update(XDG_STATE_HOME=os.path.join(root, "state"), HOME=root, TERM="xterm-256color",
               EDITRC=os.path.join(root, "no-editrc"), LC_ALL="C.UTF-8", TERM_PROGRAM="test")
    env.update(extra or {})
    child = spawn(pgs, env, root, 100)
    started = time.monotonic()
    if expect_query:
        child.expect_exact("\x1b[c")
        check(KITTY_QUERY in child.before or "\x1bPtmux;" in child.before,
              f"kitty query before DA1: {child.before!r}")
        if reply is not None:
            child.send(reply)
    child.expect_exact("pgs> ")
    return child, child.before, time.monotonic() - started


def picture_file(text, kind, ext):
    match = re.search(kind + r": (\S+\." + ext + r")\r\n", text)
    check(match is not None, f"{kind} path printed: {text[-300:]!r}")
    path = match.group(1)
    check(os.path.isfile(path), f"{path} exists")
    return path


def show(child):
    child.send(SHOW)
    child.expect(r"image: \S+\.png\r\n")
    text = child.before + child.after
    child.expect_exact("pgs> ")
    return text


def quit(child):
    child.send(":quit\r")
    child.expect(pexpect.EOF)


def terminals(pgs, root):
    # kitty: the terminal answers the graphics query; the PNG goes inline in chunks.
    child, _, _ = start(pgs, root, reply="\x1b_Gi=31;OK\x1b\\\x1b[?62;22c")
    text = show(child)
    check("noise" in text, "title shown")
    check("\x1b_Ga=T,f=100,q=2,m=0;iVBORw0KGgo" in text, f"kitty sequence: {text[:200]!r}")
    path = picture_file(text, "image", "png")
    check(path.startswith(os.path.join(root, "state", "pgs", "pictures")), f"state folder: {path}")
    with open(path, "rb") as handle:
        check(handle.read(8) == b"\x89PNG\r\n\x1a\n", "a PNG file")
    quit(child)

    # sixel: DA1 lists 4; no kitty reply.
    child, _, _ = start(pgs, root, reply="\x1b[?63;1;2;4;6;22c")
    text = show(child)
    check(re.search("\x1bPq\"1;1;\\d+;\\d+#", text) is not None, f"sixel sequence: {text[:120]!r}")
    check(text.count("\x1b\\") >= 1, "sixel string terminated")
    quit(child)

    # A silent terminal: half blocks in true colour after the query's timeout.
    child, _, took = start(pgs, root, reply=None)
    check(took < 5, f"start-up with a silent terminal took {took:.2f} s")
    text = show(child)
    check("\x1b[38;2;" in text and "\x1b[48;2;" in text and "\u2580" in text, f"half blocks: {text[:120]!r}")
    picture_file(text, "image", "png")
    child.send('plot([{s: 1, v: 2}, {s: 2, v: 3}, {s: 3, v: 2.5}], x: "s", y: "v")\r')
    child.expect(r"plot: \S+\.svg\r\n")
    text = child.before + child.after
    child.expect_exact("pgs> ")
    check("\u2580" in text, "plot drawn in half blocks")
    with open(picture_file(text, "plot", "svg"), encoding="utf-8") as handle:
        check("<svg" in handle.read(), "an SVG file")
    quit(child)

    # The setting wins and skips the query: iTerm2 inline images.
    child, before, _ = start(pgs, root, extra={"PGS_GRAPHICS": "iterm2"}, expect_query=False)
    check("\x1b[c" not in before, f"no query with PGS_GRAPHICS set: {before!r}")
    text = show(child)
    check("\x1b]1337;File=inline=1;size=" in text and "\x07" in text, f"iTerm2 sequence: {text[:120]!r}")
    quit(child)

    # Inside tmux the kitty query and the pictures are wrapped for passthrough.
    child, _, _ = start(pgs, root, extra={"TMUX": "/tmp/tmux-1/default,1,0", "TERM": "tmux-256color"},
                        reply="\x1b_Gi=31;OK\x1b\\")
    text = show(child)
    check("\x1bPtmux;\x1b\x1b_Ga=T,f=100" in text, f"wrapped kitty chunk: {text[:120]!r}")
    quit(child)


if __name__ == "__main__":
    sys.exit(main("pgs-pictures-pty-", terminals))
