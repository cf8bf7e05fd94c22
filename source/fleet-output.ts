import {watchFleet, type FleetEvent} from '../services/fleet/fleet-watch.js';
import type {Fleet} from '../services/fleet/fleet-hosts.js';
import type {HostHistory} from '../services/fleet/history.js';
import type {RunInfo} from '../services/supervisor/events.js';
import {daemonStatusLine, remoteStatusLine} from '../services/supervisor/status-format.js';
import type {BatchOutput} from './output.js';

/** `fleet NAME --batch`: every host's supervisor events as lines (or JSON lines with a `host` field) until ^C. */
export async function printFleetEvents(fleet: Fleet, out: BatchOutput, signal: AbortSignal): Promise<number> {
	const watch = watchFleet(fleet);
	signal.addEventListener('abort', () => watch.close(), {once: true});
	const width = Math.max(...fleet.hosts.map(host => host.label.length));
	for await (const event of watch.events()) printFleetEvent(event, out, width);
	return 0;
}

function printFleetEvent(fleetEvent: FleetEvent, out: BatchOutput, width: number): void {
	const host = fleetEvent.host;
	const prefix = host.padEnd(width);
	if (fleetEvent.type === 'host-link') {
		const {type, ...rest} = fleetEvent;
		const extra = fleetEvent.link === 'unreachable' ? `: ${fleetEvent.error ?? ''}; retrying in ${Math.round((fleetEvent.retryInMs ?? 0) / 1000)} s` : fleetEvent.release ? ` (${fleetEvent.release})` : '';
		out.event({type, ...rest}, `${prefix}   ${fleetEvent.link}${extra}`);
		return;
	}
	if (fleetEvent.type === 'usage') {
		// JSON only: as lines, CPU and memory every two seconds would bury the events.
		out.event({type: 'usage', host, usage: fleetEvent.usage});
		return;
	}
	const event = fleetEvent.event;
	const now = Date.now();
	switch (event.type) {
		case 'snapshot':
			out.event({host, ...event, info: withoutLogin(event.info)}, `${prefix}   ${event.info.instance}: supervisor pid ${event.info.supervisorPid}, ${event.daemons.length} daemons`);
			for (const daemon of event.daemons) out.line(`${prefix}   ${daemonStatusLine(daemon, now)}`);
			for (const dependency of event.info.remote ?? []) out.line(`${prefix}   ${remoteStatusLine(dependency)}`);
			return;
		case 'daemon-state':
			out.event({host, ...event}, `${prefix}   ${daemonStatusLine(event.daemon, now)}`);
			return;
		case 'log-lines':
			out.event({host, ...event});
			for (const line of event.lines) out.line(`${prefix}   ${event.daemon} | ${line}`);
			return;
		case 'run-ready':
			out.event({host, ...event}, `${prefix}   all daemons ready in ${event.elapsedMs} ms`);
			return;
		case 'run-failed':
			out.event({host, ...event}, `${prefix}   ${event.daemon} failed: ${event.error}`);
			return;
		case 'notice':
			out.event({host, ...event}, `${prefix}   ${event.text}`);
			return;
		case 'remote-state':
			out.event({host, ...event});
			for (const dependency of event.remote) out.line(`${prefix}   ${remoteStatusLine(dependency)}`);
			return;
		case 'run-info':
			out.event({host, ...event, info: withoutLogin(event.info)});
			return;
		case 'nat-state':
			out.event({host, ...event}, `${prefix}   NAT: ${event.nat.state}`);
			return;
		case 'supervisor-exit':
			out.event({host, ...event}, `${prefix}   every daemon has ${event.reason === 'quit' ? 'been killed' : 'stopped'}`);
			return;
	}
}

/** A one-time login link is a secret: fleet output, which may end up in a CI log, leaves it out. */
function withoutLogin(info: RunInfo): RunInfo {
	const {loginUrl, ...rest} = info;
	void loginUrl;
	return rest;
}

/** `fleet NAME history`: per host, newest first; a host whose history disagrees is marked. */
export function printHistories(histories: HostHistory[], out: BatchOutput): number {
	let ok = true;
	for (const history of histories) {
		if (history.error) {
			ok = false;
			out.event({type: 'history', host: history.host, error: history.error, records: []}, `${history.host}: cannot read its history: ${history.error}`);
			continue;
		}
		out.event({type: 'history', host: history.host, records: history.records, ...(history.disagrees ? {disagrees: history.disagrees} : {})}, `${history.host}${history.disagrees ? `  ! disagrees: ${history.disagrees}` : ''}${history.records.length === 0 ? '  (no deploy yet)' : ''}`);
		for (const record of history.records) {
			const releases = (r: {ampify: string; instance: string} | null): string => (r ? `${r.ampify} ${r.instance}` : '-');
			out.line(`  ${record.at}  ${record.kind.padEnd(8)} ${record.result.padEnd(11)} ${record.deployId}  by ${record.who}  ${releases(record.before)} → ${releases(record.after)}${record.error ? `  (${record.error})` : ''}`);
		}
	}
	return ok ? 0 : 1;
}
