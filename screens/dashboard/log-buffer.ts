import {defaultMaxLineLength} from '../../services/supervisor/log-lines.js';
import {cleanLine} from '../runtime/clean-line.js';

/**
 * A daemon's recent log lines as the dashboard keeps them: capped in lines and in bytes, so a
 * flood costs bounded memory. `total` counts every line ever appended, which gives each line a
 * stable absolute index (`total - lines.length + i`) for scrolling and search.
 */
export interface LogBuffer {
	readonly lines: readonly string[];
	readonly bytes: number;
	readonly total: number;
}

export interface LogLimits {
	maxLines: number;
	maxBytes: number;
	/** Longer lines are cut: nobody reads past this in a pane, and one huge line must not eat the byte cap. */
	maxLineLength: number;
}

// As long a line as the supervisor passes on: a long JSON line (etcd's first) cut shorter could no longer be formatted.
export const defaultLogLimits: LogLimits = {maxLines: 2000, maxBytes: 1024 * 1024, maxLineLength: defaultMaxLineLength};

export const emptyLogBuffer: LogBuffer = {lines: [], bytes: 0, total: 0};

/**
 * Appends lines, keeping only what the caps allow. Only the tail that can survive is cleaned
 * and copied, so a batch of a million lines costs as much as the last `maxLines` of it.
 * `count`: how many lines arrived, when `incoming` is already only their tail.
 */
export function appendLines(buffer: LogBuffer, incoming: readonly string[], limits: LogLimits = defaultLogLimits, count = incoming.length): LogBuffer {
	if (incoming.length === 0) return buffer;
	const fresh = incoming.length > limits.maxLines ? incoming.slice(incoming.length - limits.maxLines) : incoming;
	const kept = buffer.lines.length + fresh.length > limits.maxLines ? buffer.lines.slice(buffer.lines.length + fresh.length - limits.maxLines) : buffer.lines.slice();
	const lines = kept;
	let bytes = sumBytes(lines);
	for (const raw of fresh) {
		const line = cleanLine(raw, limits.maxLineLength);
		lines.push(line);
		bytes += line.length + 1;
	}
	let drop = 0;
	while (bytes > limits.maxBytes && drop < lines.length - 1) {
		bytes -= (lines[drop]?.length ?? 0) + 1;
		drop++;
	}
	return {lines: drop > 0 ? lines.slice(drop) : lines, bytes, total: buffer.total + count};
}

/** Absolute index of the first line still held. */
export function firstIndex(buffer: LogBuffer): number {
	return buffer.total - buffer.lines.length;
}

export function lineAt(buffer: LogBuffer, absolute: number): string | undefined {
	return buffer.lines[absolute - firstIndex(buffer)];
}

// Bytes are counted as UTF-16 units: cheap, and close enough for a memory cap.
function sumBytes(lines: readonly string[]): number {
	let bytes = 0;
	for (const line of lines) bytes += line.length + 1;
	return bytes;
}
