import http from 'node:http';

/**
 * POSTs `body` in two halves with `between` run after the first (say, a SIGTERM to the server),
 * so that the request is in flight across it; resolves with the status and the answer's text.
 */
export function postInTwoHalves(options: {url: string; path: string; headers: Record<string, string>; body: string; between: () => void}): Promise<{status: number; text: string}> {
	const {url, path, headers, body, between} = options;
	const half = Math.floor(body.length / 2);
	return new Promise((resolve, reject) => {
		const request = http.request(
			{host: '127.0.0.1', port: new URL(url).port, method: 'POST', path, headers: {'content-type': 'application/json', 'content-length': String(body.length), ...headers}},
			response => {
				let text = '';
				response.on('data', (chunk: Buffer) => (text += chunk.toString()));
				response.on('end', () => resolve({status: response.statusCode ?? 0, text}));
			},
		);
		request.on('error', reject);
		request.write(body.slice(0, half));
		setTimeout(() => {
			between();
			setTimeout(() => request.end(body.slice(half)), 300);
		}, 200);
	});
}
