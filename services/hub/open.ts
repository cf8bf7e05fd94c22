import os from 'node:os';
import path from 'node:path';
import {DirectoryHub} from './directory-hub.js';
import {HttpHub} from './http-client.js';
import type {Hub} from './types.js';

/** ampzero's own directory on this machine: `$AMPZERO_HOME`, else `~/.ampzero`. */
export function ampzeroHome(): string {
	const home = process.env['AMPZERO_HOME'];
	return home ? path.resolve(home) : path.join(os.homedir(), '.ampzero');
}

/** Where the embedded hub keeps its state, shared by every instance made on this machine. */
export function embeddedHubDirectory(): string {
	return path.join(ampzeroHome(), 'hub');
}

/** The hub an instance uses: `embedded` (in-process, state on this machine) or an `http(s)://` URL. */
export function openHub(location: string): Hub {
	return location === 'embedded' ? new DirectoryHub(embeddedHubDirectory(), 'embedded') : new HttpHub(location);
}
