/** A daemon's recent lines, capped both in count and in bytes: the dashboard's log source. */
export class LineRing {
	private readonly slots: Array<string | undefined>;
	private readonly sizes: Int32Array;
	private head = 0;
	private count = 0;
	private bytes = 0;

	constructor(
		readonly maxLines = 5000,
		readonly maxBytes = 1024 * 1024,
	) {
		this.slots = new Array<string | undefined>(maxLines);
		this.sizes = new Int32Array(maxLines);
	}

	get length(): number {
		return this.count;
	}

	get byteLength(): number {
		return this.bytes;
	}

	push(line: string): void {
		const size = Buffer.byteLength(line);
		if (this.count === this.maxLines) this.dropOldest();
		const index = (this.head + this.count) % this.maxLines;
		this.slots[index] = line;
		this.sizes[index] = size;
		this.count++;
		this.bytes += size;
		while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest();
	}

	pushAll(lines: readonly string[]): void {
		for (const line of lines) this.push(line);
	}

	/** The newest `limit` lines (all by default), oldest first. */
	tail(limit = this.count): string[] {
		const take = Math.min(limit, this.count);
		const lines: string[] = [];
		for (let offset = this.count - take; offset < this.count; offset++) {
			lines.push(this.slots[(this.head + offset) % this.maxLines]!);
		}
		return lines;
	}

	private dropOldest(): void {
		this.bytes -= this.sizes[this.head]!;
		this.slots[this.head] = undefined;
		this.head = (this.head + 1) % this.maxLines;
		this.count--;
	}
}
