import {mkdirSync} from 'node:fs';
import path from 'node:path';
import type {HubPublicKeyRecord, PublicKeyRecord} from '../../../services/keys/identity.js';
import {zerodataPaths, type EntityId} from '../../../services/zerodata/types.js';
import {HttpError} from '../shared/http-error.js';
import {startHttpServer, type JsonReply, type RequestContext} from '../shared/http-server.js';
import {parseJsonBody, readBody} from '../shared/json-body.js';
import {silentLogger, type Logger} from '../shared/logger.js';
import {startCheckpointer} from './checkpointer.js';
import {EntityStore, type Synchronous} from './entity-store.js';
import * as bodies from './request-bodies.js';
import {RequestAuth} from './request-auth.js';

export interface ZerodataOptions {
	host: string;
	/** Serve HTTPS with this certificate and key (PEM): when other hosts reach it. */
	tls?: {cert: string; key: string};
	/** 0 picks a free port. */
	port: number;
	/** Where `zerodata.db` (and its WAL) live. */
	directory: string;
	hub: HubPublicKeyRecord;
	/** Host public key records; only those `hub` signed are trusted. */
	trustedHosts: PublicKeyRecord[];
	synchronous?: Synchronous;
	/** Retention of the write-ahead log: past this size a checkpoint truncates it (default 64 MB). */
	maxWalBytes?: number;
	/** How often committed pages are copied from the WAL into the database (default 1 s). */
	checkpointIntervalMs?: number;
	maxBodyBytes?: number;
	/** How far a request's timestamp may be from this clock (default 30 s). */
	timestampWindowMs?: number;
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

export async function startZerodata(options: ZerodataOptions): Promise<RunningZerodata> {
	const logger = options.logger ?? silentLogger;
	mkdirSync(options.directory, {recursive: true});
	const databaseFile = path.join(options.directory, 'zerodata.db');
	const store = new EntityStore(databaseFile, options.synchronous ?? 'normal');
	const checkpointer = startCheckpointer(databaseFile, options.checkpointIntervalMs ?? 1000, message => logger.error(message), options.maxWalBytes);
	const auth = new RequestAuth({
		hub: options.hub,
		hosts: options.trustedHosts,
		logger,
		...(options.timestampWindowMs !== undefined ? {windowMs: options.timestampWindowMs} : {}),
	});
	if (auth.trustedHostCount === 0) logger.warn('no trusted host keys: every request will be refused');
	const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;

	const routes: Record<string, (body: unknown) => JsonReply> = {
		[zerodataPaths.allocateIds]: body => {
			const {kind, count} = bodies.allocation(body);
			return {status: 200, body: {ids: store.allocateIds(kind, count)}};
		},
		[zerodataPaths.get]: body => {
			const {kind, id} = bodies.entityKey(body, 'the request body');
			const properties = store.get(kind, id);
			return {status: 200, json: `{"entity":${properties === undefined ? 'null' : entityJson(kind, id, properties)}}`};
		},
		[zerodataPaths.put]: body => {
			const {kind, id, properties} = bodies.entity(body, 'the request body');
			store.put(kind, id, properties);
			return {status: 200, json: '{"ok":true}'};
		},
		[zerodataPaths.delete]: body => {
			const {kind, id} = bodies.entityKey(body, 'the request body');
			return {status: 200, body: {deleted: store.delete(kind, id)}};
		},
		[zerodataPaths.query]: body => {
			const query = bodies.entityQuery(body);
			const rows = store.query(query.kind, query.property, query.value, query.limit + 1, query.after);
			const page = rows.slice(0, query.limit);
			const last = page.at(-1);
			const nextCursor = rows.length > query.limit && last !== undefined ? JSON.stringify(JSON.stringify(last.id)) : 'null';
			const entities = page.map(row => entityJson(query.kind, row.id, row.properties)).join(',');
			return {status: 200, json: `{"entities":[${entities}],"nextCursor":${nextCursor}}`};
		},
		[zerodataPaths.getMany]: body => {
			const keys = bodies.batch(body, 'keys').map((key, position) => bodies.entityKey(key, `keys[${position}]`));
			const found = keys.map(({kind, id}) => {
				const properties = store.get(kind, id);
				return properties === undefined ? 'null' : entityJson(kind, id, properties);
			});
			return {status: 200, json: `{"entities":[${found.join(',')}]}`};
		},
		[zerodataPaths.putMany]: body => {
			const entities = bodies.batch(body, 'entities').map((entity, position) => bodies.entity(entity, `entities[${position}]`));
			store.putMany(entities);
			return {status: 200, body: {count: entities.length}};
		},
		[zerodataPaths.batch]: body => {
			const operations = bodies.batch(body, 'ops');
			const results = store.transaction(() => operations.map((operation, position) => {
				// A malformed operation fails alone; a database error fails the whole batch (500) and undoes it.
				try {
					return runOperation(operation, `ops[${position}]`);
				} catch (error) {
					if (!(error instanceof HttpError)) throw error;
					return `{"error":${JSON.stringify(error.message)}}`;
				}
			}));
			return {status: 200, json: `{"results":[${results.join(',')}]}`};
		},
		[zerodataPaths.deleteMany]: body => {
			const keys = bodies.batch(body, 'keys').map((key, position) => bodies.entityKey(key, `keys[${position}]`));
			return {status: 200, body: {deleted: store.deleteMany(keys)}};
		},
	};

	/** One operation of a batch, answered as JSON text. */
	const runOperation = (operation: unknown, where: string): string => {
		const name = (operation as {op?: unknown} | null)?.op;
		if (name === 'get') {
			const {kind, id} = bodies.entityKey(operation, where);
			const properties = store.get(kind, id);
			return `{"entity":${properties === undefined ? 'null' : entityJson(kind, id, properties)}}`;
		}
		if (name === 'put') {
			const {kind, id, properties} = bodies.entity(operation, where);
			store.put(kind, id, properties);
			return '{"ok":true}';
		}
		if (name === 'delete') {
			const {kind, id} = bodies.entityKey(operation, where);
			return `{"deleted":${store.delete(kind, id)}}`;
		}
		throw new HttpError(400, `${where}: op must be get, put or delete`);
	};

	const handle = async ({request, method, path: requestPath}: RequestContext): Promise<JsonReply> => {
		const route = routes[requestPath];
		if (route === undefined) {
			throw new HttpError(404, `no such endpoint: ${requestPath} (zerodata has POST ${Object.values(zerodataPaths).join(', ')} and GET /health)`);
		}
		if (method !== 'POST') throw new HttpError(405, `use POST ${requestPath}`);
		const body = await readBody(request, maxBodyBytes);
		auth.verify(method, request.url ?? requestPath, request.headers, body);
		return route(parseJsonBody(body));
	};

	const server = await startHttpServer({host: options.host, port: options.port, ...(options.tls ? {tls: options.tls} : {}), logger, handle, health: () => ({trustedHosts: auth.trustedHostCount})});
	logger.info(`listening on ${options.tls ? 'https' : 'http'}://${options.host}:${server.port} with ${auth.trustedHostCount} trusted host key(s)`);
	return {
		port: server.port,
		url: `${options.tls ? 'https' : 'http'}://${options.host}:${server.port}`,
		close: async () => {
			await server.close();
			await checkpointer.stop();
			store.close();
		},
	};
}
