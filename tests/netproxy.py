"""A TCP proxy in front of the real Redis that a test can cut and restore: Redis keeps its data,
but for a while nobody can reach it (a network blip, not a restart).

While cut, new connections are refused and a connection that sends anything is closed without
forwarding it (as a command that timed out); idle connections stay open, as they would through a
short blip, so a process that did not call Redis meanwhile never notices the outage."""

from __future__ import annotations

import selectors
import socket
import threading


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._clients: set[socket.socket] = set()
        self._blocked = False
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._pump = threading.Thread(target=self._run, daemon=True)
        self._pump.start()
        self.restore()

    # --- control -------------------------------------------------------------------------------
    def restore(self) -> None:
        """Listen again on the same port."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(128)
            listener.setblocking(False)
            self._listener = listener
            self._blocked = False
            self._selector.register(listener, selectors.EVENT_READ, "accept")
        self._wake()

    def cut(self) -> None:
        """Refuse new connections and drop whatever a connected client sends from now on."""
        with self._lock:
            self._blocked = True
            if self._listener is not None:
                self._selector.unregister(self._listener)
                self._listener.close()
                self._listener = None
        self._wake()

    def _close_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
            for pair in pairs:
                self._drop(pair)

    def _drop(self, pair) -> None:
        for s in pair:
            self._clients.discard(s)
            try:
                self._selector.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()

    def close(self) -> None:
        self.cut()
        self._close_all()
        self._stop.set()
        self._wake()
        self._pump.join(timeout=5)

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    # --- pumping ------------------------------------------------------------------------------
    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.5):
                if key.fileobj is self._wake_r:
                    self._wake_r.recv(4096)
                    continue
                with self._lock:
                    if key.data == "accept":
                        self._accept(key.fileobj)
                    else:
                        self._forward(key.fileobj, key.data)

    def _accept(self, listener: socket.socket) -> None:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            client.close()
            return
        for s in (client, upstream):
            s.setblocking(False)
        self._pairs.append((client, upstream))
        self._clients.add(client)
        self._selector.register(client, selectors.EVENT_READ, upstream)
        self._selector.register(upstream, selectors.EVENT_READ, client)

    def _forward(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            data = source.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data and self._blocked and source in self._clients:
            data = b""  # lost on the way: the connection is dropped below
        if data:
            try:
                sink.setblocking(True)
                sink.sendall(data)
                sink.setblocking(False)
                return
            except OSError:
                pass
        for pair in [p for p in self._pairs if source in p]:
            self._pairs.remove(pair)
            self._drop(pair)
