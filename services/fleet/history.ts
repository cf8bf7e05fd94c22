import {errorMessage} from '../errors.js';
import {shellQuote} from '../deploy/agent-client.js';
import {forEachHost, releasePaths, type Fleet, type FleetHost} from './fleet-hosts.js';

interface Releases {
	ampify: string;
	instance: string;
}

/** One line of a host's `dist/history.jsonl`, as the deploy's unlock step wrote it. */
interface HistoryRecord {
	deployId: string;
	kind: 'deploy' | 'rollback';
	who: string;
	from: string;
	at: string;
	endedAt?: string;
	before: Releases | null;
	after: Releases | null;
	result: 'done' | 'rolled-back' | 'aborted' | 'failed';
	error?: string;
}

export interface HostHistory {
	host: string;
	/** Newest first. */
	records: HistoryRecord[];
	error?: string;
	/** Why this host's history disagrees with the others', when it does. */
	disagrees?: string;
}

function parseHistory(text: string): HistoryRecord[] {
	const records: HistoryRecord[] = [];
	for (const line of text.split('\n')) {
		if (line.trim() === '') continue;
		try {
			const record = JSON.parse(line) as HistoryRecord;
			if (typeof record.deployId === 'string') records.push(record);
		} catch {
			// a torn last line (a full disk): the records before it still count
		}
	}
	return records.reverse();
}

const releasesText = (releases: Releases | null): string => (releases ? `${releases.ampify} ${releases.instance}` : 'nothing');

/**
 * Marks hosts whose history disagrees with the rest: a host that runs other releases than most
 * after its newest record, or that lacks a deploy another host has a record of.
 */
function markDisagreements(histories: HostHistory[]): HostHistory[] {
	const readable = histories.filter(history => !history.error);
	const now = new Map<string, number>();
	for (const history of readable) {
		const text = releasesText(history.records[0]?.after ?? null);
		now.set(text, (now.get(text) ?? 0) + 1);
	}
	const usual = [...now.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
	const seenOn = new Map<string, string[]>();
	for (const history of readable) for (const record of history.records) seenOn.set(record.deployId, [...(seenOn.get(record.deployId) ?? []), history.host]);
	return histories.map(history => {
		if (history.error) return history;
		const reasons: string[] = [];
		const mine = releasesText(history.records[0]?.after ?? null);
		if (now.size > 1 && mine !== usual) reasons.push(`runs ${mine}, most hosts ${usual}`);
		const own = new Set(history.records.map(record => record.deployId));
		const missing = [...seenOn.keys()].filter(id => !own.has(id));
		if (missing.length > 0) reasons.push(`no record of ${missing.map(id => `${id} (on ${seenOn.get(id)!.join(', ')})`).join(', ')}`);
		return reasons.length > 0 ? {...history, disagrees: reasons.join('; ')} : history;
	});
}

/** Every host's history, newest first, with disagreements marked. */
export async function readHistories(fleet: Fleet): Promise<HostHistory[]> {
	const found = new Map<FleetHost, HostHistory>();
	await forEachHost(fleet.hosts, fleet.parallel, async host => {
		try {
			const session = await fleet.connect(host.config);
			try {
				const file = releasePaths(host.config).history;
				const result = await session.exec(`test -e ${shellQuote(file)} || exit 0; cat ${shellQuote(file)}`, {timeoutMs: 30_000});
				found.set(host, result.code === 0 ? {host: host.label, records: parseHistory(result.stdout)} : {host: host.label, records: [], error: result.stderr.trim() || `exit ${result.code}`});
			} finally {
				session.close();
			}
		} catch (error) {
			found.set(host, {host: host.label, records: [], error: errorMessage(error)});
		}
	});
	return markDisagreements(fleet.hosts.map(host => found.get(host)!));
}
