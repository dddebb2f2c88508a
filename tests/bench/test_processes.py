"""The benchmark's servers (and the tests'): one whose port another process took first moves to another port, and
counts as started only once its own log says it listens, never on the other process's answer, and its ready path
answers the status asked."""

from __future__ import annotations

import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from bench.processes import ProcessFailed, Served, free_port
from tests.serving import Impostor


def test_a_server_whose_port_is_taken_moves_to_another_and_answers_itself(tmp_path: Path) -> None:
    impostor = ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    taken = impostor.server_address[1]
    (tmp_path / "own.txt").write_text("mine")
    command = [sys.executable, "-m", "http.server", str(taken), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
    served = Served(command, taken, tmp_path / "served.log", "/", {"PYTHONUNBUFFERED": "1"}, listening="({url}/)")
    try:
        with served:
            assert served.port != taken
            assert str(served.port) in served.command
            assert httpx.get(f"{served.url}/own.txt").text == "mine"
        assert "Address already in use" in (tmp_path / "served.log").read_text()
    finally:
        impostor.shutdown()
        impostor.server_close()


def test_a_server_counts_as_started_only_once_its_ready_path_answers_the_status_asked(tmp_path: Path) -> None:
    (tmp_path / "ready.txt").write_text("yes")
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
    env = {"PYTHONUNBUFFERED": "1"}
    with Served(command, port, tmp_path / "ready.log", "/ready.txt", env, listening="({url}/)", ready_status=200):
        pass
    missing = Served(command, port, tmp_path / "missing.log", "/missing", env, listening="({url}/)", ready_status=200)
    with pytest.raises(ProcessFailed, match="did not answer within 3 s"):
        missing.start(timeout=3)
    assert missing.process is None
