import {
	defaultQueryLimit,
	isLogKind,
	logRecordProblem,
	maxQueryLimit,
	type LogQuery,
	type LogRecord,
} from '../../../services/logstore/records.js';
import {HttpError} from '../../../services/http/http-error.js';
import {startHttpServer, type RequestContext} from '../shared/http-server.js';
import {expectObject, parseJsonBody, readBody} from '../../../services/http/request-body.js';
import {silentLogger, type Logger} from '../shared/logger.js';
import {FileNonceLog} from '../shared/nonce-log.js';
import {signedRequestChecker, type SignedRequestOptions} from '../shared/signed-requests.js';
import path from 'node:path';
import {SegmentStore} from './segment-store.js';

export interface LogstoreOptions extends SignedRequestOptions {
	host: string;
	/** Serve HTTPS with this certificate and key (PEM): when other hosts reach it. */
	tls?: {cert: string; key: string};
	/** 0 picks a free port. */
	port: number;
	/** Where the segment files live. */
	directory: string;
	maxSegmentBytes?: number;
	/** Segments kept; the oldest beyond it are deleted (see SegmentStore). */
	maxSegments?: number;
	/** Largest append body accepted. */
	maxBodyBytes?: number;
	logger?: Logger;
}

export interface RunningLogstore {
	port: number;
	url: string;
	close(): Promise<void>;
}

export const defaultMaxSegmentBytes = 64 * 1024 * 1024;
export const defaultMaxSegments = 16;
const defaultMaxBodyBytes = 8 * 1024 * 1024;
const maxRecordsPerAppend = 10_000;

/** Serves `POST /append`, `GET /query` and `GET /health` over the segments in `directory`. */
export async function startLogstore(options: LogstoreOptions): Promise<RunningLogstore> {
	const logger = options.logger ?? silentLogger;
	const store = await SegmentStore.open({
		directory: options.directory,
		maxSegmentBytes: options.maxSegmentBytes ?? defaultMaxSegmentBytes,
		maxSegments: options.maxSegments ?? defaultMaxSegments,
		logger,
	});
	const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
	const nonces = new FileNonceLog(path.join(options.directory, 'seen-nonces'));
	const auth = signedRequestChecker('logstore', options, nonces);

	const handle = async ({request, method, path, query}: RequestContext) => {
		if (path === '/append') {
			if (method !== 'POST') throw new HttpError(405, 'use POST /append with {"records": [...]}');
			const signed = await auth.checkHeaders(method, request.url ?? path, request.headers);
			const body = await readBody(request, maxBodyBytes);
			const hostId = await auth.checkBody(signed, body);
			const records = appendedRecords(parseJsonBody(body), hostId);
			await store.append(records);
			return {status: 200, body: {appended: records.length}};
		}
		if (path === '/query') {
			if (method !== 'GET') throw new HttpError(405, 'use GET /query?kind=&host=&from=&to=&limit=&cursor=');
			await auth.checkBody(await auth.checkHeaders(method, request.url ?? path, request.headers), await readBody(request, 0));
			const filter = parseQuery(query);
			try {
				return {status: 200, body: store.query(filter)};
			} catch (error) {
				if (error instanceof RangeError) throw new HttpError(400, error.message);
				throw error;
			}
		}
		throw new HttpError(404, `no such endpoint: ${method} ${path} (logstore has POST /append, GET /query, GET /health)`);
	};

	const server = await startHttpServer({
		host: options.host,
		port: options.port,
		...(options.tls ? {tls: options.tls} : {}),
		logger,
		handle,
		health: () => ({records: store.recordCount, segments: store.segments, members: options.members.count}),
	});
	logger.info(`listening on ${options.tls ? 'https' : 'http'}://${options.host}:${server.port}`);
	return {
		port: server.port,
		url: `${options.tls ? 'https' : 'http'}://${options.host}:${server.port}`,
		close: async () => {
			await server.close();
			nonces.close();
			await store.close();
		},
	};
}

/**
 * The records of an append, each with \`host\` set to the host that signed it (\`host-ID\`): what
 * the sender wrote there is kept as \`source\` when it says something more, never as the host.
 */
function appendedRecords(body: unknown, hostId: number): LogRecord[] {
	const records = expectObject(body, 'the append body')['records'];
	if (!Array.isArray(records)) throw new HttpError(400, 'records must be a list of log records');
	if (records.length > maxRecordsPerAppend) {
		throw new HttpError(413, `at most ${maxRecordsPerAppend} records per append; split the batch`);
	}
	records.forEach((record: unknown, position) => {
		const problem = logRecordProblem(record);
		if (problem !== undefined) throw new HttpError(400, `records[${position}]: ${problem}`);
	});
	return (records as LogRecord[]).map(record => verifiedHost(record, `host-${hostId}`));
}

function parseQuery(params: URLSearchParams): LogQuery & {limit: number} {
	const number = (name: string): number | undefined => {
		const text = params.get(name);
		if (text === null || text === '') return undefined;
		const value = Number(text);
		if (!Number.isFinite(value)) throw new HttpError(400, `${name} must be a number, not "${text}"`);
		return value;
	};
	const kind = params.get('kind') || undefined;
	if (kind !== undefined && !isLogKind(kind)) throw new HttpError(400, `kind must be access, usage or error, not "${kind}"`);
	const limit = number('limit') ?? defaultQueryLimit;
	if (!Number.isInteger(limit) || limit < 1 || limit > maxQueryLimit) {
		throw new HttpError(400, `limit must be a whole number from 1 to ${maxQueryLimit}`);
	}
	const host = params.get('host') || undefined;
	const cursor = params.get('cursor') || undefined;
	const from = number('from');
	const to = number('to');
	return {
		limit,
		...(kind !== undefined ? {kind} : {}),
		...(host !== undefined ? {host} : {}),
		...(cursor !== undefined ? {cursor} : {}),
		...(from !== undefined ? {from} : {}),
		...(to !== undefined ? {to} : {}),
	};
}

function verifiedHost(record: LogRecord, host: string): LogRecord {
	const {source: _claimedSource, ...rest} = record;
	const claimed = record.host;
	return claimed === host ? {...rest, host} : {...rest, host, source: claimed};
}
