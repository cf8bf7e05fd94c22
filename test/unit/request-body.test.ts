import http from 'node:http';
import {once} from 'node:events';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {HttpError} from '../../services/http/http-error.js';
import {expectObject, readJsonBody} from '../../services/http/request-body.js';

let server: http.Server;
let url = '';

beforeAll(async () => {
	server = http.createServer((request, response) => {
		readJsonBody(request, 100)
			.then(value => expectObject(value, 'the body'))
			.then(
				value => response.writeHead(200).end(JSON.stringify(value)),
				(error: unknown) => {
					const status = error instanceof HttpError ? error.status : 500;
					response.writeHead(status).end((error as Error).message);
				},
			);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise(resolve => server.close(resolve));
});

async function post(body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<[number, string]> {
	const response = await fetch(url, {method: 'POST', body, headers, duplex: 'half'});
	return [response.status, await response.text()];
}

describe('the one request-body reader', () => {
	it('returns the JSON object, whatever Content-Type the client declared', async () => {
		expect(await post('{"a":"日本"}')).toEqual([200, '{"a":"日本"}']);
		expect(await post('{"a":1}', {'content-type': 'application/json'})).toEqual([200, '{"a":1}']);
	});

	it('reads an empty body as {}', async () => {
		expect(await post('')).toEqual([200, '{}']);
	});

	it('refuses a declared length over the limit with 413 before reading it', async () => {
		const [status, text] = await post('x'.repeat(101));
		expect(status).toBe(413);
		expect(text).toBe('the request body of 101 bytes is over the limit of 100 bytes');
	});

	it('refuses a chunked body that grows over the limit with 413', async () => {
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(30)));
				controller.close();
			},
		});
		const [status, text] = await post(stream);
		expect(status).toBe(413);
		expect(text).toBe('the request body is over the limit of 100 bytes');
	});

	it('refuses a body that is not JSON with 400 and the parser\'s reason', async () => {
		const [status, text] = await post('{"a":');
		expect(status).toBe(400);
		expect(text).toMatch(/^the request body is not valid JSON: /);
	});

	it('refuses JSON that is not an object with 400 naming what was expected', async () => {
		expect(await post('[1,2]')).toEqual([400, 'the body must be a JSON object']);
	});
});
