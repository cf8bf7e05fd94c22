import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {zerodataPaths, type EntityId} from '../../../services/zerodata/types.js';
import {HttpError} from '../../../services/http/http-error.js';
import {startHttpServer, type JsonReply, type RequestContext} from '../shared/http-server.js';
import {parseJsonBody, readBody} from '../../../services/http/request-body.js';
import {silentLogger, type Logger} from '../shared/logger.js';
import {FileNonceLog, type NonceLog} from '../shared/nonce-log.js';
import {signedRequestChecker, type SignedRequestOptions} from '../shared/signed-requests.js';
import type {Synchronous} from './entity-store.js';
import {PostgresqlNonceLog, PostgresqlStore} from './postgresql-store.js';
import * as bodies from './request-bodies.js';
import {SqliteStore} from './sqlite-store.js';
import type {StoreOperation, StoreOutcome, ZerodataStore} from './store.js';

/** Which engine keeps the entities: SQLite in `directory` (the default), or a PostgreSQL database. */
export type ZerodataEngine =
	| {
			engine: 'sqlite';
			synchronous?: Synchronous;
			/** Retention of the write-ahead log: past this size a checkpoint truncates it (default 64 MB). */
			maxWalBytes?: number;
			/** How often committed pages are copied from the WAL into the database (default 1 s). */
			checkpointIntervalMs?: number;
	  }
	| {engine: 'postgresql'; url: string};

export interface ZerodataOptions extends SignedRequestOptions {
	host: string;
	/** Serve HTTPS with this certificate and key (PEM): when other hosts reach it. */
	tls?: {cert: string; key: string};
	/** 0 picks a free port. */
	port: number;
	/** Where `zerodata.db` (and its WAL) live with the SQLite engine. */
	directory: string;
	engine?: ZerodataEngine;
	maxBodyBytes?: number;
	logger?: Logger;
}

export interface RunningZerodata {
	port: number;
	url: string;
	close(): Promise<void>;
}

const defaultMaxBodyBytes = 16 * 1024 * 1024;

/** The JSON text of an entity whose properties are already JSON text. */
const entityJson = (kind: string, id: EntityId, properties: string): string =>
	`{"kind":${JSON.stringify(kind)},"id":${JSON.stringify(id)},"properties":${properties}}`;

async function openStore(options: ZerodataOptions, logger: Logger): Promise<ZerodataStore> {
	const engine = options.engine ?? {engine: 'sqlite'};
	if (engine.engine === 'postgresql') return PostgresqlStore.open(engine.url);
	return new SqliteStore(options.directory, engine.synchronous ?? 'normal', logger, {
		...(engine.maxWalBytes !== undefined ? {maxWalBytes: engine.maxWalBytes} : {}),
		...(engine.checkpointIntervalMs !== undefined ? {checkpointIntervalMs: engine.checkpointIntervalMs} : {}),
	});
}

const entityOrNull = (kind: string, id: EntityId, outcome: StoreOutcome | undefined): string =>
	typeof outcome === 'string' ? entityJson(kind, id, outcome) : 'null';

export async function startZerodata(options: ZerodataOptions): Promise<RunningZerodata> {
	const logger = options.logger ?? silentLogger;
	mkdirSync(options.directory, {recursive: true});
	const store = await openStore(options, logger);
	// With PostgreSQL the nonces live in the shared database: a request accepted by one process is a replay to the others.
	const nonces: NonceLog = store instanceof PostgresqlStore ? new PostgresqlNonceLog(store.url) : new FileNonceLog(path.join(options.directory, 'seen-nonces'));
	const auth = signedRequestChecker('zerodata', options, nonces);
	const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;

	const keys = (body: unknown) => bodies.batch(body, 'keys').map((key, position) => bodies.entityKey(key, `keys[${position}]`));

	const routes: Record<string, (body: unknown) => Promise<JsonReply>> = {
		[zerodataPaths.allocateIds]: async body => {
			const {kind, count} = bodies.allocation(body);
			return {status: 200, body: {ids: await store.allocateIds(kind, count)}};
		},
		[zerodataPaths.get]: async body => {
			const {kind, id} = bodies.entityKey(body, 'the request body');
			const [outcome] = await store.run([{op: 'get', kind, id}]);
			return {status: 200, json: `{"entity":${entityOrNull(kind, id, outcome)}}`};
		},
		[zerodataPaths.put]: async body => {
			await store.run([{op: 'put', ...bodies.entity(body, 'the request body')}]);
			return {status: 200, json: '{"ok":true}'};
		},
		[zerodataPaths.delete]: async body => {
			const [deleted] = await store.run([{op: 'delete', ...bodies.entityKey(body, 'the request body')}]);
			return {status: 200, body: {deleted: deleted === true}};
		},
		[zerodataPaths.query]: async body => {
			const query = bodies.entityQuery(body);
			const rows = await store.query(query.kind, query.property, query.value, query.limit + 1, query.after);
			const page = rows.slice(0, query.limit);
			const last = page.at(-1);
			const nextCursor = rows.length > query.limit && last !== undefined ? JSON.stringify(JSON.stringify(last.id)) : 'null';
			const entities = page.map(row => entityJson(query.kind, row.id, row.properties)).join(',');
			return {status: 200, json: `{"entities":[${entities}],"nextCursor":${nextCursor}}`};
		},
		[zerodataPaths.getMany]: async body => {
			const wanted = keys(body);
			const outcomes = await store.run(wanted.map(key => ({op: 'get', ...key})));
			return {status: 200, json: `{"entities":[${wanted.map((key, index) => entityOrNull(key.kind, key.id, outcomes[index])).join(',')}]}`};
		},
		[zerodataPaths.putMany]: async body => {
			const entities = bodies.batch(body, 'entities').map((entity, position) => bodies.entity(entity, `entities[${position}]`));
			await store.run(entities.map(entity => ({op: 'put', ...entity})));
			return {status: 200, body: {count: entities.length}};
		},
		[zerodataPaths.batch]: async body => {
			// A malformed operation fails alone; a database error fails the whole batch (500) and undoes it.
			const checked = bodies.batch(body, 'ops').map((operation, position) => {
				try {
					return checkOperation(operation, `ops[${position}]`);
				} catch (error) {
					if (!(error instanceof HttpError)) throw error;
					return error;
				}
			});
			const valid = checked.filter((entry): entry is StoreOperation => !(entry instanceof HttpError));
			const outcomes = await store.run(valid);
			let next = 0;
			const results = checked.map(entry => {
				if (entry instanceof HttpError) return `{"error":${JSON.stringify(entry.message)}}`;
				const outcome = outcomes[next++];
				if (entry.op === 'get') return `{"entity":${entityOrNull(entry.kind, entry.id, outcome)}}`;
				if (entry.op === 'put') return '{"ok":true}';
				return `{"deleted":${outcome === true}}`;
			});
			return {status: 200, json: `{"results":[${results.join(',')}]}`};
		},
		[zerodataPaths.deleteMany]: async body => {
			const outcomes = await store.run(keys(body).map(key => ({op: 'delete', ...key})));
			return {status: 200, body: {deleted: outcomes.filter(outcome => outcome === true).length}};
		},
	};

	/** One operation of a batch, checked. */
	const checkOperation = (operation: unknown, where: string): StoreOperation => {
		const name = (operation as {op?: unknown} | null)?.op;
		if (name === 'get' || name === 'delete') return {op: name, ...bodies.entityKey(operation, where)};
		if (name === 'put') return {op: 'put', ...bodies.entity(operation, where)};
		throw new HttpError(400, `${where}: op must be get, put or delete`);
	};

	const handle = async ({request, method, path: requestPath}: RequestContext): Promise<JsonReply> => {
		const route = routes[requestPath];
		if (route === undefined) {
			throw new HttpError(404, `no such endpoint: ${requestPath} (zerodata has POST ${Object.values(zerodataPaths).join(', ')} and GET /health)`);
		}
		if (method !== 'POST') throw new HttpError(405, `use POST ${requestPath}`);
		const signed = await auth.checkHeaders(method, request.url ?? requestPath, request.headers);
		const body = await readBody(request, maxBodyBytes);
		await auth.checkBody(signed, body);
		return await route(parseJsonBody(body));
	};

	let server;
	try {
		server = await startHttpServer({
			host: options.host,
			port: options.port,
			...(options.tls ? {tls: options.tls} : {}),
			logger,
			handle,
			health: () => ({engine: store.engine, members: options.members.count, knownHosts: options.hostKeys.knownHosts}),
		});
	} catch (error) {
		await nonces.close();
		await store.close();
		throw error;
	}
	logger.info(`listening on ${options.tls ? 'https' : 'http'}://${options.host}:${server.port} (${store.engine}) for instance ${options.instance}`);
	return {
		port: server.port,
		url: `${options.tls ? 'https' : 'http'}://${options.host}:${server.port}`,
		close: async () => {
			await server.close();
			await nonces.close();
			await store.close();
		},
	};
}
