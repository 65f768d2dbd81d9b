"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests (real sockets, real HTTP).

It answers ``/v1/chat/completions`` and ``/v1/completions`` with ``reply(messages_or_prompt)``
and, when ``logprobs`` is requested, with ``top(messages)`` as the first token's
top_logprobs. ``faults`` is a queue of misbehaviours served before normal answers:
``"429"``, ``"500"``, ``"slow"`` (sleeps past the client's timeout), ``"malformed"`` (a body
that is not JSON), ``"drop"`` (closes the connection). Once ``fail_after`` requests have been
answered, every further request gets HTTP 500 (an endpoint that goes down mid-run). If
``top`` returns None the server ignores the logprobs request (as some servers do). Every
request that reaches the handler is counted in ``hits``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def echo_reply(body: dict[str, Any]) -> str:
    if "messages" in body:
        return "echo: " + body["messages"][-1]["content"]
    return " and then" + ("" if body.get("temperature", 0) == 0 else f" #{body.get('seed')}")


def fixed_top(body: dict[str, Any]) -> list[tuple[str, float]]:
    return [("A", -0.25), (" B", -1.6), ("B", -3.0), ("The", -4.0)]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up on purpose (the timeout tests) is expected, not an error."""

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeOpenAI:
    """Start with ``with FakeOpenAI() as srv: srv.base_url``."""

    def __init__(
        self,
        reply: Callable[[dict[str, Any]], str] = echo_reply,
        top: Callable[[dict[str, Any]], list[tuple[str, float]] | None] = fixed_top,
        models: tuple[str, ...] = ("test-model",),
        slow_seconds: float = 1.5,
    ) -> None:
        self.reply, self.top, self.models = reply, top, models
        self.slow_seconds = slow_seconds
        self.faults: list[str] = []
        self.fail_after: int | None = None
        self.hits = 0
        self.auth: list[str | None] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                with srv._lock:
                    srv.hits += 1
                    srv.auth.append(self.headers.get("Authorization"))
                    fault = srv.faults.pop(0) if srv.faults else None
                    if srv.fail_after is not None and srv.hits > srv.fail_after:
                        fault = "500"
                if fault == "429":
                    return self._send(429, {"error": {"message": "rate limited"}},
                                      {"Retry-After": "0.05"})
                if fault == "500":
                    return self._send(500, {"error": {"message": "boom"}})
                if fault == "slow":
                    time.sleep(srv.slow_seconds)
                if fault == "malformed":
                    return self._send(200, b"{\"choices\": [ not json")
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                if body.get("model") not in srv.models:
                    return self._send(404, {"error": {
                        "message": f"The model '{body.get('model')}' does not exist"}})
                if self.path.endswith("/chat/completions"):
                    choice: dict[str, Any] = {
                        "index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": srv.reply(body)},
                    }
                    top = srv.top(body) if body.get("logprobs") else None
                    if top is not None:
                        choice["logprobs"] = {"content": [{
                            "token": top[0][0], "logprob": top[0][1],
                            "top_logprobs": [{"token": t, "logprob": lp} for t, lp in top],
                        }]}
                elif self.path.endswith("/completions"):
                    choice = {"index": 0, "finish_reason": "length", "text": srv.reply(body)}
                else:
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                return self._send(200, {"id": "x", "object": "chat.completion", "choices": [choice],
                                        "usage": {"prompt_tokens": 5, "completion_tokens": 2}})

        return Handler
