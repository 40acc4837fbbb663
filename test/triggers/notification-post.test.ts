import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { postNotification } from '../../src/triggers/notification-post.ts';
import { newSigningSecret, secretProblem, signatureHeaders } from '../../src/triggers/notifications.ts';
import { isPrivateAddress, urlProblem } from '../../src/triggers/webhook-address.ts';

describe('signatures', () => {
  it('are what Standard Webhooks libraries verify, and break with any change', () => {
    const secret = newSigningSecret();
    expect(secretProblem(secret)).toBeUndefined();
    const body = JSON.stringify({ type: 'execution.completed', timestamp: new Date().toISOString(), data: { execution_id: 'exec_1' } });
    const headers = signatureHeaders('whd_1', body, secret);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('exec_1', 'exec_2'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'whd_2' })).toThrow();
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
  });

  it('take secrets in the Standard Webhooks form only', () => {
    for (const bad of ['', 'hunter2', 'whsec_', 'whsec_c2hvcnQ=', `whsec_${'A'.repeat(200)}`, 'whsec_not base64!']) expect(secretProblem(bad), bad).toMatch(/must be "whsec_"/);
  });
});

describe('the address guard', () => {
  it.each([
    ['127.0.0.1', true], ['10.0.0.1', true], ['172.31.255.255', true], ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true],
    ['::1', true], ['::', true], ['fd12::1', true], ['fe80::1', true], ['::ffff:10.0.0.1', true], ['64:ff9b::a00:1', true],
    ['8.8.8.8', false], ['172.32.0.1', false], ['2606:4700::1111', false], ['::ffff:8.8.8.8', false],
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('names what is wrong with a URL', () => {
    expect(urlProblem('https://hooks.example.com/x')).toBeUndefined();
    expect(urlProblem('file:///etc/passwd')).toMatch(/http or https URL, not file:/);
    expect(urlProblem(`https://example.com/${'x'.repeat(2000)}`)).toMatch(/longer than 2000/);
  });
});

describe('a delivery attempt', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/redirect') return void response.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      if (request.url === '/huge') {
        response.writeHead(200);
        return void response.end('x'.repeat(100_000));
      }
      response.writeHead(200).end('fine');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (target: string, allowPrivate: boolean) => postNotification(target, '{}', {}, { timeoutMs: 2000, allowPrivate });

  it('is refused again at delivery time when the host is (or resolves to) a private address, without connecting', async () => {
    expect(await send(`${url}/`, false)).toMatchObject({ outcome: 'refused', statusCode: null, error: expect.stringMatching(/^127\.0\.0\.1, a loopback, private or link-local address/) });
    const port = (server.address() as AddressInfo).port;
    expect(await send(`http://localhost:${port}/`, false)).toMatchObject({ outcome: 'refused', error: expect.stringMatching(/^localhost resolves to 127\.0\.0\.1/) });
    expect(await send(`${url}/`, true)).toMatchObject({ outcome: 'succeeded', statusCode: 200, excerpt: 'fine' });
  });

  it('does not follow redirects, keeps only the start of a long answer, and names an unreachable host', async () => {
    expect(await send(`${url}/redirect`, true)).toMatchObject({ outcome: 'failed', statusCode: 302, error: expect.stringMatching(/^HTTP 302 \(redirects are not followed; .*169\.254\.169\.254/) });
    const huge = await send(`${url}/huge`, true);
    expect(huge).toMatchObject({ outcome: 'succeeded' });
    expect(huge.excerpt).toHaveLength(1024);
    expect(await send('http://127.0.0.1:9/', true)).toMatchObject({ outcome: 'unreachable', error: expect.stringMatching(/^ECONNREFUSED/) });
  });
});
