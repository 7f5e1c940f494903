"""`pgs run --watch` seen in headless Chromium: the page reloads itself after each run, shows
the new outputs, and shows a failed run's error above the last good outputs, marked stale.

Chromium (Debian's package, installed by scripts/setup) is driven over the DevTools protocol
on a pipe (--remote-debugging-pipe), with the standard library only. PGS_BIN names the pgs
binary (scripts/test passes the one it built; default .build/debug/pgs).
"""
import fcntl
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PGS = os.environ.get("PGS_BIN") or str(ROOT / ".build" / "debug" / "pgs")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """Headless Chromium with one page, driven over --remote-debugging-pipe (JSON messages
    ending in NUL: commands on fd 3, answers and events on fd 4)."""

    def __init__(self):
        commands_read, self.commands = os.pipe()
        self.answers, answers_write = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="pgs-watch-chromium-")

        def pipes_on_3_and_4():
            high_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(answers_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=pipes_on_3_and_4)
        os.close(commands_read)
        os.close(answers_write)
        self.next_id = 0
        self.replies = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def _read(self):
        buffer = b""
        while True:
            chunk = os.read(self.answers, 65536)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                reply = json.loads(message)
                if "id" in reply:
                    self.replies.put(reply)

    def call(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reply = self.replies.get(timeout=30)
            if reply["id"] == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
        raise TimeoutError(method)

    def open(self, url):
        self.call("Page.navigate", session=self.session, url=url)

    def state(self):
        """The page's text, and the live banner's text and stale mark (None without a banner)."""
        expression = """JSON.stringify((() => {
            const banner = document.getElementById("pgs-watch-banner");
            return {text: document.body ? document.body.innerText : "",
                    banner: banner ? banner.innerText : null,
                    stale: banner ? banner.dataset.stale : null};
        })())"""
        try:
            result = self.call("Runtime.evaluate", session=self.session, expression=expression,
                               returnByValue=True)
        except RuntimeError:
            return None  # the page is reloading
        value = result.get("result", {}).get("value")
        return json.loads(value) if value else None

    def wait_for(self, condition, what, seconds=60):
        deadline = time.monotonic() + seconds
        state = None
        while time.monotonic() < deadline:
            state = self.state()
            if state and condition(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"the page did not show {what} within {seconds} s; it shows {state}")

    def close(self):
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def notebook(version, second_cell):
    return f'# %%\nprint("{version} version")\nx = 2\nl = [1, 2]\n# %%\n{second_cell}\n'


def save_by_rename(path, text):
    """As editors that write a new file and rename it over the old one."""
    temporary = path.with_name(path.name + ".swp")
    temporary.write_text(text)
    os.replace(temporary, path)


def save_in_place(path, text):
    with open(path, "w") as handle:
        handle.write(text)


@pytest.fixture
def folder(tmp_path):
    return tmp_path


def test_the_page_follows_the_saves(folder):
    assert CHROMIUM, "chromium is not installed (scripts/setup installs it)"
    script = folder / "nb.pgs"
    script.write_text(notebook("first", "print(x * 21)"))
    watch = subprocess.Popen([PGS, "run", "--watch", "nb.pgs"], cwd=folder, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    browser = None
    try:
        url = watch.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        browser = Browser()
        browser.open(url)
        state = browser.wait_for(lambda s: "first version" in s["text"] and "42" in s["text"], "run 1")
        assert state["banner"] is None

        save_by_rename(script, notebook("second", "print(x * 100)"))
        state = browser.wait_for(lambda s: "second version" in s["text"], "run 2 (saved by a rename)")
        assert "200" in state["text"] and "42" not in state["text"]
        assert state["banner"] is None

        # A runtime error: the error on top, the outputs of run 2 below, marked stale.
        save_in_place(script, notebook("third", "print(l[5])"))
        state = browser.wait_for(lambda s: s["banner"] is not None, "the banner of run 3")
        assert state["stale"] == "true"
        assert "Run 3 failed" in state["banner"]
        assert "nb.pgs:6:7: error: index 5 is out of range for a list of 2 items" in state["banner"]
        assert "from run 2" in state["banner"]
        assert "second version" in state["text"] and "200" in state["text"]
        assert "third version" not in state["text"]

        # A syntax error: nothing runs; the same outputs stay, the new error is shown.
        save_in_place(script, notebook("fourth", "print(x *"))
        state = browser.wait_for(lambda s: s["banner"] and "Run 4 failed" in s["banner"], "the banner of run 4")
        assert state["stale"] == "true"
        assert "nb.pgs:6:" in state["banner"] and "error" in state["banner"]
        assert "second version" in state["text"] and "fourth version" not in state["text"]

        # Fixed: the banner goes, the new outputs come.
        save_by_rename(script, notebook("fifth", "print(x * 1000)"))
        state = browser.wait_for(lambda s: "fifth version" in s["text"], "run 5")
        assert state["banner"] is None and "2000" in state["text"]

        # Only the second cell changed: the first is reused from memory, its output restored.
        save_in_place(script, notebook("fifth", "print(x * 7)"))
        state = browser.wait_for(lambda s: "14" in s["text"] and "2000" not in s["text"], "run 6")
        assert state["banner"] is None and "fifth version" in state["text"]

        # The first cell changed again: every cell runs.
        save_by_rename(script, notebook("seventh", "print(x * 3)"))
        state = browser.wait_for(lambda s: "seventh version" in s["text"], "run 7")
        assert state["banner"] is None and "6" in state["text"]
    finally:
        if browser:
            browser.close()
        watch.send_signal(signal.SIGINT)
        try:
            status = watch.wait(timeout=20)
        except subprocess.TimeoutExpired:
            watch.kill()
            raise
    stderr = watch.stderr.read()
    assert status == 130, stderr
    assert "stopped by SIGINT" in stderr
    assert re.search(r"run 3: failed \(exit status 70\); the page keeps the outputs of run 2", stderr), stderr
    assert re.search(r"run 4: failed \(exit status 65\)", stderr), stderr
    # Run 6 alone reused a cell (run 5 changed the first cell, run 7 too).
    assert len(re.findall(r"cache: reused 1 of 2 cells", stderr)) == 1, stderr
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)

    # The files on disk are those of a plain `pgs run` of the same text.
    plain = subprocess.run([PGS, "run", "nb.pgs", "--out", "plain.out"], cwd=folder, capture_output=True)
    assert plain.returncode == 0, plain.stderr
    for name in ["index.html", "nb.ipynb", "metrics.json", "metrics.csv"]:
        assert (folder / "nb.out" / name).read_bytes() == (folder / "plain.out" / name).read_bytes(), name
    assert b"pgs-watch" not in (folder / "nb.out" / "index.html").read_bytes()
