/** What logstore keeps: access, usage and error logs of every ampnode. */
const logKinds = ['access', 'usage', 'error'] as const;
export type LogKind = (typeof logKinds)[number];

export interface LogRecord {
	/** When it happened, epoch milliseconds. */
	time: number;
	kind: LogKind;
	/**
	 * Which host wrote it. logstore sets it to \`host-ID\` of the host key that signed the append,
	 * whatever the sender put there.
	 */
	host: string;
	/** What the sender put in \`host\` when that was not its verified \`host-ID\` (ampnode's \`host-ID@machine:port\`); set by logstore. */
	source?: string;
	data: Record<string, unknown>;
}

/** A query: every field narrows the result; records come oldest first. */
export interface LogQuery {
	kind?: LogKind;
	host?: string;
	/** Inclusive lower bound on `time`, epoch ms. */
	from?: number;
	/** Exclusive upper bound on `time`, epoch ms. */
	to?: number;
	/** At most this many records per page (the server caps it at `maxQueryLimit`). */
	limit?: number;
	/** `nextCursor` of the previous page. */
	cursor?: string;
}

export interface LogPage {
	records: LogRecord[];
	/** Pass it back as `cursor` for the next page; null when there is no more. */
	nextCursor: string | null;
}

export const defaultQueryLimit = 100;
export const maxQueryLimit = 1000;
const maxHostLength = 200;

export function isLogKind(value: unknown): value is LogKind {
	return typeof value === 'string' && (logKinds as readonly string[]).includes(value);
}

/** Why `value` is not a LogRecord, or undefined when it is one. */
export function logRecordProblem(value: unknown): string | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
	const record = value as Record<string, unknown>;
	if (typeof record['time'] !== 'number' || !Number.isFinite(record['time'])) return 'time must be a number (epoch milliseconds)';
	if (!isLogKind(record['kind'])) return `kind must be one of ${logKinds.join(', ')}`;
	const host = record['host'];
	if (typeof host !== 'string' || host === '' || host.length > maxHostLength) {
		return `host must be a non-empty string of at most ${maxHostLength} characters`;
	}
	const data = record['data'];
	if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'data must be an object';
	return undefined;
}

/** The query string of `GET /query` for a LogQuery. */
export function queryToSearchParams(query: LogQuery): URLSearchParams {
	const params = new URLSearchParams();
	if (query.kind !== undefined) params.set('kind', query.kind);
	if (query.host !== undefined) params.set('host', query.host);
	if (query.from !== undefined) params.set('from', String(query.from));
	if (query.to !== undefined) params.set('to', String(query.to));
	if (query.limit !== undefined) params.set('limit', String(query.limit));
	if (query.cursor !== undefined) params.set('cursor', query.cursor);
	return params;
}
