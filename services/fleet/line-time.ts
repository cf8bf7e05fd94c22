const months: Record<string, number> = {Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11};

/**
 * When a daemon's log line says it was written, in epoch ms, or undefined. The daemons of an
 * instance each stamp their lines their own way: ampzero's own (`2026-12-05T09:07:15.123Z info …`),
 * etcd (JSON with `"ts":"2026-12-05T09:07:15.123Z"`), redis (`123:M 05 Dec 2026 09:07:15.123 * …`)
 * and nginx's error log (`2026/12/05 09:07:15 [notice] …`, in the host's local time).
 */
function lineTime(line: string): number | undefined {
	const iso = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/.exec(line) ?? /"ts":"([^"]+)"/.exec(line);
	if (iso) {
		const time = Date.parse(iso[1]!);
		if (!Number.isNaN(time)) return time;
	}
	const redis = /^\d+:[A-Z] (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(line);
	if (redis && months[redis[2]!] !== undefined) {
		return new Date(Number(redis[3]), months[redis[2]!]!, Number(redis[1]), Number(redis[4]), Number(redis[5]), Number(redis[6]), Number((redis[7] ?? '0').padEnd(3, '0'))).getTime();
	}
	const nginx = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(line);
	if (nginx) return new Date(Number(nginx[1]), Number(nginx[2]) - 1, Number(nginx[3]), Number(nginx[4]), Number(nginx[5]), Number(nginx[6])).getTime();
	return undefined;
}

export interface TimedLine {
	host: string;
	line: string;
	/** The line's own time, else the time of the line before it on its host (0 before any). */
	time: number;
}

/** Each host's lines in their own order, with a time each (a line without one takes its predecessor's). */
export function timeLines(host: string, lines: readonly string[]): TimedLine[] {
	let last = 0;
	return lines.map(line => {
		last = lineTime(line) ?? last;
		return {host, line, time: last};
	});
}

/** Merges hosts' lines in time order; equal times keep each host's own order, hosts in the order given. */
export function mergeByTime(perHost: readonly TimedLine[][]): TimedLine[] {
	const merged: TimedLine[] = [];
	const next = perHost.map(() => 0);
	for (;;) {
		let pick = -1;
		for (const [index, lines] of perHost.entries()) {
			const candidate = lines[next[index]!];
			if (candidate && (pick < 0 || candidate.time < perHost[pick]![next[pick]!]!.time)) pick = index;
		}
		if (pick < 0) return merged;
		merged.push(perHost[pick]![next[pick]!]!);
		next[pick]!++;
	}
}
