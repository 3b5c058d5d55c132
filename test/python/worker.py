#!/usr/bin/python3
"""A Functions language worker written with grpcio: functape's independent peer.

Started the way a host starts a worker (host arguments appended, either form), it dials the
host, sends StartStream, and answers what the host sends as functape's reference worker
does: init (with capabilities and worker metadata), functions metadata (worker indexing of
its built-in functions), loads (one by one or as a collection), invocations (concurrently,
with RpcLogs), cancels, status requests (echoing request_id), environment reloads, and
terminate (half-closes its stream once in-flight invocations finish, then exits).

Messages travel as raw bytes through grpcio (no serializer): what is logged is exactly what
crossed the gRPC API. Own flags (before the host arguments): --log FILE (NDJSON, see
peer_log.py), --timeout SECONDS (give up and exit 3), --metadata k=v[,k=v] (request
metadata sent with the call), --compression gzip|deflate (compress what it sends),
--log-per-worker (log to FILE.<worker id>, for one command line started many times),
--die-on-invocation K (exit 70 at once when the Kth InvocationRequest arrives), --greeting WORD
(what `hello` says: a worker that changed one output field), --send-garbage (send bytes that
are not a StreamingMessage right after StartStream), --proto-dir DIR.
Exit code: 0 when the stream ended with status OK, 1 with another status, 2 bad arguments,
3 timeout.
"""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import os
import platform
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc

from host_args import _values, parse_host_args
from peer_log import PeerLog
from schema import DEFAULT_PROTO_DIR, EVENT_STREAM_PATH, Schema, kind_of
from worker_functions import FUNCTIONS, new_cancel_event, run_function

END = object()
CAPABILITIES = {
    'RawHttpBodyBytes': 'true', 'TypedDataCollection': 'true', 'RpcHttpBodyOnly': 'true',
    'RpcHttpTriggerMetadataRemoved': 'true', 'WorkerStatus': 'true', 'SupportsLoadResponseCollection': 'true',
    'HandlesWorkerTerminateMessage': 'true', 'HandlesInvocationCancelMessage': 'true',
}


class Worker:
    def __init__(self, schema, log, conn):
        self.schema = schema
        self.log = log
        self.conn = conn
        self.outgoing = queue.Queue()
        self.pool = ThreadPoolExecutor(max_workers=16)
        self.lock = threading.Lock()
        self.loaded = {}  # function_id -> function name
        self.in_flight = {}  # invocation_id -> cancel event
        self.counts = {'invocations': 0, 'succeeded': 0, 'failed': 0, 'cancelled': 0, 'logs': 0, 'loads': 0,
                       'statusResponses': 0, 'envReloads': 0, 'ignored': 0}
        self.terminated = False
        self.die_on_invocation = 0
        self.greeting = 'Hello'
        self.Status = schema.message('StatusResult')

    def send(self, msg):
        self.outgoing.put(msg.SerializeToString())

    def requests(self):
        """The request stream handed to grpcio; logs each message as grpcio takes it."""
        while True:
            item = self.outgoing.get()
            if item is END:
                self.log.note('half-close')
                return
            try:
                kind = kind_of(self.schema.parse(item))
            except Exception:
                kind = 'undecodable'
            self.log.message('sent', item, kind)
            yield item

    def new(self, request_id=''):
        msg = self.schema.StreamingMessage()
        msg.request_id = request_id
        return msg

    def metadata(self, target):
        target.runtime_name = 'python'
        target.runtime_version = platform.python_version()
        target.worker_version = '1.0.0'
        target.worker_bitness = '64' if sys.maxsize > 2 ** 32 else '32'

    def function_metadata(self, target, name):
        target.name = name
        target.function_id = name
        target.directory = os.getcwd()
        target.script_file = 'worker.py'
        target.entry_point = name
        target.language = 'python'
        trigger = target.bindings['req']
        trigger.type = 'httpTrigger'
        trigger.direction = 0
        out = target.bindings['$return']
        out.type = 'http'
        out.direction = 1
        target.raw_bindings.append('{"type":"httpTrigger","direction":"in","name":"req","methods":["get","post"]}')
        target.raw_bindings.append('{"type":"http","direction":"out","name":"$return"}')
        target.status.status = self.Status.Success

    def handle(self, msg):
        kind = kind_of(msg)
        rid = msg.request_id
        if kind == 'worker_init_request':
            out = self.new(rid)
            r = out.worker_init_response
            r.worker_version = '1.0.0'
            for k, v in CAPABILITIES.items():
                r.capabilities[k] = v
            r.result.status = self.Status.Success
            self.metadata(r.worker_metadata)
            self.send(out)
        elif kind == 'functions_metadata_request':
            out = self.new(rid)
            for name in FUNCTIONS:
                self.function_metadata(out.function_metadata_response.function_metadata_results.add(), name)
            out.function_metadata_response.result.status = self.Status.Success
            self.send(out)
        elif kind == 'function_load_request':
            self.send(self.load(msg.function_load_request, self.new(rid)))
        elif kind == 'function_load_request_collection':
            out = self.new(rid)
            for req in msg.function_load_request_collection.function_load_requests:
                one = self.load(req, self.new(rid))
                out.function_load_response_collection.function_load_responses.add().CopyFrom(one.function_load_response)
            self.send(out)
        elif kind == 'invocation_request':
            cancel = new_cancel_event()
            with self.lock:
                self.in_flight[msg.invocation_request.invocation_id] = cancel
                self.counts['invocations'] += 1
                if self.counts['invocations'] == self.die_on_invocation:
                    self.log.note('dying', invocation=self.counts['invocations'])
                    self.log.close()
                    os._exit(70)  # a worker process that dies mid-invocation: no clean close
            self.pool.submit(self.invoke, msg.invocation_request, rid, cancel)
        elif kind == 'invocation_cancel':
            with self.lock:
                cancel = self.in_flight.get(msg.invocation_cancel.invocation_id)
            if cancel is not None:
                cancel.set()
        elif kind == 'worker_status_request':
            out = self.new(rid)
            out.worker_status_response.SetInParent()
            with self.lock:
                self.counts['statusResponses'] += 1
            self.send(out)
        elif kind == 'function_environment_reload_request':
            out = self.new(rid)
            r = out.function_environment_reload_response
            self.metadata(r.worker_metadata)
            for k, v in CAPABILITIES.items():
                r.capabilities[k] = v
            r.result.status = self.Status.Success
            self.counts['envReloads'] += 1
            self.send(out)
        elif kind == 'worker_terminate':
            self.terminated = True
            grace = msg.worker_terminate.grace_period.seconds + msg.worker_terminate.grace_period.nanos / 1e9
            threading.Thread(target=self.terminate, args=(grace or 5.0,), daemon=True).start()
        else:
            self.counts['ignored'] += 1
            self.log.note('ignored', kind=kind)

    def load(self, req, out):
        r = out.function_load_response
        r.function_id = req.function_id
        name = req.metadata.name
        if name in FUNCTIONS:
            self.loaded[req.function_id] = name
            r.result.status = self.Status.Success
        else:
            r.result.status = self.Status.Failure
            r.result.exception.message = 'no function named %r' % name
        self.counts['loads'] += 1
        return out

    def invoke(self, req, rid, cancel):
        out = self.new(rid)
        resp = out.invocation_response
        resp.invocation_id = req.invocation_id

        def log(level, text):
            m = self.new()
            m.rpc_log.invocation_id = req.invocation_id
            m.rpc_log.category = 'Function.%s.User' % self.loaded.get(req.function_id, '?')
            m.rpc_log.level = level
            m.rpc_log.message = text
            with self.lock:
                self.counts['logs'] += 1
            self.send(m)

        name = self.loaded.get(req.function_id)
        if name is None:
            resp.result.status = self.Status.Failure
            resp.result.exception.message = 'function %s is not loaded' % req.function_id
        else:
            try:
                run_function(name, req, resp, self.schema, log, cancel, self.greeting)
            except Exception as err:  # a function bug must still answer the host
                resp.result.status = self.Status.Failure
                resp.result.exception.message = repr(err)
        key = {self.Status.Success: 'succeeded', self.Status.Cancelled: 'cancelled'}.get(resp.result.status, 'failed')
        with self.lock:
            self.counts[key] += 1
            self.in_flight.pop(req.invocation_id, None)
        self.send(out)

    def terminate(self, grace):
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with self.lock:
                if not self.in_flight:
                    break
            time.sleep(0.01)
        self.outgoing.put(END)


def main(argv):
    own = _values(argv)
    try:
        conn = parse_host_args(argv)
    except ValueError as err:
        print('worker.py: %s' % err, file=sys.stderr)
        return 2
    log_path = own.get('log') or os.environ.get('PY_WORKER_LOG')
    if log_path and '--log-per-worker' in argv:  # one command line for many workers: LOG.<worker id>
        log_path = '%s.%s' % (log_path, conn['worker_id'])
    log = PeerLog(log_path)
    timeout = float(own.get('timeout', '60'))
    schema = Schema(own.get('proto-dir', DEFAULT_PROTO_DIR))
    worker = Worker(schema, log, conn)
    worker.die_on_invocation = int(own.get('die-on-invocation', 0))
    worker.greeting = own.get('greeting', 'Hello')
    log.note('start', pid=os.getpid(), argv=argv, form=conn['form'], cwd=os.getcwd())

    start = worker.new(conn['request_id'])
    start.start_stream.worker_id = conn['worker_id']
    worker.send(start)
    if own.get('send-garbage'):
        # Not a StreamingMessage: field 1 (request_id) claims 2^28 bytes that never come.
        worker.outgoing.put(b'\x0a\x80\x80\x80\x80\x01garbage')

    options = [('grpc.max_send_message_length', conn['max_message']),
               ('grpc.max_receive_message_length', conn['max_message'])]
    result = {}

    def run():
        compression = {'gzip': grpc.Compression.Gzip, 'deflate': grpc.Compression.Deflate}.get(own.get('compression', ''))
        channel = grpc.insecure_channel('%s:%d' % (conn['host'], conn['port']), options=options, compression=compression)
        call = channel.stream_stream(EVENT_STREAM_PATH, request_serializer=None, response_deserializer=None)
        metadata = [tuple(kv.split('=', 1)) for kv in own.get('metadata', '').split(',') if '=' in kv]
        responses = call(worker.requests(), metadata=metadata or None)
        try:
            for raw in responses:
                try:
                    msg = schema.parse(raw)
                    kind = kind_of(msg)
                except Exception as err:
                    log.message('received', raw, 'undecodable')
                    log.note('undecodable', error=repr(err))
                    continue
                log.message('received', raw, kind)
                worker.handle(msg)
            result['code'] = responses.code().name
            result['details'] = responses.details() or ''
            result['trailers'] = dict(responses.trailing_metadata() or ())
            result['initial'] = dict(responses.initial_metadata() or ())
        except grpc.RpcError as err:
            result['code'] = err.code().name
            result['details'] = err.details() or ''
            result['trailers'] = dict(err.trailing_metadata() or ())
            result['initial'] = dict(err.initial_metadata() or ())
        worker.outgoing.put(END)  # the host ended the stream: stop our side too
        channel.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    timed_out = thread.is_alive()
    with worker.lock:
        counts = dict(worker.counts)
    summary = {'role': 'worker', 'form': conn['form'], 'workerId': conn['worker_id'],
               'status': result.get('code', 'TIMEOUT'), 'details': result.get('details', ''),
               'trailers': {k: v for k, v in result.get('trailers', {}).items() if not k.endswith('-bin')},
               'initialMetadata': {k: v for k, v in result.get('initial', {}).items() if not k.endswith('-bin')},
               'terminated': worker.terminated, 'sent': log.counts['sent'], 'received': log.counts['received'],
               **counts}
    log.summary(summary)
    log.close()
    worker.pool.shutdown(wait=False, cancel_futures=True)
    if timed_out:
        print('worker.py: timed out after %ss' % timeout, file=sys.stderr)
        os._exit(3)
    return 0 if result.get('code') == 'OK' else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
