import {errorMessage} from '../errors.js';
import {shellQuote} from '../deploy/agent-client.js';
import {forEachHost, releasePaths, type Fleet, type FleetHost} from './fleet-hosts.js';

export type ExecEvent =
	| {type: 'output'; host: string; stream: 'out' | 'err'; line: string}
	/** `code` is null when the command never ran (the host could not be reached) or was stopped. */
	| {type: 'host-end'; host: string; code: number | null; ms: number; error?: string};

export interface ExecResult {
	host: string;
	code: number | null;
	ms: number;
	error?: string;
}

/**
 * Runs one shell command on every host, in the directory of the instance release it runs now,
 * at most `fleet.parallel` hosts at once. Never throws for a host: its failure is its result.
 */
export async function execEverywhere(fleet: Fleet, command: string, onEvent: (event: ExecEvent) => void, options: {timeoutMs?: number; signal?: AbortSignal} = {}): Promise<ExecResult[]> {
	const results = new Map<FleetHost, ExecResult>();
	await forEachHost(fleet.hosts, fleet.parallel, async host => {
		const began = Date.now();
		const end = (code: number | null, error?: string): void => {
			const result = {host: host.label, code, ms: Date.now() - began, ...(error ? {error} : {})};
			results.set(host, result);
			onEvent({type: 'host-end', ...result});
		};
		if (options.signal?.aborted) return end(null, 'not started: stopped');
		let session;
		try {
			session = await fleet.connect(host.config);
		} catch (error) {
			return end(null, errorMessage(error));
		}
		try {
			const {instance} = releasePaths(host.config);
			const outcome = await session.exec(`cd ${shellQuote(instance)} 2>/dev/null || { echo 'no release runs on this host (${instance} is missing): deploy first' >&2; exit 127; }; ${command}`, {
				...(options.timeoutMs ? {timeoutMs: options.timeoutMs} : {}),
				...(options.signal ? {signal: options.signal} : {}),
				onStdoutLine: line => onEvent({type: 'output', host: host.label, stream: 'out', line}),
				onStderrLine: line => onEvent({type: 'output', host: host.label, stream: 'err', line}),
			});
			end(outcome.code);
		} catch (error) {
			end(null, errorMessage(error));
		} finally {
			session.close();
		}
	});
	return fleet.hosts.map(host => results.get(host)!).filter(Boolean);
}
