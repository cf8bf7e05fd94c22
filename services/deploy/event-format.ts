/**
 * How sizes and durations of a deploy read, on the deploy screen and in `--batch` lines alike.
 * Decimal units (kB = 1000 bytes), as network tools count bytes sent.
 */

/** `812 B`, `34.2 kB`, `345 kB`, `1.2 MB`: at most seven characters. */
export function formatBytes(bytes: number): string {
	if (bytes < 1000) return `${Math.max(0, Math.round(bytes))} B`;
	const units = ['kB', 'MB', 'GB', 'TB'];
	let value = bytes / 1000;
	let unit = 0;
	while (value >= 999.5 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${value < 99.95 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** `0.4 s`, `12.3 s`, `2m05s`, `1h02m`: tenths while under a minute, where step times differ. */
export function formatDuration(ms: number): string {
	const safe = Math.max(0, ms);
	if (safe < 59_950) return `${(safe / 1000).toFixed(1)} s`;
	const seconds = Math.round(safe / 1000);
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
	return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
