import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startViewHttp, type ViewRequest } from './view-http.js';

function get(url: string, host?: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d;
        if (res.headers['content-type'] === 'text/event-stream' && body.includes('event: tick'))
          res.destroy();
      });
      const done = () => ok({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', fail);
    req.end();
  });
}

test('the viewer server answers only requests with the token and the listen address as Host', async () => {
  const seen: ViewRequest[] = [];
  const server = await startViewHttp({
    listen: { host: '127.0.0.1', port: 0 },
    token: 'secret-token',
    anyHost: false,
    onError: () => undefined,
    handle: (req) => {
      seen.push(req);
      if (req.path === '/events') return { events: (send) => send('tick', '{"n":1}') };
      return { status: 200, type: 'text/plain', body: `hi ${req.query.get('x')}` };
    },
  });
  try {
    const { port } = server.address;
    assert.equal(server.url, `http://127.0.0.1:${port}/?token=secret-token`);
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await get(`${base}/?x=1`)).status, 403);
    assert.equal((await get(`${base}/?x=1&token=secret-tokex`)).status, 403);
    assert.equal((await get(`${base}/?token=secret-token`, `attacker.example:${port}`)).status, 403);
    assert.equal((await get(`${base}/?token=secret-token`, '127.0.0.1:1')).status, 403, 'another port');
    assert.equal(seen.length, 0, 'refused requests never reach the routes');
    assert.deepEqual(await get(`${base}/?token=secret-token&x=2`), {
      status: 200,
      body: 'hi 2',
      type: 'text/plain',
    });
    assert.equal((await get(`${base}/?token=secret-token&x=3`, `localhost:${port}`)).status, 200);
    const events = await get(`${base}/events?token=secret-token`);
    assert.equal(events.type, 'text/event-stream');
    assert.match(events.body, /event: tick\ndata: \{"n":1\}\n\n/);
  } finally {
    await server.close();
  }
});

test('with anyHost (--allow-remote) the Host is not checked, the token still is', async () => {
  const server = await startViewHttp({
    listen: { host: '127.0.0.1', port: 0 },
    token: 't',
    anyHost: true,
    onError: () => undefined,
    handle: () => ({ status: 200, type: 'text/plain', body: 'ok' }),
  });
  try {
    const base = `http://127.0.0.1:${server.address.port}`;
    assert.equal((await get(`${base}/?token=t`, 'my-machine.lan:80')).status, 200);
    assert.equal((await get(`${base}/`, 'my-machine.lan:80')).status, 403);
  } finally {
    await server.close();
  }
});
