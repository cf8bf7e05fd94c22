import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import type {ServerResponse} from 'node:http';
import path from 'node:path';

const contentTypes: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.js': 'application/javascript; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.txt': 'text/plain; charset=utf-8',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.svg': 'image/svg+xml',
	'.ico': 'image/x-icon',
};

/** Sends `urlPath` from `root` if it names a file there (never outside it); false when there is none. */
export async function sendStaticFile(root: string, urlPath: string, response: ServerResponse): Promise<boolean> {
	let decoded: string;
	try {
		decoded = decodeURIComponent(urlPath);
	} catch {
		return false;
	}
	const file = path.resolve(root, '.' + path.posix.normalize(decoded));
	if (!file.startsWith(root + path.sep)) return false;
	let size: number;
	try {
		const info = await stat(file);
		if (!info.isFile()) return false;
		size = info.size;
	} catch {
		return false;
	}
	response.writeHead(200, {
		'content-type': contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
		'content-length': size,
	});
	await new Promise<void>((resolve, reject) => {
		createReadStream(file).on('error', reject).pipe(response).on('finish', resolve).on('error', reject);
	});
	return true;
}
