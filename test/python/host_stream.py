"""The host's side of EventStream calls over grpcio, as raw bytes (no serializer)."""
import queue
import threading

import grpc

from peer_log import PeerLog
from schema import kind_of

CLOSE = object()


class Abort:
    """Ends the stream with a non-OK status (and trailing metadata) instead of OK."""

    def __init__(self, spec):
        name, _, self.details = spec.partition(':')
        self.code = grpc.StatusCode[name]
        self.trailers = (('x-host-abort', name.lower()),)


class Stream:
    """One accepted EventStream: outgoing queue → grpcio, grpcio → incoming queue, and the
    PeerLog of exactly the bytes that crossed grpcio for this stream."""

    def __init__(self, schema, log, log_path, metadata):
        self.schema = schema
        self.log = log
        self.log_path = log_path
        self.outgoing = queue.Queue()
        self.incoming = queue.Queue()
        self.done = threading.Event()
        self.peer_end = None  # how the worker ended its side
        self.metadata = metadata

    def serve(self, request_iterator, context):
        """The response stream. Sends initial metadata `x-host-initial: python-host` at once and,
        ending with OK, trailing metadata `x-host-trailer: done` (transparency tests check both)."""
        context.send_initial_metadata((('x-host-initial', 'python-host'),))
        threading.Thread(target=self.read, args=(request_iterator, context), daemon=True).start()
        try:
            while True:
                item = self.outgoing.get()
                if item is CLOSE:
                    context.set_trailing_metadata((('x-host-trailer', 'done'),))
                    return
                if isinstance(item, Abort):
                    context.set_trailing_metadata(item.trailers)
                    context.abort(item.code, item.details)
                self.log.message('sent', item, kind_of(self.schema.parse(item)))
                yield item
        finally:
            self.done.set()

    def read(self, request_iterator, context):
        """`peer_end` becomes 'half-close' (the worker ended its side cleanly), 'cancelled' (the
        call died: worker cancelled, connection lost) or 'error: <exception class>'."""
        try:
            for raw in request_iterator:
                try:
                    kind = kind_of(self.schema.parse(raw))
                except Exception:
                    kind = 'undecodable'
                self.log.message('received', raw, kind)
                self.incoming.put(raw)
            self.peer_end = 'half-close' if context.is_active() else 'cancelled'
        except Exception as err:  # the worker cancelled or the connection broke
            self.peer_end = 'error: %s' % type(err).__name__
        self.incoming.put(CLOSE)

    def send(self, msg):
        self.outgoing.put(msg.SerializeToString())


class Acceptor:
    """The server's EventStream handler: each call becomes a Stream handed to `streams`; calls
    beyond `limit` are refused with RESOURCE_EXHAUSTED. Stream n logs to log_path(n)."""

    def __init__(self, schema, limit, log_path):
        self.schema = schema
        self.limit = limit
        self.log_path = log_path
        self.streams = queue.Queue()
        self._lock = threading.Lock()
        self._count = 0

    def handler(self, request_iterator, context):
        with self._lock:
            n = self._count
            self._count += 1
        if n >= self.limit:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, 'this host expects %d stream(s)' % self.limit)
        path = self.log_path(n)
        metadata = {k: v for k, v in context.invocation_metadata() if not k.endswith('-bin')}
        stream = Stream(self.schema, PeerLog(path), path, metadata)
        self.streams.put(stream)
        return stream.serve(request_iterator, context)
