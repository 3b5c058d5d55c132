"""What a Python peer saw: one NDJSON line per message that crossed its gRPC API.

Lines: {"event": "sent"|"received", "n": <per-direction index>, "kind": ..., "b64": <the exact
serialized bytes>}, {"event": "note", ...} for what the peer decided, and one final
{"event": "summary", ...}. `sent` is logged when the bytes are handed to grpcio (in the order
grpcio sends them) and `received` when grpcio hands them over, so the two lists are exactly
the peer's side of the stream. Thread-safe; every line is flushed at once so a killed peer
leaves everything up to its death.
"""
import base64
import json
import threading


class PeerLog:
    def __init__(self, path):
        self._file = open(path, 'w', encoding='utf-8') if path else None
        self._lock = threading.Lock()
        self.counts = {'sent': 0, 'received': 0}

    def _write(self, obj):
        if self._file is None:
            return
        line = json.dumps(obj, separators=(',', ':')) + '\n'
        self._file.write(line)
        self._file.flush()

    def message(self, event, data, kind):
        with self._lock:
            n = self.counts[event]
            self.counts[event] = n + 1
            self._write({'event': event, 'n': n, 'kind': kind, 'b64': base64.b64encode(data).decode('ascii')})

    def note(self, what, **fields):
        with self._lock:
            self._write(dict(event='note', what=what, **fields))

    def summary(self, summary):
        with self._lock:
            self._write(dict(event='summary', **summary))

    def close(self):
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
