"""One host session on one EventStream: the scripted conversation a Functions host has
with a worker (see host.py), plus what it observed."""
import hashlib
import json
import os
import queue
import time
import uuid

from host_stream import CLOSE, Abort
from schema import kind_of


class Refused(Exception):
    """The worker answered, but not as a working worker must (exit 1)."""


class Broken(Exception):
    """The stream ended early or an answer did not come in time (exit 3)."""


class Ended(Broken):
    """The worker's side of the stream ended."""


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
                       'loadResponses': 0, 'statusResponses': 0, 'envReloads': 0, 'cancelsSent': 0, 'unexpected': 0, 'undecodable': 0}
        self.latencies_ms = []
        self.worker_id = None
        self.index_of = {}  # invocation_id -> invocation number
        self.answers = []  # per invocation number: what came back (comparable across runs)

    def new(self, request_id=''):
        msg = self.schema.StreamingMessage()
        msg.request_id = request_id
        return msg

    def next(self):
        """The next decodable message from the worker (undecodable ones are counted and skipped);
        raises Broken when the stream ended or time is up."""
        while True:
            left = self.deadline - time.monotonic()
            try:
                raw = self.stream.incoming.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise Broken('timed out waiting for the worker')
            if raw is CLOSE:
                self.stream.incoming.put(CLOSE)
                raise Ended('the worker ended the stream early (%s)' % self.stream.peer_end)
            try:
                return self.schema.parse(raw)
            except Exception:
                self.counts['undecodable'] += 1

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

    def run(self, claim):
        """The whole script. `claim(worker_id)` is true for a worker id this host started (or
        expects) that no other stream has claimed; any other StartStream is refused."""
        first = self.next()
        self.worker_id = first.start_stream.worker_id if kind_of(first) == 'start_stream' else None
        if self.worker_id is None or not claim(self.worker_id):
            raise Refused('first message is %s with worker_id %r, not an expected start_stream'
                          % (kind_of(first), self.worker_id))
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
            if self.opts.die_after and self.counts['invocations'] >= self.opts.die_after:
                self.stream.log.note('dying', invocations=self.counts['invocations'])
                self.stream.log.close()
                os._exit(9)  # a host process that dies mid-session: no clean close
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


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p / 100.0 * len(s)))], 3)


def session_summary(session, outcome, error):
    """Everything one session observed, as plain data."""
    stream = session.stream
    return {'workerId': session.worker_id, 'log': stream.log_path, 'outcome': outcome, 'error': error,
            'workerEnd': stream.peer_end, 'workerCapabilities': sorted(session.caps),
            'functions': sorted(session.functions), 'sent': stream.log.counts['sent'],
            'received': stream.log.counts['received'], 'requestMetadata': stream.metadata,
            'answers': session.answers,
            'latencyMs': {'p50': percentile(session.latencies_ms, 50), 'p99': percentile(session.latencies_ms, 99)},
            **session.counts}
