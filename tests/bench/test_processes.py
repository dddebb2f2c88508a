"""The benchmark's servers: one whose port another process took first moves to another port, and counts as
started only once its own log says it listens, never on the other process's answer."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from bench.processes import Served


class _Impostor(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"impostor"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


def test_a_server_whose_port_is_taken_moves_to_another_and_answers_itself(tmp_path: Path) -> None:
    impostor = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
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
