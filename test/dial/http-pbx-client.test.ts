import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpPbxClient } from '../../nodes/lib/dial/http-pbx-client';
import { DialInputError, PbxHttpError, PbxUnavailableError } from '../../nodes/lib/dial/errors';
import { field } from '../../nodes/lib/ami/message';
import { readSettings } from '../../nodes/lib/settings';
import { VendorHttpServer } from '../../simulator/vendor-http-server';
import { until } from '../helpers/wait';
import { startPbx, type SimulatedPbx } from './pbx-fixture';
import { HOSTILE_INPUTS } from './hostile-inputs';

/** The vendor API on 127.0.0.1 driving the simulated PBX, and a client pointed at it. */
async function withVendorApi(
  run: (api: VendorHttpServer, client: HttpPbxClient, pbx: SimulatedPbx) => Promise<void>,
  auth?: { user: string; password: string },
  clientAuth = auth,
): Promise<void> {
  const pbx = await startPbx();
  const api = await VendorHttpServer.start({ model: pbx.model, auth });
  const settings = readSettings({ httpUrl: `${api.url}/` }, clientAuth ? { httpUser: clientAuth.user, httpPassword: clientAuth.password } : {});
  try {
    await run(api, new HttpPbxClient(settings, { timeoutMs: 2000 }), pbx);
  } finally {
    await api.close();
    await pbx.close();
  }
}

/** A plain HTTP server that records request targets and answers as told. */
async function withServer(handler: http.RequestListener, run: (url: string, targets: string[]) => Promise<void>): Promise<void> {
  const targets: string[] = [];
  const server = http.createServer((req, res) => {
    targets.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

test('dial is GET {httpUrl}/dial?number=…&exten=… and a 2xx is "requested", with the status and body', () => withVendorApi(async (api, client, pbx) => {
  const result = await client.dial({ number: '+420 777 123 456', exten: '101' });
  assert.deepEqual(result, {
    call_id: '', exten: '101', number: '00420777123456', result: 'requested', reason: 'the PBX accepted the request (HTTP 200)', statusCode: 200, response: 'OK',
  });
  assert.equal(api.requests.length, 1);
  assert.equal(api.requests[0].url, '/dial?number=00420777123456&exten=101');
  // The vendor's PBX then rings the phone: an Originate without our ChannelId (Dest-only DialBegin).
  await until(() => pbx.events.some((e) => e.Event === 'OriginateResponse'), 'the simulated PBX to place the call');
  const begin = pbx.events.find((e) => e.Event === 'DialBegin');
  assert.equal(field(begin!, 'Channel'), '');
  assert.match(field(begin!, 'DestChannel'), /^PJSIP\/101-/);
  await pbx.model.whenIdle();
}));

test('values are percent-encoded (# as %23), under the path of httpUrl', () => withServer((_req, res) => res.end(''), async (url, targets) => {
  const client = new HttpPbxClient(readSettings({ httpUrl: `${url}/api/v1` }));
  await client.dial({ number: '*72#', exten: 'desk.1_a-b' });
  await client.dial({ number: '+1 555', exten: '101' });
  assert.deepEqual(targets, ['/api/v1/dial?number=*72%23&exten=desk.1_a-b', '/api/v1/dial?number=001555&exten=101']);
}));

test('basic auth from httpUser/httpPassword reaches the API', () => withVendorApi(async (api, client) => {
  await client.dial({ number: '0612345678', exten: '101' });
  assert.equal(api.requests[0].authorized, true);
}, { user: 'crm', password: 'pa:ss wörd' }));

test('a refused login is an error with status 401 and says permission denied', () => withVendorApi(async (api, client) => {
  await assert.rejects(client.dial({ number: '0612345678', exten: '101' }), (err: unknown) => {
    assert.ok(err instanceof PbxHttpError);
    assert.equal(err.statusCode, 401);
    assert.equal(err.body, 'Unauthorized');
    assert.match(err.message, /answered \/dial with 401 \(permission denied: check httpUser and httpPassword\): Unauthorized/);
    return true;
  });
}, { user: 'crm', password: 'right' }, { user: 'crm', password: 'wrong' }));

test('any non-2xx is an error carrying the status and the body; a JSON body is parsed', () => withVendorApi(async (api, client) => {
  api.answerNext(503, 'PBX overloaded');
  await assert.rejects(client.dial({ number: '0612345678', exten: '101' }), (err: unknown) => err instanceof PbxHttpError && err.statusCode === 503 && err.body === 'PBX overloaded');
  api.answerNext(302, '');
  await assert.rejects(client.hangup({ exten: '101' }), (err: unknown) => err instanceof PbxHttpError && err.statusCode === 302, 'a redirect is not followed');
  api.answerNext(422, '{"error":"unknown extension"}', 'application/json');
  await assert.rejects(client.dial({ number: '0612345678', exten: '999' }), (err: unknown) => err instanceof PbxHttpError && (err.body as { error: string }).error === 'unknown extension');
  api.answerNext(200, '{"queued":true}', 'application/json');
  assert.deepEqual((await client.dial({ number: '0612345678', exten: '101' })).response, { queued: true });
}));

test('hangup is GET {httpUrl}/hangup?exten=…; hungup is null (the API does not say); a call_id is refused', () => withVendorApi(async (api, client, pbx) => {
  pbx.model.setNumber('0612345678', { outcome: 'answer', talkMs: null });
  await client.dial({ number: '0612345678', exten: '101' });
  await until(() => pbx.events.some((e) => e.Event === 'BridgeEnter'), 'the call to be answered');
  assert.deepEqual(await client.hangup({ exten: '101' }), { exten: '101', call_id: '', hungup: null, statusCode: 200, response: 'OK' });
  assert.equal(api.requests[1].url, '/hangup?exten=101');
  await pbx.model.whenIdle();
  await assert.rejects(client.hangup({ exten: '101', callId: '1795491359.1' }), (err: unknown) => err instanceof DialInputError && /by extension only/.test((err as Error).message));
  assert.equal(api.requests.length, 2);
}));

test('hostile inputs never become a request', () => withVendorApi(async (api, client) => {
  for (const input of HOSTILE_INPUTS) await assert.rejects(client.dial({ number: input.number, exten: input.exten }), DialInputError, input.label);
  for (const input of HOSTILE_INPUTS) await assert.rejects(client.hangup({ exten: input.exten === '101' ? '10\r\n1' : input.exten }), DialInputError, input.label);
  assert.equal(api.requests.length, 0);
}));

test('an API that does not answer in time, or not at all, is an error with status 0', async () => {
  await withServer(() => undefined, async (url) => {
    const client = new HttpPbxClient(readSettings({ httpUrl: url }), { timeoutMs: 150 });
    const started = Date.now();
    await assert.rejects(client.dial({ number: '0612345678', exten: '101' }), (err: unknown) => err instanceof PbxHttpError && err.statusCode === 0 && /no answer within 150 ms/.test(err.message));
    assert.ok(Date.now() - started < 1000);
  });
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const client = new HttpPbxClient(readSettings({ httpUrl: `http://127.0.0.1:${port}` }));
  await assert.rejects(client.dial({ number: '0612345678', exten: '101' }), (err: unknown) => err instanceof PbxHttpError && err.statusCode === 0 && /ECONNREFUSED/.test((err as Error).message));
});

test('without an http(s) httpUrl the HTTP transport says what to configure', async () => {
  await assert.rejects(new HttpPbxClient(readSettings({})).dial({ number: '1', exten: '1' }), (err: unknown) => err instanceof PbxUnavailableError && /set httpUrl on the pbx-config/.test((err as Error).message));
  await assert.rejects(new HttpPbxClient(readSettings({ httpUrl: 'ftp://pbx' })).dial({ number: '1', exten: '1' }), /must start with http:\/\/ or https:\/\//);
  await assert.rejects(new HttpPbxClient(readSettings({ httpUrl: 'not a url' })).dial({ number: '1', exten: '1' }), /is not a URL/);
});
