import {cleanUp, discard, type MadeByDeploy} from './clean-up.js';
import {appendHistory} from './history.js';
import type {CurrentRecord} from './host-files.js';
import type {InstanceOnHost} from './instance-on-host.js';
import {nginxUpgrade, stopBridge} from './bridge-nginx.js';
import {readLock, releaseLock, takeLock, type LockRecord} from './lock.js';
import {rememberDecision} from './hand-over.js';
import {placeholder} from './placeholder.js';
import {receive, verifyReceived} from './receive.js';
import type {Say} from './run-program.js';
import {installKey, preUpdate, setUp} from './set-up.js';
import {hostStatus} from './status.js';
import {placeholderBefore, restartKeyspace, startNew, stopOld} from './stop-start.js';
import {switchRelease} from './switch.js';
import {unpack, verifyTree, type UnpackRequest} from './unpack.js';

/** Runs one step; `say` passes its output lines on; `input` is the step's data (receive, verify-tree). */
export async function runAgentStep(step: string, request: Record<string, unknown>, say: Say, input: NodeJS.ReadableStream): Promise<unknown> {
	const root = String(request['root'] ?? '');
	if (!root.startsWith('/')) throw new Error('root must be an absolute path');
	const as = typeof request['as'] === 'string' && /^[a-z][a-z0-9-]*$/.test(request['as']) ? request['as'] : undefined;
	const target: InstanceOnHost = {root, name: String(request['name'] ?? ''), setup: request['setup'] === 'server' ? 'server' : 'single', embeddedHub: request['embeddedHub'] !== false, timeoutMs: Number(request['timeoutMs'] ?? 120_000), ...(as ? {as} : {})};
	switch (step) {
		case 'status':
			return hostStatus(root, target.name || undefined);
		case 'lock':
			return takeLock(root, request['record'] as LockRecord, Boolean(request['force']));
		case 'unlock': {
			// The deploy's record goes into the host's history while its lock is still held.
			const holder = readLock(root);
			if (request['history'] && holder?.deployId === request['deployId']) appendHistory(root, request['history'] as Record<string, unknown>);
			return {released: releaseLock(root, String(request['deployId']))};
		}
		case 'receive':
			return receive(root, String(request['file']), input);
		case 'verify-received':
			return verifyReceived(root, String(request['file']), String(request['sha256']));
		case 'unpack':
			return unpack(root, request['unpack'] as UnpackRequest, say);
		case 'verify-tree': {
			const chunks: Buffer[] = [];
			for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
			return verifyTree(root, String(request['release']), Buffer.concat(chunks).toString('utf8'));
		}
		case 'set-up':
			return setUp(target, request['releases'] as CurrentRecord, say);
		case 'pre-update':
			await preUpdate(target, String(request['release']), String(request['script']), say);
			return {};
		case 'placeholder':
			// Turned on with the release the deploy goes to: shown only where that release cannot hand the frontend over.
			if (request['on'] && request['to']) return placeholderBefore(target, request['to'] as CurrentRecord, say);
			if (request['on']) return placeholderBefore(target, undefined, say);
			placeholder(target, false);
			rememberDecision(target, undefined);
			return {shown: false};
		case 'stop-old':
			return stopOld(target, say, (request['to'] ?? undefined) as CurrentRecord | undefined);
		case 'switch':
			switchRelease(root, (request['to'] ?? null) as CurrentRecord | null, (request['previous'] ?? null) as CurrentRecord | null);
			return hostStatus(root);
		case 'nginx-upgrade':
			return nginxUpgrade(target, say);
		case 'start-new':
			await startNew(target, say, Array.isArray(request['adoptChanged']) ? (request['adoptChanged'] as unknown[]).filter((name): name is string => typeof name === 'string' && /^[a-z][a-z0-9-]*$/.test(name)) : []);
			return {};
		case 'restart-keyspace':
			return restartKeyspace(target, say);
		case 'stop-bridge':
			await stopBridge(target, say);
			return {};
		case 'clean-up':
			return cleanUp(root, request['keep'] as string[], target.name || undefined);
		case 'discard':
			return discard(root, request['made'] as MadeByDeploy);
		case 'install-key': {
			const chunks: Buffer[] = [];
			for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
			installKey(root, String(request['release']), String(request['file']), Buffer.concat(chunks));
			return {};
		}
		case 'history':
			return appendHistory(root, request['record'] as Record<string, unknown>);
		default:
			throw new Error(`unknown step ${JSON.stringify(step)}`);
	}
}
