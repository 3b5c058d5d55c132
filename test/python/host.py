#!/usr/bin/python3
"""A scripted Functions host written with grpcio: functape's independent peer.

It is the gRPC server (plaintext, 127.0.0.1, a free port, 2147483647-byte limits) and prints
`listening on 127.0.0.1:PORT` first, then `worker I: WORKER_ID REQUEST_ID` for each of the
--workers it expects (and `host args: ...` for the first). With --worker "CMD" it starts
each worker as a real host does (CMD plus both forms of the host arguments, cwd = --app-dir);
without it, it waits for workers to connect with those ids. Each stream then runs one
session (host_session.py): StartStream check (an id it expects, once), init, [env reload],
functions metadata, loads (a collection when the worker supports it), N invocations with at
most C in flight (round-robin over --function names; --cancel-every K sends an
InvocationCancel after every Kth), a status request, terminate, and waits for the worker to
end its stream (or, with --fail-with CODE:DETAILS, ends the stream with that status right
after the invocations). Its last stdout line is the summary as JSON (`sessions` holds one
entry per stream; with one worker the session's fields are also at the top level).

Messages travel as raw bytes through grpcio (no serializer): what --log records is exactly
what crossed the gRPC API, per stream. Exit code: 0 every session completed, 1 a worker
refused something (init/load failed, wrong StartStream), 2 bad arguments, 3 timeout or a
stream broke.
"""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import argparse
import json
import os
import queue
import shlex
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc

from host_args import MAX_MESSAGE, host_args
from host_session import Broken, Refused, Session, session_summary
from host_stream import CLOSE, Acceptor
from peer_log import PeerLog
from schema import DEFAULT_PROTO_DIR, EVENT_STREAM_PATH, Schema

SEVERITY = {'completed': 0, 'refused': 1, 'broken': 3}
SUMMED = ('invocations', 'succeeded', 'failed', 'cancelled', 'logs', 'loadResponses', 'statusResponses', 'envReloads',
          'cancelsSent', 'unexpected', 'undecodable', 'sent', 'received')


def parse(argv):
    p = argparse.ArgumentParser(prog='host.py', description=__doc__.split('\n')[0])
    p.add_argument('--worker', help='worker command line; host args are appended')
    p.add_argument('--workers', type=int, default=1,
                   help='worker processes (each its own stream and session, run at once); logs go to LOG.0, LOG.1, ... when > 1')
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
    p.add_argument('--die-after', type=int, default=0,
                   help='exit 9 at once (no clean close) once this many invocations were answered')
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


def worker_args(opts, port, worker_id, request_id):
    args = host_args('127.0.0.1', port, worker_id, request_id)
    if opts.arg_form != 'both':
        short = args.index('--functions-uri')  # the short form (5 flags) comes first
        args = args[short:] if opts.arg_form == 'functions' else args[:short]
    return args


class Host:
    """Runs one session per accepted stream, each on its own thread."""

    def __init__(self, schema, opts, ids, deadline):
        self.schema = schema
        self.opts = opts
        self.deadline = deadline
        self.expected = {w for w, _ in ids}
        self.claimed = set()
        self.lock = threading.Lock()
        self.results = []
        self.threads = []

    def claim(self, worker_id):
        with self.lock:
            if worker_id in self.expected and worker_id not in self.claimed:
                self.claimed.add(worker_id)
                return True
            return False

    def start(self, stream):
        session = Session(self.schema, stream, self.opts, self.deadline)
        thread = threading.Thread(target=self.run, args=(session,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def run(self, session):
        outcome, error = 'completed', ''
        try:
            session.run(self.claim)
        except Refused as err:
            outcome, error = 'refused', str(err)
        except Broken as err:
            outcome, error = 'broken', str(err)
        if outcome != 'completed':
            session.stream.outgoing.put(CLOSE)
        session.stream.done.wait(max(min(self.deadline - time.monotonic(), 5), 0.001))
        with self.lock:
            self.results.append((session_summary(session, outcome, error), session.stream))

    def join(self):
        for thread in self.threads:
            thread.join(max(self.deadline - time.monotonic(), 0.001) + 6)


def accept_all(acceptor, host, workers, count, deadline):
    """Starts a session per stream until `count` streams came; raises Broken when time is up
    or started workers died before connecting (as a real host, it notices the process)."""
    accepted = 0
    while accepted < count:
        try:
            host.start(acceptor.streams.get(timeout=0.05))
            accepted += 1
            continue
        except queue.Empty:
            pass
        dead = [p for p in workers if p.poll() is not None]
        if dead and accepted + len(workers) - len(dead) < count:
            raise Broken('%d worker(s) exited (codes %s) before connecting'
                         % (len(dead), ', '.join(str(p.returncode) for p in dead)))
        if time.monotonic() > deadline:
            raise Broken('%d of %d worker(s) connected in time' % (accepted, count))


def main(argv):
    opts = parse(argv)
    schema = Schema(opts.proto_dir)
    count = max(1, opts.workers)
    ids = [(opts.worker_id, opts.request_id)] + [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(count - 1)]
    log_path = (lambda n: opts.log) if count == 1 else (lambda n: '%s.%d' % (opts.log, n) if opts.log else None)
    acceptor = Acceptor(schema, count, log_path)
    options = [('grpc.max_send_message_length', MAX_MESSAGE), ('grpc.max_receive_message_length', MAX_MESSAGE)]
    server = grpc.server(ThreadPoolExecutor(max_workers=2 * count + 2), options=options)
    handler = grpc.stream_stream_rpc_method_handler(acceptor.handler, request_deserializer=None, response_serializer=None)
    service, method = EVENT_STREAM_PATH[1:].split('/')
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {method: handler}),))
    port = server.add_insecure_port('127.0.0.1:0')
    server.start()
    print('listening on 127.0.0.1:%d' % port, flush=True)
    print('host args: %s' % ' '.join(worker_args(opts, port, *ids[0])), flush=True)
    for i, (w, r) in enumerate(ids):
        print('worker %d: %s %s' % (i, w, r), flush=True)

    deadline = time.monotonic() + opts.timeout
    workers = []
    if opts.worker:
        for w, r in ids:
            workers.append(subprocess.Popen(shlex.split(opts.worker) + worker_args(opts, port, w, r),
                                            cwd=opts.app_dir, stdout=sys.stderr))

    host = Host(schema, opts, ids, deadline)
    outcome, error = 'completed', ''
    try:
        accept_all(acceptor, host, workers, count, deadline)
    except Broken as err:
        outcome, error = 'broken', str(err)
    host.join()

    exits = []
    for p in workers:
        try:
            exits.append(p.wait(timeout=max(min(deadline - time.monotonic(), 10), 0.1)))
        except subprocess.TimeoutExpired:
            p.kill()
            exits.append('killed: %s' % p.wait())
    server.stop(grace=1).wait()

    with host.lock:
        done = sorted(host.results, key=lambda r: r[0]['log'] or '')
    sessions = [r[0] for r in done]
    for s in sessions:
        if s['outcome'] != 'completed' and SEVERITY[s['outcome']] > SEVERITY[outcome]:
            outcome, error = s['outcome'], s['error']
    summary = {'role': 'host', 'workerId': ids[0][0], 'workers': count}
    if count == 1 and sessions:
        summary.update(sessions[0])
    else:
        summary.update({k: sum(s[k] for s in sessions) for k in SUMMED})
    summary.update({'outcome': outcome, 'error': error, 'workerExit': (exits[0] if exits else None) if count == 1 else exits,
                    'sessions': sessions})
    # Each stream's log ends with its summary (the whole summary with one worker).
    for session_summary_, stream in done:
        stream.log.summary(summary if count == 1 else session_summary_)
        stream.log.close()
    if count == 1 and not done and opts.log:
        log = PeerLog(opts.log)  # no worker ever connected: the log still says why
        log.summary(summary)
        log.close()
    print(json.dumps(summary), flush=True)
    if error:
        print('host.py: %s: %s' % (outcome, error), file=sys.stderr)
    return SEVERITY[outcome]


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
