import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** The ampzero checkout: the directory that holds `bin/ampzero` (found from source or from dist/). */
export const checkoutDirectory = findCheckout(path.dirname(fileURLToPath(import.meta.url)));

function findCheckout(start: string): string {
	for (let directory = start; ; directory = path.dirname(directory)) {
		if (existsSync(path.join(directory, 'bin', 'ampzero'))) return directory;
		if (path.dirname(directory) === directory) throw new Error(`no bin/ampzero above ${start}`);
	}
}
