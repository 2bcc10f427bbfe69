"""Record every call of an OpenAI or Anthropic client as a LoopGrid decision.

The wrappers are duck-typed: they do not import ``openai`` or ``anthropic``, they wrap any object shaped like
their clients (``client.chat.completions.create(...)``, ``client.messages.create(...)``), sync or async,
streaming or not. Everything else on the client passes through untouched.

What is recorded, in the shape LoopGrid's replays read back (so a recorded call can be replayed live):

* ``prompt``: ``{"messages": [...every message, system first...], "tools": [...]}``
* ``input``: ``{"message": <text of the last user message>}``
* ``model``: ``{"provider": "openai"|"anthropic", "name": <model>, <temperature, max_tokens, ...>}``
* ``output``: ``{"response": <text>, "tool_calls": [{"name", "arguments"}]}`` (as a replay's output)
* ``tool_calls``: ``[{"id", "name", "arguments"}]`` when the model called tools
* ``metadata``: ``latency_ms``, ``tokens`` (``input``/``output``/``total``), ``finish_reason``, ``response_id``, …

Recording never breaks the wrapped call: a failure to record is logged (logger ``loopgrid``) and, with
``buffer=True``, the decision is kept (up to ``max_buffer``) and sent again before the next recording or on
``client.loopgrid.flush()``. The wrapped call's own exceptions pass through unchanged and record nothing.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import json
import logging
import threading
import time
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from .client import LoopGrid, __version__

logger = logging.getLogger("loopgrid")

# call arguments that are transport settings, not model parameters
_NOT_PARAMETERS = {
    "messages", "model", "tools", "functions", "system", "stream", "stream_options", "extra_headers",
    "extra_query", "extra_body", "timeout", "metadata", "user",
}


class Recorder:
    """Records decisions for a wrapped client; reachable as ``wrapped_client.loopgrid``."""

    def __init__(self, grid: LoopGrid, provider: str, decision_type: str, service_name: Optional[str],
                 prompt: Optional[Dict[str, Any]], metadata: Optional[Dict[str, Any]], buffer: bool,
                 max_buffer: int):
        self.grid = grid
        self.provider = provider
        self.decision_type = decision_type
        self.service_name = service_name
        self.prompt = prompt or {}
        self.metadata = metadata or {}
        self.buffer = buffer
        self._pending: Deque[Dict[str, Any]] = collections.deque(maxlen=max_buffer)
        self._lock = threading.Lock()
        #: the decision recorded last (the API's Decision object), or None
        self.last_decision: Optional[Dict[str, Any]] = None
        #: how many recordings failed (each was logged)
        self.failures = 0

    @property
    def pending(self) -> int:
        """Decisions waiting in the buffer."""
        return len(self._pending)

    def flush(self) -> int:
        """Send buffered decisions again; returns how many were recorded. Never raises."""
        sent = 0
        while True:
            with self._lock:
                if not self._pending:
                    return sent
                payload = self._pending[0]
            try:
                self.last_decision = self.grid.record_decision(**payload)
            except Exception as e:  # still failing: keep it, try again later
                logger.warning("LoopGrid: buffered decision still not recorded (%d pending): %s", self.pending, e)
                return sent
            with self._lock:
                if self._pending and self._pending[0] is payload:
                    self._pending.popleft()
            sent += 1

    def record(self, build: Callable[[], Dict[str, Any]]) -> None:
        """Build the decision and record it; any failure is logged (and buffered), never raised."""
        try:
            payload = build()
        except Exception as e:  # a response shape we do not understand: the call itself succeeded
            self.failures += 1
            logger.warning("LoopGrid: could not read the %s response to record it: %r", self.provider, e)
            return
        if self._pending:
            self.flush()
        try:
            self.last_decision = self.grid.record_decision(**payload)
        except Exception as e:
            self.failures += 1
            if self.buffer:
                with self._lock:
                    self._pending.append(payload)
                logger.warning("LoopGrid: decision not recorded, buffered for retry (%d pending): %s",
                               self.pending, e)
            else:
                logger.warning("LoopGrid: decision not recorded: %s", e)

    def payload(self, call: Dict[str, Any], result: Dict[str, Any], latency_ms: int) -> Dict[str, Any]:
        """The record_decision arguments for one call (``call`` and ``result`` as built by the adapters)."""
        prompt = dict(self.prompt)
        prompt["messages"] = call["messages"]
        if call.get("tools"):
            prompt["tools"] = call["tools"]
        model = {"provider": self.provider, "name": call.get("model") or result.get("model") or "unknown"}
        model.update(call.get("parameters") or {})
        output: Dict[str, Any] = {"response": result.get("text") or ""}
        calls = result.get("tool_calls") or []
        if calls:
            output["tool_calls"] = [{"name": c["name"], "arguments": c["arguments"]} for c in calls]
        metadata: Dict[str, Any] = {"latency_ms": latency_ms}
        tokens = {k: v for k, v in (result.get("tokens") or {}).items() if v is not None}
        if tokens:
            if "total" not in tokens and "input" in tokens and "output" in tokens:
                tokens["total"] = tokens["input"] + tokens["output"]
            metadata["tokens"] = tokens
        for key in ("finish_reason", "response_id", "system_fingerprint", "response_model"):
            if result.get(key) is not None:
                metadata[key] = result[key]
        if call.get("stream"):
            metadata["streamed"] = True
        metadata["recorded_by"] = f"loopgrid-python/{__version__}"
        metadata.update(self.metadata)
        return {
            "decision_type": self.decision_type,
            "input": {"message": _last_user_text(call["messages"])},
            "model": model,
            "output": output,
            "prompt": prompt,
            "tool_calls": calls or None,
            "metadata": metadata,
            "service_name": self.service_name,
        }


# ---------------------------------------------------------------- public API

def wrap_openai(client: Any, grid: LoopGrid, *, decision_type: str = "chat_completion",
                service_name: Optional[str] = None, prompt: Optional[Dict[str, Any]] = None,
                metadata: Optional[Dict[str, Any]] = None, buffer: bool = False, max_buffer: int = 1000) -> Any:
    """Wrap an OpenAI client (sync or async) so that ``chat.completions.create`` calls are recorded.

    ``prompt`` and ``metadata`` are merged into every recorded decision (e.g. ``prompt={"template": "support_v1"}``);
    ``service_name`` overrides the grid's. Returns a proxy; the original client is not modified.
    """
    recorder = Recorder(grid, "openai", decision_type, service_name, prompt, metadata, buffer, max_buffer)
    return _Proxy(client, ("chat", "completions", "create"), _OpenAI, recorder)


def wrap_anthropic(client: Any, grid: LoopGrid, *, decision_type: str = "message",
                   service_name: Optional[str] = None, prompt: Optional[Dict[str, Any]] = None,
                   metadata: Optional[Dict[str, Any]] = None, buffer: bool = False, max_buffer: int = 1000) -> Any:
    """Wrap an Anthropic client (sync or async) so that ``messages.create`` calls are recorded."""
    recorder = Recorder(grid, "anthropic", decision_type, service_name, prompt, metadata, buffer, max_buffer)
    return _Proxy(client, ("messages", "create"), _Anthropic, recorder)


def wrap(client: Any, grid: LoopGrid, **options: Any) -> Any:
    """Wrap an OpenAI- or Anthropic-shaped client, whichever it looks like."""
    chat = getattr(client, "chat", None)
    if chat is not None and hasattr(getattr(chat, "completions", None), "create"):
        return wrap_openai(client, grid, **options)
    if hasattr(getattr(client, "messages", None), "create"):
        return wrap_anthropic(client, grid, **options)
    raise TypeError(f"{type(client).__name__} looks like neither an OpenAI nor an Anthropic client")


# ---------------------------------------------------------------- the proxy

class _Proxy:
    """Stands in for the client (or one of its namespaces) and intercepts one method path."""

    def __init__(self, target: Any, path: Tuple[str, ...], adapter: Any, recorder: Recorder):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_adapter", adapter)
        object.__setattr__(self, "loopgrid", recorder)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name != self._path[0]:
            return value
        if len(self._path) == 1:
            return _intercept(value, self._adapter, self.loopgrid)
        return _Proxy(value, self._path[1:], self._adapter, self.loopgrid)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return f"<LoopGrid-recorded {self._target!r}>"


def _intercept(create: Callable[..., Any], adapter: Any, recorder: Recorder) -> Callable[..., Any]:
    def recorded_create(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        result = create(*args, **kwargs)  # its exceptions are the caller's, untouched
        try:
            if inspect.isawaitable(result):
                return _finish_async(result, kwargs, started, adapter, recorder)
            if kwargs.get("stream"):
                return _Stream(result, kwargs, started, adapter, recorder)
            _record(recorder, adapter, kwargs, lambda: adapter.response(result), started)
        except Exception as e:  # never let recording break the call
            logger.warning("LoopGrid: recording failed: %r", e)
        return result

    recorded_create.__wrapped__ = create  # type: ignore[attr-defined]
    recorded_create.__doc__ = getattr(create, "__doc__", None)
    return recorded_create


async def _finish_async(awaitable: Any, kwargs: Dict[str, Any], started: float, adapter: Any,
                        recorder: Recorder) -> Any:
    result = await awaitable  # its exceptions are the caller's, untouched
    try:
        if kwargs.get("stream"):
            return _AsyncStream(result, kwargs, started, adapter, recorder)
        # the grid client blocks: record off the event loop
        await asyncio.get_running_loop().run_in_executor(
            None, _record, recorder, adapter, kwargs, lambda: adapter.response(result), started)
    except Exception as e:  # never let recording break the call
        logger.warning("LoopGrid: recording failed: %r", e)
    return result


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception:
        return None


def _record(recorder: Recorder, adapter: Any, kwargs: Dict[str, Any], result: Callable[[], Dict[str, Any]],
            started: float) -> None:
    latency_ms = int((time.monotonic() - started) * 1000)
    recorder.record(lambda: recorder.payload(adapter.call(kwargs), result(), latency_ms))


class _Stream:
    """Passes a streamed response through chunk by chunk and records the assembled answer at its end."""

    def __init__(self, stream: Any, kwargs: Dict[str, Any], started: float, adapter: Any, recorder: Recorder):
        self._stream = stream
        self._kwargs = kwargs
        self._started = started
        self._recorder = recorder
        self._adapter = adapter
        self._acc = adapter.accumulator()
        self._done = False
        self._it: Any = None

    def __iter__(self) -> "_Stream":
        return self

    def __next__(self) -> Any:
        if self._it is None:
            self._it = iter(self._stream)
        try:
            chunk = next(self._it)
        except StopIteration:
            self._finish()
            raise
        _safe(lambda: self._acc.add(chunk))
        return chunk

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            _record(self._recorder, self._adapter, self._kwargs, self._acc.result, self._started)

    def __enter__(self) -> "_Stream":
        if hasattr(self._stream, "__enter__"):
            self._stream.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        if hasattr(self._stream, "__exit__"):
            return self._stream.__exit__(*exc)
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _AsyncStream(_Stream):
    def __aiter__(self) -> "_AsyncStream":
        return self

    async def __anext__(self) -> Any:
        if self._it is None:
            self._it = self._stream.__aiter__()
        try:
            chunk = await self._it.__anext__()
        except StopAsyncIteration:
            if not self._done:
                self._done = True
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, _record, self._recorder, self._adapter, self._kwargs,
                                           self._acc.result, self._started)
            raise
        _safe(lambda: self._acc.add(chunk))
        return chunk

    async def __aenter__(self) -> "_AsyncStream":
        if hasattr(self._stream, "__aenter__"):
            await self._stream.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        if hasattr(self._stream, "__aexit__"):
            return await self._stream.__aexit__(*exc)
        return None


# ---------------------------------------------------------------- provider adapters

class _OpenAI:
    """Chat Completions: ``create(model=…, messages=[…], tools=[…], …)`` → ``choices[0].message``."""

    @staticmethod
    def call(kwargs: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "model": kwargs.get("model"),
            "messages": _plain(kwargs.get("messages") or []),
            "tools": _plain(kwargs.get("tools") or kwargs.get("functions") or []),
            "parameters": _parameters(kwargs),
            "stream": bool(kwargs.get("stream")),
        }

    @staticmethod
    def response(response: Any) -> Dict[str, Any]:
        r = _plain(response)
        choice = (r.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        calls = []
        for c in message.get("tool_calls") or []:
            fn = c.get("function") or {}
            calls.append({"id": c.get("id"), "name": fn.get("name"), "arguments": _arguments(fn.get("arguments"))})
        usage = r.get("usage") or {}
        return {
            "text": _text(message.get("content")),
            "tool_calls": calls,
            "tokens": {"input": usage.get("prompt_tokens"), "output": usage.get("completion_tokens"),
                       "total": usage.get("total_tokens")},
            "finish_reason": choice.get("finish_reason"),
            "response_id": r.get("id"),
            "system_fingerprint": r.get("system_fingerprint"),
            "response_model": r.get("model"),
            "model": r.get("model"),
        }

    class accumulator:
        def __init__(self) -> None:
            self.text: List[str] = []
            self.calls: Dict[int, Dict[str, Any]] = {}
            self.meta: Dict[str, Any] = {}
            self.usage: Dict[str, Any] = {}

        def add(self, chunk: Any) -> None:
            c = _plain(chunk)
            for key in ("id", "model", "system_fingerprint"):
                if c.get(key):
                    self.meta[key] = c[key]
            if c.get("usage"):
                self.usage = c["usage"]
            for choice in c.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    self.text.append(_text(delta["content"]))
                for tc in delta.get("tool_calls") or []:
                    slot = self.calls.setdefault(tc.get("index", 0), {"id": None, "name": "", "arguments": ""})
                    if tc.get("id"):
                        slot["id"] = tc["id"]
                    fn = tc.get("function") or {}
                    slot["name"] += fn.get("name") or ""
                    slot["arguments"] += fn.get("arguments") or ""
                if choice.get("finish_reason"):
                    self.meta["finish_reason"] = choice["finish_reason"]

        def result(self) -> Dict[str, Any]:
            calls = [{"id": s["id"], "name": s["name"], "arguments": _arguments(s["arguments"])}
                     for _, s in sorted(self.calls.items())]
            return {
                "text": "".join(self.text),
                "tool_calls": calls,
                "tokens": {"input": self.usage.get("prompt_tokens"), "output": self.usage.get("completion_tokens"),
                           "total": self.usage.get("total_tokens")},
                "finish_reason": self.meta.get("finish_reason"),
                "response_id": self.meta.get("id"),
                "system_fingerprint": self.meta.get("system_fingerprint"),
                "model": self.meta.get("model"),
            }


class _Anthropic:
    """Messages: ``create(model=…, system=…, messages=[…], max_tokens=…, tools=[…])`` → ``content`` blocks."""

    @staticmethod
    def call(kwargs: Dict[str, Any]) -> Dict[str, Any]:
        messages = _plain(kwargs.get("messages") or [])
        system = kwargs.get("system")
        if system:
            # replays read system instructions as the first message
            messages = [{"role": "system", "content": _text(_plain(system))}] + list(messages)
        return {
            "model": kwargs.get("model"),
            "messages": messages,
            "tools": _plain(kwargs.get("tools") or []),
            "parameters": _parameters(kwargs),
            "stream": bool(kwargs.get("stream")),
        }

    @staticmethod
    def response(response: Any) -> Dict[str, Any]:
        r = _plain(response)
        texts, calls = [], []
        for block in r.get("content") or []:
            if block.get("type") == "text":
                texts.append(block.get("text") or "")
            elif block.get("type") == "tool_use":
                calls.append({"id": block.get("id"), "name": block.get("name"), "arguments": block.get("input") or {}})
        usage = r.get("usage") or {}
        return {
            "text": "".join(texts),
            "tool_calls": calls,
            "tokens": {"input": usage.get("input_tokens"), "output": usage.get("output_tokens")},
            "finish_reason": r.get("stop_reason"),
            "response_id": r.get("id"),
            "response_model": r.get("model"),
            "model": r.get("model"),
        }

    class accumulator:
        def __init__(self) -> None:
            self.blocks: Dict[int, Dict[str, Any]] = {}
            self.meta: Dict[str, Any] = {}
            self.usage: Dict[str, Any] = {}

        def add(self, event: Any) -> None:
            e = _plain(event)
            kind = e.get("type")
            if kind == "message_start":
                m = e.get("message") or {}
                self.meta.update({"id": m.get("id"), "model": m.get("model")})
                self.usage.update(m.get("usage") or {})
            elif kind == "content_block_start":
                b = e.get("content_block") or {}
                self.blocks[e.get("index", 0)] = {"type": b.get("type"), "id": b.get("id"), "name": b.get("name"),
                                                  "text": b.get("text") or "", "json": ""}
            elif kind == "content_block_delta":
                slot = self.blocks.setdefault(e.get("index", 0), {"type": "text", "text": "", "json": ""})
                d = e.get("delta") or {}
                if d.get("type") == "text_delta":
                    slot["text"] += d.get("text") or ""
                elif d.get("type") == "input_json_delta":
                    slot["json"] += d.get("partial_json") or ""
            elif kind == "message_delta":
                d = e.get("delta") or {}
                if d.get("stop_reason"):
                    self.meta["stop_reason"] = d["stop_reason"]
                self.usage.update({k: v for k, v in (e.get("usage") or {}).items() if v is not None})

        def result(self) -> Dict[str, Any]:
            texts, calls = [], []
            for _, b in sorted(self.blocks.items()):
                if b.get("type") == "tool_use":
                    calls.append({"id": b.get("id"), "name": b.get("name"), "arguments": _arguments(b["json"] or "{}")})
                else:
                    texts.append(b.get("text") or "")
            return {
                "text": "".join(texts),
                "tool_calls": calls,
                "tokens": {"input": self.usage.get("input_tokens"), "output": self.usage.get("output_tokens")},
                "finish_reason": self.meta.get("stop_reason"),
                "response_id": self.meta.get("id"),
                "model": self.meta.get("model"),
            }


# ---------------------------------------------------------------- helpers

def _plain(value: Any, depth: int = 0) -> Any:
    """JSON-ready copy of SDK objects (pydantic models, dataclass-like objects, namespaces) and containers."""
    if depth > 40:
        return str(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    for method in ("model_dump", "to_dict", "dict"):
        fn = getattr(value, method, None)
        if callable(fn):
            try:
                return _plain(fn(), depth + 1)
            except Exception:  # not the method we hoped for: try the next way
                pass
    if hasattr(value, "__dict__"):
        return {k: _plain(v, depth + 1) for k, v in vars(value).items() if not k.startswith("_")}
    return str(value)


def _parameters(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    params = {}
    for k, v in kwargs.items():
        if k in _NOT_PARAMETERS or v is None:
            continue
        plain = _plain(v)
        try:
            json.dumps(plain)
        except (TypeError, ValueError):
            continue
        params[k] = plain
    return params


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p if isinstance(p, str) else (p.get("text") or "") if isinstance(p, dict) else ""
                       for p in content)
    return json.dumps(content)


def _last_user_text(messages: List[Any]) -> str:
    for m in reversed(messages or []):
        if isinstance(m, dict) and m.get("role", "user") == "user":
            return _text(m.get("content"))
    return ""


def _arguments(raw: Any) -> Any:
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return _plain(raw) if raw is not None else {}
