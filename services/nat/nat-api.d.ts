declare module 'nat-api' {
	interface NatApiOptions {
		ttl?: number;
		description?: string;
		gateway?: string;
		autoUpdate?: boolean;
		enablePMP?: boolean;
	}
	type Callback<T = void> = (error: Error | null | undefined, value: T) => void;
	class NatAPI {
		constructor(options?: NatApiOptions);
		map(options: {publicPort: number; privatePort: number; protocol?: 'TCP' | 'UDP'; ttl?: number}, callback: Callback): void;
		externalIp(callback: Callback<string>): void;
		destroy(callback?: () => void): void;
	}
	export = NatAPI;
}
