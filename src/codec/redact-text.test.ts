import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactJsonObject, redactUrl } from './redact-text.js';
import { compileGlobs } from './redact-glob.js';

const query = compileGlobs(['code', 'sig', 'access_token']);
const mark = (s: string) => `«m:${s.length}»`;

test('url query values by decoded name; others kept byte for byte', () => {
  assert.equal(
    redactUrl('http://h/p?a=1&code=xyz&b=%20&c#f', query, mark),
    `http://h/p?a=1&code=${encodeURIComponent('«m:3»')}&b=%20&c#f`,
  );
  assert.equal(
    redactUrl('http://h/p?%63ode=abcd', query, mark),
    `http://h/p?%63ode=${encodeURIComponent('«m:4»')}`,
  );
  assert.equal(
    redactUrl('http://h/p?code=a%2Bb', query, mark),
    `http://h/p?code=${encodeURIComponent('«m:3»')}`,
    'marker of the decoded value',
  );
  assert.equal(redactUrl('http://h/p?name=x&code=', query, mark), null, 'empty values stay');
  assert.equal(redactUrl('/relative?sig=s', query, mark), `/relative?sig=${encodeURIComponent('«m:1»')}`);
  assert.equal(redactUrl('http://h/p#code=x', query, mark), null, 'fragment is not a query');
});

test('url userinfo password', () => {
  assert.equal(
    redactUrl('https://user:pa%40ss@h:8/x', query, mark),
    `https://user:${encodeURIComponent('«m:5»')}@h:8/x`,
  );
  assert.equal(redactUrl('https://user@h/x', query, mark), null);
  assert.equal(redactUrl('https://h/x?y=a@b:c', query, mark), null, 'an @ in the query is not userinfo');
});

test('JSON objects of headers or query values', () => {
  const names = compileGlobs(['authorization', 'cookie']);
  assert.equal(
    redactJsonObject('{"Authorization":"b","Host":"h","cookie":["x","y"]}', names, mark),
    '{"Authorization":"«m:1»","Host":"h","cookie":["«m:1»","«m:1»"]}',
  );
  assert.equal(redactJsonObject('{"Host":"h"}', names, mark), null);
  assert.equal(redactJsonObject('not json', names, mark), null);
  assert.equal(redactJsonObject('["authorization"]', names, mark), null);
  assert.equal(
    redactJsonObject('{"\\u0041uthorization":"b"}', names, mark),
    '{"Authorization":"«m:1»"}',
    'escaped keys are seen',
  );
  assert.equal(redactJsonObject('{"note":"authorization", "n": 1}', names, mark), null);
});
