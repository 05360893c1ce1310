"""The one place that starts background tasks, and keeps a reference to each.

A task nobody references can be garbage-collected mid-flight (and under qasync a slot that
starts an unreferenced task loses it). ``asyncio.create_task`` is banned elsewhere by ruff.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
    task = asyncio.create_task(coro, name=name)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


def running() -> frozenset[asyncio.Task[Any]]:
    return frozenset(_running)
