import {constants} from 'node:fs';
import {open} from 'node:fs/promises';
import {AmpError} from '../errors.js';

/**
 * Reads a file as text only if it is a regular file. Opened without blocking, so a FIFO or a device
 * put where a config or key file belongs is an error at once, never a read that waits forever
 * (and a thread that keeps the process from exiting).
 */
export async function readRegularFile(file: string): Promise<string> {
	const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
	try {
		if (!(await handle.stat()).isFile()) throw new AmpError(`${file} is not a regular file (a FIFO, a device or a directory stands where the file belongs); put the file back`);
		return await handle.readFile('utf8');
	} finally {
		await handle.close();
	}
}
