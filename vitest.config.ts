import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		// Integration tests start real daemons on loopback; two cores do not fit more in parallel.
		maxWorkers: 2,
		testTimeout: 60_000,
		hookTimeout: 60_000,
		resolveSnapshotPath: (testPath, extension) =>
			testPath.replace(/^(.*)\/test\/(.*)$/, '$1/snapshots/$2') + extension,
	},
});
