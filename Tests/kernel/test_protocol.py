"""Protocol behaviour the conformance suite does not cover: signatures, interrupts in both
modes, heartbeats while a cell runs, and shutdown."""
import queue
import time

import pytest
from jupyter_client import KernelManager
from jupyter_client.session import Session

TIMEOUT = 30


@pytest.fixture
def kernel(request, tmp_path):
    """A started kernel of the kernelspec named by the test's parameter (default `pgs`), its
    client, and the file its standard error goes to."""
    name = getattr(request, "param", "pgs")
    log = tmp_path / "kernel.stderr"
    manager = KernelManager(kernel_name=name)
    with open(log, "w") as stderr:
        manager.start_kernel(stderr=stderr)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    yield manager, client, log
    client.stop_channels()
    manager.shutdown_kernel(now=False)


def run(client, code, timeout=TIMEOUT):
    """Executes `code`; returns the reply content and the IOPub outputs it caused."""
    msg_id = client.execute(code)
    reply = client.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=timeout)
    outputs = []
    while True:
        message = client.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
        if message["msg_type"] not in ("status", "execute_input"):
            outputs.append(message)
    return reply["content"], outputs


def result_text(outputs):
    return [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]


def test_a_message_signed_with_the_wrong_key_is_dropped(kernel):
    manager, client, log = kernel
    run(client, "marker = 1")
    forged = Session(key=b"not-the-key", username="intruder")
    message = forged.msg("execute_request", content={
        "code": "marker = 666\nprint(\"forged\")", "silent": False, "store_history": True,
        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
    })
    forged.send(client.shell_channel.socket, message)
    with pytest.raises(queue.Empty):
        client.get_shell_msg(timeout=2)
    reply, outputs = run(client, "marker")
    assert reply["status"] == "ok"
    assert result_text(outputs) == ["1"]
    assert "bad signature" in log.read_text()


def test_an_unsigned_message_is_dropped(kernel):
    manager, client, log = kernel
    unsigned = Session(key=b"", username="intruder")
    message = unsigned.msg("execute_request", content={"code": "marker = 2", "silent": False})
    unsigned.send(client.shell_channel.socket, message)
    with pytest.raises(queue.Empty):
        client.get_shell_msg(timeout=2)
    reply, outputs = run(client, "marker = 3\nmarker")
    assert result_text(outputs) == ["3"]


LONG_LOOP = """count = 0
while true {
  count = count + 1
  if count == 10 { print("running") }
}"""


@pytest.mark.parametrize("kernel", ["pgs", "pgs-signal"], indirect=True)
def test_an_interrupt_stops_a_long_loop_and_keeps_the_state(kernel):
    manager, client, log = kernel
    run(client, "kept = [1, 2, 3]")
    msg_id = client.execute(LONG_LOOP)
    # Wait until the loop runs (its first print), then interrupt.
    while True:
        message = client.get_iopub_msg(timeout=TIMEOUT)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            break
    assert client.hb_channel.is_beating()
    started = time.monotonic()
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert time.monotonic() - started < 10
    reply, outputs = run(client, "kept")
    assert result_text(outputs) == ["[1, 2, 3]"], (reply, outputs)
    reply, outputs = run(client, "count > 10")
    assert result_text(outputs) == ["true"]


def test_an_interrupt_stops_maximize(kernel):
    manager, client, log = kernel
    msg_id = client.execute(
        'print("start")\n'
        "r = maximize(fn(x) { sum(x * x) }, init: zeros([64]), steps: 100000000, optimizer: sgd(lr: 0.01))")
    while True:
        message = client.get_iopub_msg(timeout=TIMEOUT)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            break
    time.sleep(0.5)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    reply, outputs = run(client, "6 * 7")
    assert result_text(outputs) == ["42"]


def test_execution_counts_errors_and_silent_requests(kernel):
    manager, client, log = kernel
    first, _ = run(client, "a = 1")
    reply, outputs = run(client, "nosuch + 1")
    assert reply["status"] == "error" and reply["ename"] == "NameError"
    assert [m["msg_type"] for m in outputs] == ["error"]
    assert reply["execution_count"] == first["execution_count"] + 1
    msg_id = client.execute('print("quiet")', silent=True)
    reply = client.get_shell_msg(timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["execution_count"] == first["execution_count"] + 1


def test_shutdown_ends_the_process(kernel):
    manager, client, log = kernel
    client.shutdown()
    reply = client.get_control_msg(timeout=TIMEOUT) if hasattr(client, "get_control_msg") else None
    if reply is not None:
        assert reply["content"]["status"] == "ok"
    deadline = time.monotonic() + 10
    while manager.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not manager.is_alive()


TRAINING = """d = synthetic(count: 512, classes: 4, size: 16, seed: 1)
n = network(input: [1, 16, 16], seed: 1) {
  conv(8, 3, pad: 1)
  relu()
  flatten()
  linear(4)
}
h = train(n, d.train, epochs: 12, batch: 8, seed: 1)
len(h)"""


def test_progress_is_one_display_updated_in_place(kernel):
    manager, client, log = kernel
    reply, outputs = run(client, TRAINING, timeout=120)
    assert reply["status"] == "ok"
    shown = [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")]
    assert shown and shown[0]["msg_type"] == "display_data"
    assert len(shown) >= 2 and all(m["msg_type"] == "update_display_data" for m in shown[1:])
    ids = {m["content"]["transient"]["display_id"] for m in shown}
    assert len(ids) == 1
    texts = [m["content"]["data"]["text/plain"] for m in shown]
    assert all("\r" not in t and "\x1b" not in t for t in texts)
    assert texts[0].startswith("train [")
    assert texts[-1].startswith("train: 768/768 in ")
    assert not [m for m in outputs if m["msg_type"] == "stream"]
    assert result_text(outputs) == ["768"]


def test_a_saved_notebook_keeps_the_final_progress_only(tmp_path):
    import subprocess
    import sys

    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "pgs", "display_name": "PGS", "language": "pgs"}
    notebook.cells = [nbformat.v4.new_code_cell(TRAINING)]
    path = tmp_path / "train.ipynb"
    nbformat.write(notebook, path)
    executed = subprocess.run(
        [sys.executable, "-m", "jupyter", "execute", "--inplace", str(path)],
        capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert executed.returncode == 0, executed.stderr
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data", "execute_result"]
    assert outputs[0].data["text/plain"].startswith("train: 768/768 in ")
