"""Loopback networking for local servers: a free port, and whether anything answers on one.

Used by lesson 09 (the database server and the Ray cluster) and their tests.
"""

from __future__ import annotations

import socket

__all__ = ["answers", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now (the system picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when something accepts a TCP connection at ``host:port`` within ``timeout`` seconds."""
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ValueError(f"port must be an int between 1 and 65535, got {port!r}")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
