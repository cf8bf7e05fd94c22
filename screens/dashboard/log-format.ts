/**
 * How the log pane shows a daemon's line: JSON log lines (etcd's, and any daemon logging JSON)
 * and ampzero's own `ISO-time level daemon: message` lines become `time level message key=value…`;
 * anything else is shown as written. Pure: the pane, the search and the tests share it.
 */
export interface ShownLine {
	text: string;
	/** Where the level word is in `text`, for colouring it. */
	level?: {start: number; end: number; name: LogLevel};
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const messageKeys = ['msg', 'message'];
const timeKeys = ['ts', 'time', 'timestamp', '@timestamp'];
const levelKeys = ['level', 'severity', 'lvl'];
const ownLine = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (debug|info|warn|error) (.*)$/;

/** The line as the pane shows it; `raw` shows it as the daemon wrote it. */
export function shownLine(line: string, raw = false): ShownLine {
	if (raw) return {text: line};
	if (line.startsWith('{')) return formatJson(line) ?? {text: line};
	const own = ownLine.exec(line);
	if (own) return compose(clock(own[1]!), levelOf(own[2]), own[3]!, '');
	return {text: line};
}

function formatJson(line: string): ShownLine | undefined {
	let record: unknown;
	try {
		record = JSON.parse(line);
	} catch {
		return undefined;
	}
	if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
	const entries = record as Record<string, unknown>;
	const take = (keys: string[]): unknown => {
		const key = keys.find(candidate => candidate in entries);
		return key === undefined ? undefined : entries[key];
	};
	const message = take(messageKeys);
	const level = levelOf(take(levelKeys));
	if (message === undefined && level === undefined) return undefined;
	const skip = new Set([...messageKeys, ...timeKeys, ...levelKeys]);
	const fields = Object.entries(entries)
		.filter(([key]) => !skip.has(key))
		// Where in the source it was logged matters least: last.
		.sort(([a], [b]) => Number(a === 'caller') - Number(b === 'caller'))
		.map(([key, value]) => `${key}=${fieldText(value)}`)
		.join(' ');
	return compose(clock(take(timeKeys)), level, message === undefined ? '' : String(message), fields);
}

function compose(time: string | undefined, level: LogLevel | undefined, message: string, fields: string): ShownLine {
	const head = time === undefined ? '' : `${time} `;
	const word = level === undefined ? '' : level.toUpperCase().padEnd(5);
	const text = `${head}${word}${word ? ' ' : ''}${message}${fields ? ` ${fields}` : ''}`;
	return level === undefined ? {text} : {text, level: {start: head.length, end: head.length + word.trimEnd().length, name: level}};
}

/** A field's value: strings bare unless they hold a space (then quoted), the rest as JSON. */
function fieldText(value: unknown): string {
	if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
	return JSON.stringify(value) ?? String(value);
}

/** The time of day of an ISO time, or of epoch seconds/milliseconds: `12:38:15.225`. */
function clock(value: unknown): string | undefined {
	if (typeof value === 'string') {
		const match = /T(\d\d:\d\d:\d\d(?:\.\d{1,3})?)/.exec(value);
		return match?.[1];
	}
	if (typeof value === 'number' && Number.isFinite(value)) {
		// zap writes seconds with a fraction; pino and others milliseconds.
		const ms = value < 1e11 ? value * 1000 : value;
		return new Date(ms).toISOString().slice(11, 23);
	}
	return undefined;
}

function levelOf(value: unknown): LogLevel | undefined {
	if (typeof value === 'number') {
		// pino/bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
		if (value >= 50) return 'error';
		if (value >= 40) return 'warn';
		if (value >= 30) return 'info';
		return 'debug';
	}
	if (typeof value !== 'string') return undefined;
	const name = value.toLowerCase();
	if (name === 'debug' || name === 'trace') return 'debug';
	if (name === 'info' || name === 'notice') return 'info';
	if (name === 'warn' || name === 'warning') return 'warn';
	if (['error', 'err', 'fatal', 'panic', 'dpanic', 'critical', 'crit'].includes(name)) return 'error';
	return undefined;
}

export const levelColors: Record<LogLevel, string> = {debug: 'gray', info: 'green', warn: 'yellow', error: 'red'};
