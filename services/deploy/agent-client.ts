import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {checkoutDirectory} from '../system/checkout.js';

/** What the deploy needs of an SSH connection (services/ssh's SshSession has this shape). */
export interface RemoteSession {
	exec(
		command: string,
		options?: {stdin?: Buffer | NodeJS.ReadableStream; timeoutMs?: number; onStdoutLine?: (line: string) => void; onStderrLine?: (line: string) => void; stdoutToLinesOnly?: boolean; signal?: AbortSignal},
	): Promise<{code: number; stdout: string; stderr: string}>;
	close(): void;
	/** Where the connection really went (after ~/.ssh/config): the health check asks there, never at an alias. */
	readonly resolved?: {hostName: string};
}

export function shellQuote(text: string): string {
	return `'${text.replaceAll("'", "'\\''")}'`;
}

/** The agent's bundle (remote-agent.ts and what it imports, as one file of Node's own modules: bin/bundle.mjs) and its content hash. */
function agentSource(): {code: Buffer; hash: string} {
	// The built file in the checkout, also when this module runs from the command line's bundle or from its TypeScript source.
	const file = path.join(checkoutDirectory, 'dist', 'services', 'deploy', 'remote-agent.bundle.js');
	let code: Buffer;
	try {
		code = readFileSync(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		throw new AgentError(`the deploy agent is not built (${file} is missing): run \`npm run build\` in ${checkoutDirectory}`);
	}
	return {code, hash: createHash('sha256').update(code).digest('hex').slice(0, 10)};
}

class AgentError extends Error {}

/** Data for a step's stdin up to this size goes over the serving agent's channel, base64 in the step's message: no exec, no Node start of its own. */
export const inlineInputBytes = 4 * 1024 * 1024;

interface Pending {
	resolve(value: unknown): void;
	reject(error: Error): void;
	onLine?: (line: string) => void;
}

interface Serving {
	input: PassThrough;
	pending: Map<number, Pending>;
	closed: boolean;
	stop: AbortController;
	ended: Promise<void>;
}

/**
 * Runs the agent's steps on one host over one SSH session. `install` copies the agent to
 * `<root>/var/deploy/agent-<hash>.mjs` (atomically, once per version); `serve` keeps one agent
 * process answering steps over one exec channel; `call` runs a step there (or, for a step that
 * reads data on stdin, or when that channel is gone, in an exec of its own) and returns its result.
 */
export class AgentClient {
	private agentPath = '';
	private serving: Serving | undefined;
	private nextId = 1;

	constructor(
		readonly session: RemoteSession,
		readonly root: string,
		private readonly onLine: (line: string, stream: 'out' | 'err') => void,
	) {}

	async install(timeoutMs: number, signal?: AbortSignal): Promise<void> {
		const {code, hash} = agentSource();
		const directory = `${this.root}/var/deploy`;
		this.agentPath = `${directory}/agent-${hash}.mjs`;
		const file = shellQuote(this.agentPath);
		// The root and var/ stay passable (the daemons' user runs below them); the agent's own directory is private.
		const command = `test -s ${file} || { mkdir -p -m 755 ${shellQuote(this.root)} ${shellQuote(`${this.root}/var`)} && umask 077 && mkdir -p ${shellQuote(directory)} && cat > ${file}.$$ && mv ${file}.$$ ${file}; }; node --version`;
		const result = await this.session.exec(command, {stdin: code, timeoutMs, ...(signal ? {signal} : {})});
		if (result.code !== 0 && result.code !== 127) throw new AgentError(`cannot install the deploy agent in ${directory}: ${result.stderr.trim() || `exit ${result.code}`}`);
		const version = /v(\d+)\.\d+\.\d+/.exec(result.stdout);
		if (!version || Number(version[1]) < 20) throw new AgentError(`this host needs Node 20 or later as \`node\` in PATH (found: ${version?.[0] ?? 'none'})`);
	}

	/** Starts the agent that answers every later step over one channel. */
	async serve(timeoutMs: number): Promise<void> {
		const input = new PassThrough();
		const pending = new Map<number, Pending>();
		const stop = new AbortController();
		let ready: () => void = () => {};
		const isReady = new Promise<void>(resolve => (ready = resolve));
		const serving: Serving = {input, pending, closed: false, stop, ended: Promise.resolve()};
		serving.ended = this.session
			.exec(`node ${shellQuote(this.agentPath)} serve`, {
				stdin: input,
				timeoutMs: 7 * 24 * 3600_000,
				signal: stop.signal,
				onStdoutLine: text => {
					let message: {id?: number; ready?: boolean; line?: string; result?: unknown; error?: string};
					try {
						message = JSON.parse(text) as typeof message;
					} catch {
						this.onLine(text, 'out');
						return;
					}
					if (message.ready) return ready();
					const waiting = message.id === undefined ? undefined : pending.get(message.id);
					if (message.line !== undefined) (waiting?.onLine ?? (line => this.onLine(line, 'out')))(message.line);
					if (!waiting) return;
					if ('result' in message) {
						pending.delete(message.id!);
						waiting.resolve(message.result);
					} else if (message.error !== undefined) {
						pending.delete(message.id!);
						waiting.reject(new AgentError(message.error));
					}
				},
				onStderrLine: text => this.onLine(text, 'err'),
			})
			.then(
				() => undefined,
				() => undefined,
			)
			.finally(() => {
				serving.closed = true;
				for (const waiting of pending.values()) waiting.reject(new AgentError('the connection to the deploy agent closed'));
				pending.clear();
			});
		this.serving = serving;
		let timer: NodeJS.Timeout | undefined;
		const endedEarly = serving.ended.then(() => Promise.reject(new AgentError('the deploy agent ended before it was ready')));
		endedEarly.catch(() => {});
		try {
			await Promise.race([
				isReady,
				endedEarly,
				new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new AgentError(`the deploy agent was not ready in ${timeoutMs} ms`)), timeoutMs))),
			]);
		} finally {
			clearTimeout(timer);
		}
	}

	/**
	 * Runs `step` on the serving agent; data for its stdin goes along in the same message when it is a
	 * Buffer of at most `inlineInputBytes` (a small file sent, a manifest). A stream, or a larger
	 * Buffer, is streamed in an exec of its own, as is every step once the serving channel is gone.
	 */
	async call<T>(step: string, request: Record<string, unknown>, options: {timeoutMs: number; stdin?: Buffer | NodeJS.ReadableStream; signal?: AbortSignal; onLine?: (line: string) => void}): Promise<T> {
		const serving = this.serving;
		const inline = options.stdin === undefined || (Buffer.isBuffer(options.stdin) && options.stdin.length <= inlineInputBytes);
		if (inline && serving && !serving.closed) return this.callServed<T>(serving, step, request, options);
		return this.callOnce<T>(step, request, options);
	}

	private callServed<T>(serving: Serving, step: string, request: Record<string, unknown>, options: {timeoutMs: number; stdin?: Buffer | NodeJS.ReadableStream; onLine?: (line: string) => void}): Promise<T> {
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			const timer = setTimeout(() => {
				serving.pending.delete(id);
				// A step that does not answer in time leaves the agent busy: this channel is given up (its processes stopped).
				serving.stop.abort();
				reject(new AgentError(`${step} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped`));
			}, options.timeoutMs);
			serving.pending.set(id, {
				resolve: value => (clearTimeout(timer), resolve(value as T)),
				reject: error => (clearTimeout(timer), reject(error)),
				...(options.onLine ? {onLine: options.onLine} : {}),
			});
			const input = Buffer.isBuffer(options.stdin) ? {input: options.stdin.toString('base64')} : {};
			serving.input.write(`${JSON.stringify({id, step, request: {root: this.root, ...request}, ...input})}\n`);
		});
	}

	private async callOnce<T>(step: string, request: Record<string, unknown>, options: {timeoutMs: number; stdin?: Buffer | NodeJS.ReadableStream; signal?: AbortSignal; onLine?: (line: string) => void}): Promise<T> {
		let result: T | undefined;
		let error: string | undefined;
		let answered = false;
		const onLine = options.onLine ?? ((line: string) => this.onLine(line, 'out'));
		const outcome = await this.session.exec(`node ${shellQuote(this.agentPath)} ${step} ${shellQuote(JSON.stringify({root: this.root, ...request}))}`, {
			timeoutMs: options.timeoutMs,
			...(options.stdin ? {stdin: options.stdin} : {}),
			...(options.signal ? {signal: options.signal} : {}),
			onStdoutLine: text => {
				let message: {line?: string; result?: T; error?: string};
				try {
					message = JSON.parse(text) as typeof message;
				} catch {
					onLine(text);
					return;
				}
				if (message.line !== undefined) onLine(message.line);
				if ('result' in message) {
					result = message.result;
					answered = true;
				}
				if (message.error !== undefined) error = message.error;
			},
			onStderrLine: text => this.onLine(text, 'err'),
		});
		if (error !== undefined) throw new AgentError(error);
		if (!answered) throw new AgentError(`${step} ended without an answer (exit ${outcome.code}${outcome.stderr.trim() ? `: ${outcome.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''})`);
		return result as T;
	}

	/** Ends the serving agent (it exits when its input ends). */
	async close(): Promise<void> {
		const serving = this.serving;
		if (!serving || serving.closed) return;
		serving.input.end();
		const timer = setTimeout(() => serving.stop.abort(), 3000);
		await serving.ended;
		clearTimeout(timer);
	}
}
