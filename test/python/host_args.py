"""The arguments a Functions host appends when it starts a worker (both forms), and their
parsing, which tolerates anything else on the command line (a worker's own flags)."""
from urllib.parse import urlparse

MAX_MESSAGE = 2147483647


def host_args(host, port, worker_id, request_id, max_message=MAX_MESSAGE):
    return ['--host', host, '--port', str(port), '--workerId', worker_id, '--requestId', request_id,
            '--grpcMaxMessageLength', str(max_message),
            '--functions-uri', 'http://%s:%d/' % (host, port), '--functions-worker-id', worker_id,
            '--functions-request-id', request_id, '--functions-grpc-max-message-length', str(max_message)]


def _values(argv):
    """`--name value` and `--name=value` pairs (a flag followed by another flag, or last, is
    True); the last occurrence wins."""
    values = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith('--') and '=' in arg:
            name, value = arg[2:].split('=', 1)
            values[name] = value
        elif arg.startswith('--') and i + 1 < len(argv) and not argv[i + 1].startswith('--'):
            values[arg[2:]] = argv[i + 1]
            i += 1
        elif arg.startswith('--'):
            values[arg[2:]] = True
        i += 1
    return values


def parse_host_args(argv):
    """Returns {host, port, worker_id, request_id, max_message, form} or raises ValueError.

    The `--functions-*` form wins when complete (as modern workers do); otherwise the short
    form is used. `form` says which one was read.
    """
    v = _values(argv)
    if all(k in v for k in ('functions-uri', 'functions-worker-id', 'functions-request-id')):
        uri = urlparse(v['functions-uri'])
        if not uri.hostname or not uri.port:
            raise ValueError('bad --functions-uri %r' % v['functions-uri'])
        return {'host': uri.hostname, 'port': uri.port, 'worker_id': v['functions-worker-id'],
                'request_id': v['functions-request-id'],
                'max_message': int(v.get('functions-grpc-max-message-length', MAX_MESSAGE)), 'form': 'functions'}
    if all(k in v for k in ('host', 'port', 'workerId', 'requestId')):
        return {'host': v['host'], 'port': int(v['port']), 'worker_id': v['workerId'], 'request_id': v['requestId'],
                'max_message': int(v.get('grpcMaxMessageLength', MAX_MESSAGE)), 'form': 'short'}
    raise ValueError('missing host arguments: need --functions-uri/--functions-worker-id/--functions-request-id '
                     'or --host/--port/--workerId/--requestId')
