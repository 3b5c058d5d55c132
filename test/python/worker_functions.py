"""The Python worker's built-in functions: what each does with an InvocationRequest.

Each function fills an InvocationResponse and may emit RpcLogs first (through `log`), the
way functape's reference worker and real language workers answer: echo (returns the
request body), hello (`?name=`), fail (Failure with an exception), log (`?count=` RpcLogs),
sleep (`?ms=`, cancellable), noop (no output at all).
"""
import threading

FUNCTIONS = ('echo', 'hello', 'fail', 'log', 'sleep', 'noop')


def http_input(req):
    """The first http-typed input binding's RpcHttp, or None."""
    for binding in req.input_data:
        if binding.WhichOneof('rpc_data') == 'data' and binding.data.WhichOneof('data') == 'http':
            return binding.data.http
    return None


def body_bytes(http):
    if http is None:
        return b''
    kind = http.body.WhichOneof('data')
    if kind in ('bytes', 'stream'):
        return getattr(http.body, kind)
    if kind in ('string', 'json'):
        return getattr(http.body, kind).encode('utf-8')
    return b''


def query(http, name, default=''):
    if http is None:
        return default
    return http.query[name] if name in http.query else default


def respond_http(resp, status_code, body):
    http = resp.return_value.http
    http.status_code = str(status_code)
    http.headers['content-type'] = 'text/plain; charset=utf-8'
    http.body.bytes = body


def run_function(name, req, resp, schema, log, cancelled):
    """Fills `resp` (an InvocationResponse) for function `name`. `log(level, text)` emits an
    RpcLog for this invocation; `cancelled` is a threading.Event set by InvocationCancel."""
    status = schema.message('StatusResult')
    http = http_input(req)
    if name == 'echo':
        respond_http(resp, 200, body_bytes(http))
    elif name == 'hello':
        respond_http(resp, 200, ('Hello, %s!' % query(http, 'name', 'world')).encode('utf-8'))
    elif name == 'fail':
        resp.result.status = status.Failure
        resp.result.exception.message = 'fail: this function always fails'
        resp.result.exception.source = 'worker.py'
        resp.result.exception.type = 'Error'
        resp.result.exception.is_user_exception = True
        return
    elif name == 'log':
        count = int(query(http, 'count', '3') or '3')
        for i in range(count):
            log(2, 'log %d of %d' % (i + 1, count))
        respond_http(resp, 200, b'logged %d' % count)
    elif name == 'sleep':
        ms = int(query(http, 'ms', '10') or '10')
        if cancelled.wait(ms / 1000.0):
            resp.result.status = status.Cancelled
            return
        respond_http(resp, 200, b'slept %d' % ms)
    elif name == 'noop':
        pass
    else:
        resp.result.status = status.Failure
        resp.result.exception.message = 'unknown function %s' % name
        return
    resp.result.status = status.Success


def new_cancel_event():
    return threading.Event()
