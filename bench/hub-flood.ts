/*
 * The forged-announce flood of `npm run bench:hub`, in a worker thread of its own: the flood's
 * client work (opening hundreds of connections, reading their answers) runs on its own event loop,
 * as an attacker's would on its own machine, and never delays the honest client's timings.
 * Each forged announce names a real host and carries a well-formed signature made by no key, so
 * the hub must read the record and verify it. Messages in: `burst` (send `size` at once, answer
 * `sent` once they are on their way and `burstDone` with the tally once all are answered), `start`
 * (`size` loops, each sending again as soon as its last is answered) and `stop` (answer `floodDone`).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import {parentPort, type MessagePort} from 'node:worker_threads';

export interface FloodTally {
	sent: number;
	refused403: number;
	busy503: number;
	other: number;
	dropped: number;
}

export type FloodCommand =
	| {type: 'burst'; url: string; hostId: number; size: number; firstSequence: number}
	| {type: 'start'; url: string; hostId: number; size: number; atMostMs: number}
	| {type: 'stop'};

export type FloodReport = {type: 'sent'} | {type: 'burstDone'; tally: FloodTally} | {type: 'floodDone'; tally: FloodTally};

export const floodSources = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

function emptyTally(): FloodTally {
	return {sent: 0, refused403: 0, busy503: 0, other: 0, dropped: 0};
}

function agentsFor(size: number): http.Agent[] {
	return floodSources.map(localAddress => new http.Agent({keepAlive: true, maxSockets: Math.ceil(size / floodSources.length), localAddress}));
}

/** One forged announce; what the hub answered goes into `tally`. */
async function forgedAnnounce(url: string, hostId: number, sequence: number, agent: http.Agent, tally: FloodTally): Promise<number | undefined> {
	const {hostname, port} = new URL(url);
	const text = JSON.stringify({hostId, host: '203.0.113.66', port: 8040, at: new Date().toISOString(), sequence, signature: crypto.randomBytes(64).toString('base64')});
	tally.sent += 1;
	try {
		const status = await new Promise<number>((resolve, reject) => {
			const request = http.request(
				{host: hostname, port, method: 'POST', path: '/v1/announce', agent, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)}, timeout: 30_000},
				response => {
					response.resume();
					response.on('end', () => resolve(response.statusCode ?? 0));
					response.on('error', reject);
				},
			);
			request.on('timeout', () => request.destroy(new Error('timed out')));
			request.on('error', reject);
			request.end(text);
		});
		if (status === 403) tally.refused403 += 1;
		else if (status === 503) tally.busy503 += 1;
		else tally.other += 1;
		return status;
	} catch {
		tally.dropped += 1;
		return undefined;
	}
}

// Imported by bench/hub for its names too: the flood runs only in the worker thread.
if (parentPort !== null) serve(parentPort);

function serve(port: MessagePort): void {
	const post = (report: FloodReport): void => port.postMessage(report);
	const sustained = {stop: false, done: Promise.resolve(), tally: emptyTally()};

	port.on('message', (command: FloodCommand) => {
		if (command.type === 'burst') {
			const tally = emptyTally();
			const agents = agentsFor(command.size);
			const wave = Array.from({length: command.size}, (_, position) =>
				forgedAnnounce(command.url, command.hostId, command.firstSequence + position, agents[position % agents.length] as http.Agent, tally),
			);
			// The connections are being opened before the honest registration starts.
			setImmediate(() => post({type: 'sent'}));
			void Promise.all(wave).then(() => {
				for (const agent of agents) agent.destroy();
				post({type: 'burstDone', tally});
			});
		} else if (command.type === 'start') {
			const agents = agentsFor(command.size);
			const deadline = Date.now() + command.atMostMs;
			sustained.stop = false;
			sustained.tally = emptyTally();
			const loop = async (index: number): Promise<void> => {
				for (let sequence = 1; !sustained.stop && Date.now() < deadline; sequence++) {
					const status = await forgedAnnounce(command.url, command.hostId, sequence, agents[index % agents.length] as http.Agent, sustained.tally);
					// A refused connection or a 503 is retried after a pause, as a client honouring Retry-After roughly would.
					if (status === undefined || status === 503) await new Promise(resolve => setTimeout(resolve, 50));
				}
			};
			sustained.done = Promise.all(Array.from({length: command.size}, (_, index) => loop(index))).then(() => {
				for (const agent of agents) agent.destroy();
			});
		} else {
			sustained.stop = true;
			void sustained.done.then(() => post({type: 'floodDone', tally: sustained.tally}));
		}
	});
}
