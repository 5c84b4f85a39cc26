"""A small OpenAI-compatible chat-completions server for tests, on 127.0.0.1 and a free port."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeLLM:
    """Answers ``POST /v1/chat/completions`` from a script of replies; records every request.

    Script entries: ``{"json": dict}`` (a verdict as the message content), ``{"content": str}``,
    ``{"status": 500}``, ``{"sleep": seconds, ...}`` (then the rest of the entry), ``{"raw": str}``
    (a body that is not a chat completion). When the script runs out, ``default`` is used.
    """

    def __init__(self) -> None:
        self.script: deque[dict[str, Any]] = deque()
        self.default: dict[str, Any] = {"status": 503}
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                owner.requests.append({"path": self.path, **body})
                owner.headers.append(dict(self.headers))
                step = owner.script.popleft() if owner.script else owner.default
                if "sleep" in step:
                    time.sleep(step["sleep"])
                if "status" in step:
                    self._send(step["status"], b'{"error": "boom"}')
                elif "raw" in step:
                    self._send(200, step["raw"].encode())
                else:
                    content = step.get("content")
                    if content is None:
                        content = json.dumps(step["json"])
                    reply = {"choices": [{"message": {"role": "assistant", "content": content}}]}
                    self._send(200, json.dumps(reply).encode())

            def _send(self, code: int, payload: bytes) -> None:
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
