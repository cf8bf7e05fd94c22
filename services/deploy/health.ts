import https from 'node:https';

/** One HTTPS GET (the instance's certificate is its own, so it is not checked here); resolves the status or the error's message. */
export function httpsStatus(host: string, port: number, path: string, timeoutMs: number): Promise<{status?: number; error?: string}> {
	return new Promise(resolve => {
		const request = https.get({host, port, path, rejectUnauthorized: false, timeout: timeoutMs, agent: false}, response => {
			response.resume();
			response.on('end', () => resolve({status: response.statusCode ?? 0}));
			response.on('error', error => resolve({error: error.message}));
		});
		request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
		request.on('error', error => resolve({error: (error as NodeJS.ErrnoException).code ?? error.message}));
	});
}

/** Asks until the answer is 200 or the time is up; resolves the last answer seen. */
export async function waitForHealthy(host: string, port: number, path: string, timeoutMs: number, signal?: AbortSignal): Promise<{ok: boolean; last: string}> {
	const deadline = Date.now() + timeoutMs;
	let last = 'no answer';
	while (Date.now() < deadline && !signal?.aborted) {
		const answer = await httpsStatus(host, port, path, Math.min(5000, Math.max(500, deadline - Date.now())));
		if (answer.status === 200) return {ok: true, last: '200'};
		last = answer.status !== undefined ? `HTTP ${answer.status}` : (answer.error ?? 'no answer');
		await new Promise(resolve => setTimeout(resolve, 200));
	}
	return {ok: false, last};
}
