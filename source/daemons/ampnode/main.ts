import path from 'node:path';
import type {InstanceConfig} from '../../../services/config/amprun.js';
import {clientTls} from '../../../services/config/placement.js';
import {keyspaceClientTls} from '../../../services/config/keyspace-tls.js';
import {connectLiveRedis, connectWhenUp} from '../../../services/daemons/live-redis.js';
import {AmpError, errorMessage} from '../../../services/errors.js';
import {keyFileName} from '../../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../../services/keys/store.js';
import {LogBatcher, LogstoreClient} from '../../../services/logstore/client.js';
import {ZerodataClient} from '../../../services/zerodata/client.js';
import {createLogger} from '../shared/logger.js';
import {serveUntilSignal} from '../shared/signals.js';
import {KeyspaceRegistration, registrationKey} from './keyspace-registration.js';
import {startAmpnodeServer} from './server.js';
import {loadServices} from './service-loader.js';
import {KeyspaceClient} from './keyspace-client.js';
import {SessionStore} from './sessions.js';
import {readAmpnodeSettings} from './settings.js';

export interface AmpnodeRunOptions {
	debug: boolean;
	/** The port to serve: one of `ampnode_ports`, or during a deploy's hand-over a port of its own beside the old ampnode's; the first of `ampnode_ports` when not given. */
	port?: number;
}

/**
 * `ampzero daemon ampnode INSTANCE --port N`: serves until SIGTERM, then finishes in-flight
 * requests, flushes its logs to logstore, revokes its keyspace lease and returns.
 */
export async function runDaemon(instanceDirectory: string, config: InstanceConfig, options: AmpnodeRunOptions): Promise<void> {
	// `ampzero daemon` checked the port; amprun.yaml names at least one.
	const port = options.port ?? config.ports.ampnode[0]!;
	const logger = createLogger(`ampnode:${port}`, {debug: options.debug});
	const ampnodeDirectory = path.join(instanceDirectory, 'ampnode');
	const settings = await readAmpnodeSettings(ampnodeDirectory);
	const hostKey = await readPrivateKeyFile(path.join(ampnodeDirectory, keyFileName('host', config.hostId, 'private')));
	// The hosts of an instance over several machines share the host key: the machine's name tells their logs apart.
	const logHost = `host-${config.hostId}${config.placement ? `@${config.placement.host.name}` : ''}:${port}`;

	const hostKeyFile = path.join(ampnodeDirectory, keyFileName('host', config.hostId, 'private'));
	const signer = {
		hostId: config.hostId,
		secretKey: hostKey.secretKey,
		instance: config.name,
		// A host key rotated by `hub update` is picked up at the first refusal of the old one.
		refreshSecretKey: async () => (await readPrivateKeyFile(hostKeyFile)).secretKey,
	};
	const tls = clientTls(config);
	const keyspaceTls = keyspaceClientTls(config);
	const logstore = new LogstoreClient({url: config.logstoreUrl, ...signer, ...(tls ? {tls} : {})});
	const batcher = new LogBatcher({
		send: records => logstore.append(records),
		maxRecords: 100,
		maxDelayMs: 500,
		onError: (error, dropped) => logger.warn(`logstore: ${error.message}${dropped > 0 ? ` (${dropped} records dropped)` : ''}`),
	});
	const data = new ZerodataClient({url: config.zerodataUrl, ...signer, ...(tls ? {tls} : {})});

	const redis = connectLiveRedis(config);
	redis.on('error', error => logger.debug(`live redis: ${error.message}`));
	try {
		await connectWhenUp(redis, 15_000);
	} catch (error) {
		throw new AmpError(`ampnode cannot reach the live redis at ${config.bindAddress}:${config.ports.redisLive} (${errorMessage(error)}); start it with \`ampzero run ${config.name}\``);
	}

	const services = await loadServices(ampnodeDirectory, settings.services);
	for (const failure of services.failed) {
		logger.error(`service ${failure.module} not mounted: ${failure.error}`);
		batcher.add({time: Date.now(), kind: 'error', host: logHost, data: {message: `service ${failure.module} not mounted: ${failure.error}`}});
	}
	if (services.loaded.length > 0) logger.info(`services mounted: ${services.loaded.join(', ')}`);

	const server = await startAmpnodeServer({
		host: config.bindAddress,
		port,
		instance: config.name,
		title: config.title,
		hostId: config.hostId,
		ampnodeDirectory,
		templatesDirectory: settings.templates,
		homeTemplate: settings.home,
		sessions: new SessionStore(redis, config.name, new KeyspaceClient(config.keyspaceEndpoints, keyspaceTls)),
		services,
		data,
		logger,
		record: record => batcher.add(record),
		logHost,
	});

	const registration = new KeyspaceRegistration({
		endpoints: config.keyspaceEndpoints,
		key: registrationKey(config.name, config.hostId, port, config.placement?.host.name),
		value: JSON.stringify({host: config.placement?.host.address ?? config.bindAddress, ...(config.placement ? {machine: config.placement.host.name} : {}), port, pid: process.pid, startedAt: Date.now()}),
		ttlSeconds: settings.leaseTtlSeconds,
		logger,
		tls: keyspaceTls,
		...(config.placement ? {startTimeoutMs: 60_000} : {}),
	});
	try {
		await registration.start();
	} catch (error) {
		await server.close();
		redis.disconnect();
		throw new AmpError(errorMessage(error));
	}
	logger.info(`serving on http://${config.bindAddress}:${port} as host ${config.hostId}`);

	await serveUntilSignal(
		{
			close: async () => {
				await server.close();
				// Bounded: a logstore or keyspace that stopped answering must not hold up the exit.
				await Promise.race([Promise.allSettled([registration.stop(), batcher.close()]), new Promise(resolve => setTimeout(resolve, 2_000).unref())]);
				redis.disconnect();
				logstore.close();
				data.close();
			},
		},
		logger,
	);
}
