/**
 * A map that keeps roughly the last `size` entries used: when the current generation is full it
 * becomes the old one and the oldest is dropped. Reading an old entry carries it over. Cheaper
 * than an LRU list per read, and bounded, which is what a cache of log lines needs.
 */
export class GenerationCache<K, V> {
	private current = new Map<K, V>();
	private old = new Map<K, V>();

	constructor(private readonly size: number) {}

	get(key: K): V | undefined {
		const value = this.current.get(key);
		if (value !== undefined) return value;
		const kept = this.old.get(key);
		if (kept !== undefined) this.set(key, kept);
		return kept;
	}

	set(key: K, value: V): void {
		if (this.current.size >= this.size) {
			this.old = this.current;
			this.current = new Map();
		}
		this.current.set(key, value);
	}
}
