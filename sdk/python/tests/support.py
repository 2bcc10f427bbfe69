"""Test support: the local stack to test against, and scripted HTTP servers for what a real one cannot do."""

from __future__ import annotations

import atexit
import json
import os
import re
import socket
import subprocess
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

_REPO = Path(__file__).resolve().parents[3]
_stack_url: Optional[str] = None
_process: Optional[subprocess.Popen] = None


def stack_url() -> str:
    """LOOPGRID_URL (set by the Maven build, which starts the stack in-process), else a stack started here from
    the built jar (``java -jar local/target/loopgrid-local.jar --in-memory --port 0``)."""
    global _stack_url, _process
    if _stack_url:
        return _stack_url
    url = os.environ.get("LOOPGRID_URL")
    if url:
        _stack_url = url.rstrip("/")
        return _stack_url
    jar = _REPO / "local" / "target" / "loopgrid-local.jar"
    if not jar.exists():
        raise unittest.SkipTest("set LOOPGRID_URL, or build the local stack (mvn -B -q package -DskipTests)")
    _process = subprocess.Popen(["java", "-jar", str(jar), "--in-memory", "--port", "0"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    atexit.register(_process.terminate)
    for line in _process.stdout:  # type: ignore[union-attr]
        m = re.search(r"API:\s+(http://\S+)", line)
        if m:
            _stack_url = m.group(1)
            threading.Thread(target=lambda: [None for _ in _process.stdout], daemon=True).start()  # drain
            return _stack_url
    raise RuntimeError("the local stack did not start")


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


Response = Tuple[int, Dict[str, str], str]


class ScriptedServer:
    """An HTTP server answering each request with ``script(method, path, headers, body)``: a (status, headers,
    body) tuple, "drop" (close without answering) or "hang" (never answer)."""

    def __init__(self, script: Callable[[str, str, Dict[str, str], str], Any]):
        self.requests: List[Dict[str, Any]] = []
        self._release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append({"method": self.command, "path": self.path, "headers": headers, "body": body})
                action = script(self.command, self.path, headers, body)
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "hang":
                    outer._release.wait(30)
                    self.close_connection = True
                    return
                status, extra, text = action
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "ScriptedServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def json_response(status: int, body: Any, **headers: str) -> Response:
    return status, dict(headers), json.dumps(body)


DECISION = {"decision_id": "dec_1", "created_at": "2026-11-23T20:12:00.123Z", "service_name": "s",
            "decision_type": "t", "input": {}, "model": {"provider": "openai", "name": "gpt-4"}, "output": {},
            "status": "recorded", "content_hash": "c" * 64, "chain_hash": "h" * 64}
