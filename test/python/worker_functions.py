"""The Python worker's built-in functions, answering as functape's reference worker does
(same names, query parameters, bodies and statuses), so either worker satisfies either
host: echo (the request body and content type), hello (`?name=`, greeting word from --greeting), fail (Failure with an
exception, after an Error log), log (`?count=` RpcLogs, default 10), sleep (`?ms=`, default
100, cancellable), big (`?mb=` MiB body, default 1), noop (200, empty body).
"""
import threading

FUNCTIONS = ('echo', 'hello', 'fail', 'log', 'sleep', 'big', 'noop')
LEVELS = (2, 1, 3, 0)  # Information, Debug, Warning, Trace
BIG_PATTERN = b'functape big body 0123456789abcdefghijklmnopqrstuvwxyz\n'


def http_input(req):
    """The first http-typed input binding's RpcHttp, or None."""
    for binding in req.input_data:
        if binding.WhichOneof('rpc_data') == 'data' and binding.data.WhichOneof('data') == 'http':
            return binding.data.http
    return None


def typed_bytes(data):
    kind = data.WhichOneof('data')
    if kind in ('bytes', 'stream'):
        return getattr(data, kind)
    if kind in ('string', 'json'):
        return getattr(data, kind).encode('utf-8')
    return b''


def body_bytes(http):
    """rawBody when the host sent one (RawHttpBodyBytes), else body."""
    if http is None:
        return b''
    return typed_bytes(http.rawBody) if http.HasField('rawBody') else typed_bytes(http.body)


def query(http, name, default=''):
    if http is None:
        return default
    return http.query[name] if name in http.query else default


def number(http, name, default, maximum):
    try:
        n = float(query(http, name, ''))
    except ValueError:
        return default
    return default if n < 0 else min(n, maximum)


def respond_http(resp, body, content_type='text/plain; charset=utf-8'):
    http = resp.return_value.http
    http.status_code = '200'
    http.headers['content-type'] = content_type
    if isinstance(body, str):
        http.body.string = body
    else:
        http.body.bytes = body


def big_body(size):
    reps = size // len(BIG_PATTERN) + 1
    return (BIG_PATTERN * reps)[:size]


def run_function(name, req, resp, schema, log, cancelled, greeting='Hello'):
    """Fills `resp` (an InvocationResponse) for function `name`. `log(level, text)` emits an
    RpcLog for this invocation; `cancelled` is a threading.Event set by InvocationCancel;
    `greeting` is the word `hello` answers with."""
    status = schema.message('StatusResult')
    http = http_input(req)
    if name == 'echo':
        content_type = http.headers.get('content-type', 'application/octet-stream') if http is not None else 'application/octet-stream'
        respond_http(resp, body_bytes(http), content_type)
    elif name == 'hello':
        respond_http(resp, '%s, %s!' % (greeting, query(http, 'name', 'world')))
    elif name == 'fail':
        reason = query(http, 'reason', '')
        message = 'fail was asked to fail' + (': ' + reason if reason else '')
        log(4, "Executed 'fail' (Failed): " + message)
        resp.result.status = status.Failure
        resp.result.exception.message = message
        resp.result.exception.source = 'worker.py'
        resp.result.exception.type = 'FunctapeTestError'
        resp.result.exception.is_user_exception = True
        return
    elif name == 'log':
        count = int(number(http, 'count', 10, 100000))
        for i in range(count):
            log(LEVELS[i % len(LEVELS)], 'log line %d of %d' % (i + 1, count))
        respond_http(resp, 'logged %d lines' % count)
    elif name == 'sleep':
        ms = int(round(number(http, 'ms', 100, 3600000)))
        if cancelled.wait(ms / 1000.0):
            resp.result.status = status.Cancelled
            return
        respond_http(resp, 'slept %d ms' % ms)
    elif name == 'big':
        respond_http(resp, big_body(int(round(number(http, 'mb', 1, 1900) * 1024 * 1024))), 'application/octet-stream')
    elif name == 'noop':
        respond_http(resp, '', 'text/plain')
    else:
        resp.result.status = status.Failure
        resp.result.exception.message = 'unknown function %s' % name
        return
    resp.result.status = status.Success


def new_cancel_event():
    return threading.Event()
