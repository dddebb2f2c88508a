"""The tests' own server starter: a port taken before the server binds it is given up for another."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.serving import Impostor, ServerProcess


def test_a_server_whose_port_is_taken_moves_to_another_and_answers_itself(neo4j_uri: str, tmp_path: Path) -> None:
    """Two test workers may be handed one free port: the server that loses the bind must not take the other's
    health answer for its own (every test of that worker then spoke to the other worker's server)."""
    impostor = ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    taken = impostor.server_address[1]
    process = ServerProcess(neo4j_uri, tmp_path / "server", taken)
    try:
        process.start()
        assert process.port != taken
        answer = httpx.get(f"{process.url}/healthz")
        assert answer.status_code == 200
        assert "impostor" not in answer.text
        assert process.process is not None and process.process.poll() is None
    finally:
        process.stop()
        impostor.shutdown()
        impostor.server_close()
