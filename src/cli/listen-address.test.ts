import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHostPort, isLoopback, parseHostPort } from './listen-address.js';
import { parseByteSize } from './store-options.js';
import { CliError } from './command.js';

test('HOST:PORT parsing, IPv6 in brackets, port 0 only where allowed', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:7071', '--upstream'), { host: '127.0.0.1', port: 7071 });
  assert.deepEqual(parseHostPort('[::1]:0', '--listen', true), { host: '::1', port: 0 });
  assert.deepEqual(parseHostPort('localhost:80', '--upstream'), { host: 'localhost', port: 80 });
  for (const bad of ['127.0.0.1', ':80', '127.0.0.1:', '::1:80', '[nothost]:80', 'h:99999', 'h:-1']) {
    assert.throws(() => parseHostPort(bad, '--upstream'), CliError, bad);
  }
  assert.throws(() => parseHostPort('127.0.0.1:0', '--upstream'), /port must be 1-65535/);
  assert.equal(formatHostPort({ host: '::1', port: 5 }), '[::1]:5');
  assert.equal(formatHostPort({ host: '127.0.0.1', port: 5 }), '127.0.0.1:5');
});

test('loopback addresses', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '::ffff:127.0.0.1', 'LOCALHOST'])
    assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '::ffff:10.0.0.1'])
    assert.ok(!isLoopback(h), h);
});

test('byte sizes', () => {
  assert.equal(parseByteSize('1048576', '--max-db-bytes'), 1048576);
  assert.equal(parseByteSize('64K', '--max-db-bytes'), 65536);
  assert.equal(parseByteSize('500M', '--max-db-bytes'), 500 * 1024 * 1024);
  assert.equal(parseByteSize('2GiB', '--max-db-bytes'), 2 * 1024 ** 3);
  assert.equal(parseByteSize('1.5g', '--max-db-bytes'), 1.5 * 1024 ** 3);
  for (const bad of ['lots', '', '10X', '-5M', '100'])
    assert.throws(() => parseByteSize(bad, '--max-db-bytes'), CliError, bad);
});
