#!/usr/bin/python3
"""A launcher shim that puts `functape record` between a host and the worker it starts,
without using `functape wrap` (so record and wrap are tested separately).

Usage, as a host's worker command (the host appends its host arguments):
  via_record.py --functape "node bin/functape" --db FILE [--FLAG VALUE]... -- WORKER_CMD [ARGS...]
(flags other than --functape go to record as they are). It reads the host arguments after `--` (either form), starts
`functape record --listen 127.0.0.1:0 --upstream HOST:PORT --db FILE`, waits for its
`listening on HOST:PORT` line, runs the worker with the host and port arguments rewritten to
the proxy (everything else unchanged), then stops record with SIGTERM and exits with the
worker's exit code (4 when record did not start, 5 when it did not stop within 20 s).
"""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import re
import shlex
import signal
import subprocess
import threading

from host_args import parse_host_args


def rewrite(argv, host, port):
    out = list(argv)
    for i, arg in enumerate(out[:-1]):
        if arg == '--host':
            out[i + 1] = host
        elif arg == '--port':
            out[i + 1] = str(port)
        elif arg == '--functions-uri':
            out[i + 1] = 'http://%s:%d/' % (host, port)
    return out


def main(argv):
    if '--' not in argv:
        print('via_record.py: usage: --functape CMD --db FILE -- WORKER...', file=sys.stderr)
        return 2
    sep = argv.index('--')
    own, worker = argv[:sep], argv[sep + 1:]
    opts = dict(zip(own[0::2], own[1::2]))
    functape = shlex.split(opts.pop('--functape'))
    passed = [x for kv in opts.items() for x in kv]  # --db FILE and any other record flag
    conn = parse_host_args(worker)
    record = subprocess.Popen(functape + [
        'record', '--listen', '127.0.0.1:0', '--upstream', '%s:%d' % (conn['host'], conn['port'])] + passed,
        stdout=subprocess.PIPE, text=True)
    listening = None
    for line in record.stdout:
        sys.stderr.write('[record] ' + line)
        m = re.search(r'listening on ([^\s:]+):(\d+)', line)
        if m:
            listening = (m.group(1), int(m.group(2)))
            break
    if listening is None:
        print('via_record.py: record ended without listening (exit %s)' % record.wait(), file=sys.stderr)
        return 4
    threading.Thread(target=lambda: [sys.stderr.write('[record] ' + l) for l in record.stdout], daemon=True).start()
    code = subprocess.call(rewrite(worker, *listening))
    record.send_signal(signal.SIGTERM)
    try:
        record.wait(timeout=20)
    except subprocess.TimeoutExpired:
        record.kill()
        return 5
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
