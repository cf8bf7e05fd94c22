import type {IncomingMessage} from 'node:http';
import {HttpError} from './http-error.js';

/*
 * The one request-body reader of ampzero's HTTP servers (logstore, zerodata, ampnode, the hub),
 * so they all refuse alike: 413 over the limit (each server sets its own), 400 a body that is not JSON.
 * Content-Type is not checked: fetch() and curl label a JSON string text/plain or form data.
 */

/** Reads the whole body, refusing more than `limitBytes` with 413 (from Content-Length before reading, when declared). */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
	const declared = Number(request.headers['content-length'] ?? 0);
	if (declared > limitBytes) {
		request.resume();
		throw new HttpError(413, `the request body of ${declared} bytes is over the limit of ${limitBytes} bytes`);
	}
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > limitBytes) {
			request.resume();
			throw new HttpError(413, `the request body is over the limit of ${limitBytes} bytes`);
		}
		chunks.push(chunk);
	}
	return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

/** Parses a JSON body already read; an empty body is `{}`. */
export function parseJsonBody(body: Buffer): unknown {
	if (body.length === 0) return {};
	try {
		return JSON.parse(body.toString('utf8'));
	} catch (error) {
		throw new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`);
	}
}

/** `readBody` then `parseJsonBody`. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
	return parseJsonBody(await readBody(request, limitBytes));
}

/** The body as a JSON object, or 400 naming what was expected. */
export function expectObject(value: unknown, what: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new HttpError(400, `${what} must be a JSON object`);
	}
	return value as Record<string, unknown>;
}
