#!/usr/bin/python3
"""A scripted Functions host written with grpcio: functape's independent peer.

It is the gRPC server (plaintext, 127.0.0.1, a free port, 2147483647-byte limits) and prints
`listening on 127.0.0.1:PORT` first. With --worker "CMD" it starts the worker as a real host
does (CMD plus both forms of the host arguments, cwd = --app-dir); without it, it waits for a
worker to connect with --worker-id/--request-id (printed on the second line as
`host args: ...`). Then it runs one session: StartStream check, init, [env reload],
functions metadata, loads (a collection when the worker supports it), N invocations with at
most C in flight (round-robin over --function names; --cancel-every K sends an
InvocationCancel after every Kth), a status request, terminate, and
waits for the worker to end its stream (or, with --fail-with CODE:DETAILS, ends the stream
with that status right after the invocations). Its last stdout line is the summary as JSON.

Messages travel as raw bytes through grpcio (no serializer): what --log records is exactly
what crossed the gRPC API. Exit code: 0 the session completed, 1 the worker refused
something (init/load failed, wrong StartStream), 2 bad arguments, 3 timeout or the stream broke.
"""
import argparse
import hashlib
import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc

from host_args import MAX_MESSAGE, host_args
from peer_log import PeerLog
from schema import DEFAULT_PROTO_DIR, EVENT_STREAM_PATH, Schema, kind_of

CLOSE = object()


class Abort:
    """Ends the stream with a non-OK status (and trailing metadata) instead of OK."""

    def __init__(self, spec):
        name, _, self.details = spec.partition(':')
        self.code = grpc.StatusCode[name]
        self.trailers = (('x-host-abort', name.lower()),)


class Refused(Exception):
    """The worker answered, but not as a working worker must (exit 1)."""


class Broken(Exception):
    """The stream ended early or an answer did not come in time (exit 3)."""


class Ended(Broken):
    """The worker's side of the stream ended."""


class Stream:
    """The one accepted EventStream: outgoing queue → grpcio, grpcio → incoming queue."""

    def __init__(self, schema, log):
        self.schema = schema
        self.log = log
        self.outgoing = queue.Queue()
        self.incoming = queue.Queue()
        self.accepted = threading.Event()
        self.done = threading.Event()
        self.peer_end = None  # how the worker ended its side
        self.metadata = {}

    def handler(self, request_iterator, context):
        if self.accepted.is_set():
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, 'this host accepts one stream')
        self.metadata = {k: v for k, v in context.invocation_metadata() if not k.endswith('-bin')}
        self.accepted.set()
        threading.Thread(target=self.read, args=(request_iterator, context), daemon=True).start()
        try:
            while True:
                item = self.outgoing.get()
                if item is CLOSE:
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


class Session:
    def __init__(self, schema, stream, opts, deadline):
        self.schema = schema
        self.stream = stream
        self.opts = opts
        self.deadline = deadline
        self.Status = schema.message('StatusResult')
        self.caps = {}
        self.functions = {}  # name -> function_id
        self.counts = {'invocations': 0, 'succeeded': 0, 'failed': 0, 'cancelled': 0, 'logs': 0,
                       'loadResponses': 0, 'statusResponses': 0, 'envReloads': 0, 'cancelsSent': 0, 'unexpected': 0}
        self.latencies_ms = []
        self.index_of = {}  # invocation_id -> invocation number
        self.answers = []  # per invocation number: what came back (comparable across runs)

    def new(self, request_id=''):
        msg = self.schema.StreamingMessage()
        msg.request_id = request_id
        return msg

    def next(self):
        """The next message from the worker; raises Broken when the stream ended or time is up."""
        left = self.deadline - time.monotonic()
        try:
            raw = self.stream.incoming.get(timeout=max(left, 0.001))
        except queue.Empty:
            raise Broken('timed out waiting for the worker')
        if raw is CLOSE:
            self.stream.incoming.put(CLOSE)
            raise Ended('the worker ended the stream early (%s)' % self.stream.peer_end)
        return self.schema.parse(raw)

    def expect(self, kind):
        """Waits for a message of `kind`; RpcLogs and other messages on the way are counted."""
        while True:
            msg = self.next()
            k = kind_of(msg)
            if k == kind:
                return msg
            self.other(msg, k)

    def other(self, msg, k):
        if k == 'rpc_log':
            self.counts['logs'] += 1
            index = self.index_of.get(msg.rpc_log.invocation_id)
            if index is not None:
                self.answers[index]['logs'] += 1
        else:
            self.counts['unexpected'] += 1

    def run(self, worker_id):
        first = self.next()
        if kind_of(first) != 'start_stream' or first.start_stream.worker_id != worker_id:
            raise Refused('first message is %s with worker_id %r, expected start_stream %r'
                          % (kind_of(first), first.start_stream.worker_id, worker_id))
        self.init()
        if self.opts.env_reload:
            self.env_reload()
        self.index()
        self.load()
        self.invoke()
        if self.opts.fail_with:
            self.stream.outgoing.put(Abort(self.opts.fail_with))
            return
        self.status()
        self.terminate()

    def init(self):
        msg = self.new()
        req = msg.worker_init_request
        req.host_version = '4.1000.0'
        req.capabilities['MultiStream'] = '10'
        req.capabilities['V2Compatable'] = 'true'
        req.log_categories['Host.Function.Console'] = self.schema.enum_value('RpcLog.Level', 'Information')
        req.worker_directory = self.opts.app_dir
        req.function_app_directory = self.opts.app_dir
        self.stream.send(msg)
        resp = self.expect('worker_init_response').worker_init_response
        if resp.result.status != self.Status.Success:
            raise Refused('init failed: %s' % resp.result.exception.message)
        self.caps = dict(resp.capabilities)

    def env_reload(self):
        msg = self.new()
        req = msg.function_environment_reload_request
        req.environment_variables['FUNCTIONS_WORKER_RUNTIME'] = 'python'
        req.environment_variables['AzureWebJobsStorage'] = \
            'DefaultEndpointsProtocol=https;AccountName=pyhost;AccountKey=py-secret-account-key==;EndpointSuffix=core.windows.net'
        req.function_app_directory = self.opts.app_dir
        self.stream.send(msg)
        resp = self.expect('function_environment_reload_response').function_environment_reload_response
        if resp.result.status != self.Status.Success:
            raise Refused('environment reload failed')
        self.counts['envReloads'] += 1

    def index(self):
        msg = self.new()
        msg.functions_metadata_request.function_app_directory = self.opts.app_dir
        self.stream.send(msg)
        resp = self.expect('function_metadata_response').function_metadata_response
        self.metadata = list(resp.function_metadata_results)
        for fn in self.metadata:
            self.functions[fn.name] = fn.function_id or fn.name
        missing = [f for f in self.opts.function if f not in self.functions]
        if missing:
            raise Refused('the worker indexed %s, not %s' % (sorted(self.functions), missing))

    def load(self):
        msg = self.new()
        if 'SupportsLoadResponseCollection' in self.caps:
            for fn in self.metadata:
                req = msg.function_load_request_collection.function_load_requests.add()
                req.function_id = self.functions[fn.name]
                req.metadata.CopyFrom(fn)
            self.stream.send(msg)
            resp = self.expect('function_load_response_collection').function_load_response_collection
            answers = list(resp.function_load_responses)
        else:
            for fn in self.metadata:
                one = self.new()
                one.function_load_request.function_id = self.functions[fn.name]
                one.function_load_request.metadata.CopyFrom(fn)
                self.stream.send(one)
            answers = [self.expect('function_load_response').function_load_response for _ in self.metadata]
        self.counts['loadResponses'] = len(answers)
        failed = [a.function_id for a in answers if a.result.status != self.Status.Success]
        if failed or {a.function_id for a in answers} != set(self.functions.values()):
            raise Refused('loads failed or missing: %s' % failed)

    def invocation(self, i):
        name = self.opts.function[i % len(self.opts.function)]
        msg = self.new()
        req = msg.invocation_request
        req.invocation_id = str(uuid.uuid4())
        req.function_id = self.functions[name]
        binding = req.input_data.add()
        binding.name = 'req'
        http = binding.data.http
        http.method = 'POST'
        http.url = 'http://127.0.0.1:7071/api/%s?name=py%d&ms=%d' % (name, i, self.opts.sleep_ms)
        http.headers['content-type'] = 'text/plain'
        http.headers['x-request-number'] = str(i)
        http.headers['authorization'] = 'Bearer py-secret-token-%d' % i  # real hosts forward these (redaction tests)
        http.query['name'] = 'py%d' % i
        http.query['ms'] = str(self.opts.sleep_ms)
        http.query['count'] = '2'
        body = ('payload %d ' % i).encode('utf-8') * (1 + i % 4)
        if i == 0 and self.opts.big_body_mb:
            body = (b'0123456789abcdef' * 64) * int(self.opts.big_body_mb * 1024)
        http.body.string = body.decode('utf-8')
        if 'RawHttpBodyBytes' in self.caps:
            http.rawBody.bytes = body
        req.trigger_metadata['Query'].json = json.dumps({'name': 'py%d' % i})
        req.trace_context.trace_parent = '00-%s-%s-01' % (uuid.uuid4().hex, uuid.uuid4().hex[:16])
        req.trace_context.attributes['OperationName'] = name
        return msg

    def invoke(self):
        total, limit = self.opts.invocations, max(1, self.opts.concurrency)
        started = {}
        sent = 0
        while sent < total or started:
            while sent < total and len(started) < limit:
                msg = self.invocation(sent)
                started[msg.invocation_request.invocation_id] = time.monotonic()
                self.index_of[msg.invocation_request.invocation_id] = sent
                self.answers.append({'function': self.opts.function[sent % len(self.opts.function)], 'status': None, 'logs': 0})
                self.stream.send(msg)
                every = self.opts.cancel_every
                if every and sent % every == every - 1 and 'HandlesInvocationCancelMessage' in self.caps:
                    cancel = self.new()
                    cancel.invocation_cancel.invocation_id = msg.invocation_request.invocation_id
                    cancel.invocation_cancel.grace_period.seconds = 1
                    self.stream.send(cancel)
                    self.counts['cancelsSent'] += 1
                sent += 1
            msg = self.next()
            k = kind_of(msg)
            if k != 'invocation_response':
                self.other(msg, k)
                continue
            resp = msg.invocation_response
            began = started.pop(resp.invocation_id, None)
            if began is None:
                self.counts['unexpected'] += 1
                continue
            self.latencies_ms.append((time.monotonic() - began) * 1000)
            self.counts['invocations'] += 1
            key = {self.Status.Success: 'succeeded', self.Status.Cancelled: 'cancelled'}.get(resp.result.status, 'failed')
            self.counts[key] += 1
            self.answers[self.index_of[resp.invocation_id]].update(answer_digest(resp))

    def status(self):
        if 'WorkerStatus' not in self.caps:
            return
        request_id = str(uuid.uuid4())
        self.stream.send(self.status_request(request_id))
        while True:
            msg = self.expect('worker_status_response')
            if msg.request_id == request_id:
                self.counts['statusResponses'] += 1
                return
            self.counts['unexpected'] += 1

    def status_request(self, request_id):
        msg = self.new(request_id)
        msg.worker_status_request.SetInParent()
        return msg

    def terminate(self):
        if 'HandlesWorkerTerminateMessage' in self.caps:
            msg = self.new()
            msg.worker_terminate.grace_period.seconds = 5
            self.stream.send(msg)
            while True:  # the worker ends its side (how is in the summary); anything before is counted
                try:
                    msg = self.next()
                except Ended:
                    break
                self.other(msg, kind_of(msg))
        self.stream.outgoing.put(CLOSE)


def answer_digest(resp):
    """What an InvocationResponse answered, minus its invocation id: comparable across runs."""
    return_value = resp.return_value.SerializeToString(deterministic=True)
    return {'status': resp.result.status, 'exception': resp.result.exception.message,
            'returnValue': hashlib.sha256(return_value).hexdigest()[:16] if resp.HasField('return_value') else None,
            'returnBytes': len(return_value), 'outputs': len(resp.output_data)}


def parse(argv):
    p = argparse.ArgumentParser(prog='host.py', description=__doc__.split('\n')[0])
    p.add_argument('--worker', help='worker command line; host args are appended')
    p.add_argument('--worker-id', default=None)
    p.add_argument('--request-id', default=None)
    p.add_argument('--invocations', type=int, default=10)
    p.add_argument('--concurrency', type=int, default=4)
    p.add_argument('--function', default='echo', help='comma-separated function names, used round-robin')
    p.add_argument('--sleep-ms', type=int, default=5)
    p.add_argument('--env-reload', action='store_true')
    p.add_argument('--big-body-mb', type=float, default=0, help='the first invocation carries a body this big')
    p.add_argument('--cancel-every', type=int, default=0,
                   help='cancel every Kth invocation right after sending it (workers that handle cancels)')
    p.add_argument('--fail-with', metavar='CODE:DETAILS',
                   help='after the invocations, end the stream with this status (e.g. INTERNAL:boom) and trailer x-host-abort')
    p.add_argument('--arg-form', choices=('both', 'functions', 'short'), default='both',
                   help='which host-argument form to append to --worker')
    p.add_argument('--app-dir', default=os.getcwd())
    p.add_argument('--log')
    p.add_argument('--timeout', type=float, default=60)
    p.add_argument('--proto-dir', default=DEFAULT_PROTO_DIR)
    opts = p.parse_args(argv)
    opts.function = [f for f in opts.function.split(',') if f]
    opts.worker_id = opts.worker_id or str(uuid.uuid4())
    opts.request_id = opts.request_id or str(uuid.uuid4())
    return opts


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p / 100.0 * len(s)))], 3)


def main(argv):
    opts = parse(argv)
    schema = Schema(opts.proto_dir)
    log = PeerLog(opts.log)
    stream = Stream(schema, log)
    options = [('grpc.max_send_message_length', MAX_MESSAGE), ('grpc.max_receive_message_length', MAX_MESSAGE)]
    server = grpc.server(ThreadPoolExecutor(max_workers=4), options=options)
    handler = grpc.stream_stream_rpc_method_handler(stream.handler, request_deserializer=None, response_serializer=None)
    service, method = EVENT_STREAM_PATH[1:].split('/')
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {method: handler}),))
    port = server.add_insecure_port('127.0.0.1:0')
    server.start()
    args = host_args('127.0.0.1', port, opts.worker_id, opts.request_id)
    if opts.arg_form != 'both':
        short = args.index('--functions-uri')  # the short form (5 flags) comes first
        args = args[short:] if opts.arg_form == 'functions' else args[:short]
    print('listening on 127.0.0.1:%d' % port, flush=True)
    print('host args: %s' % ' '.join(args), flush=True)

    deadline = time.monotonic() + opts.timeout
    worker = None
    if opts.worker:
        worker = subprocess.Popen(shlex.split(opts.worker) + args, cwd=opts.app_dir, stdout=sys.stderr)
        log.note('spawned', argv=shlex.split(opts.worker) + args, pid=worker.pid)

    session = Session(schema, stream, opts, deadline)
    outcome, error = 'completed', ''
    try:
        while not stream.accepted.wait(0.05):  # as a real host, give up when the worker process dies first
            if worker is not None and worker.poll() is not None:
                raise Broken('the worker exited with code %s before connecting' % worker.returncode)
            if time.monotonic() > deadline:
                raise Broken('no worker connected')
        session.run(opts.worker_id)
    except Refused as err:
        outcome, error = 'refused', str(err)
    except Broken as err:
        outcome, error = 'broken', str(err)
    if outcome != 'completed':
        stream.outgoing.put(CLOSE)
    stream.done.wait(max(min(deadline - time.monotonic(), 5), 0.001))

    worker_exit = None
    if worker is not None:
        try:
            worker_exit = worker.wait(timeout=max(min(deadline - time.monotonic(), 10), 0.1))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker_exit = 'killed: %s' % worker.wait()
    server.stop(grace=1).wait()

    summary = {'role': 'host', 'workerId': opts.worker_id, 'outcome': outcome, 'error': error, 'workerEnd': stream.peer_end,
               'workerExit': worker_exit, 'workerCapabilities': sorted(session.caps),
               'functions': sorted(session.functions), 'sent': log.counts['sent'],
               'received': log.counts['received'], 'requestMetadata': stream.metadata,
               'answers': session.answers,
               'latencyMs': {'p50': percentile(session.latencies_ms, 50), 'p99': percentile(session.latencies_ms, 99)},
               **session.counts}
    log.summary(summary)
    log.close()
    print(json.dumps(summary), flush=True)
    if error:
        print('host.py: %s: %s' % (outcome, error), file=sys.stderr)
    return {'completed': 0, 'refused': 1, 'broken': 3}[outcome]


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
