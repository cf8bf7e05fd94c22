import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {checkoutDirectory} from '../instance/locate.js';

/** What the deploy needs of an SSH connection (services/ssh's SshSession has this shape). */
export interface RemoteSession {
	exec(
		command: string,
		options?: {stdin?: Buffer | NodeJS.ReadableStream; timeoutMs?: number; onStdoutLine?: (line: string) => void; onStderrLine?: (line: string) => void; signal?: AbortSignal},
	): Promise<{code: number; stdout: string; stderr: string}>;
	close(): void;
}

export function shellQuote(text: string): string {
	return `'${text.replaceAll("'", "'\\''")}'`;
}

/** The compiled agent (one file, Node's own modules only) and its content hash. */
export function agentSource(): {code: Buffer; hash: string} {
	const beside = fileURLToPath(new URL('./remote-agent.js', import.meta.url));
	const file = existsSync(beside) ? beside : path.join(checkoutDirectory, 'dist', 'services', 'deploy', 'remote-agent.js');
	const code = readFileSync(file);
	return {code, hash: createHash('sha256').update(code).digest('hex').slice(0, 10)};
}

export class AgentError extends Error {}

/**
 * Runs the agent's steps on one host over one SSH session. `install` copies the agent to
 * `<root>/var/deploy/agent-<hash>.mjs` (atomically, once per version); `call` runs a step and
 * returns its result, passing its output lines on.
 */
export class AgentClient {
	private agentPath = '';

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
		const command = `test -s ${file} || { umask 077 && mkdir -p ${shellQuote(directory)} && cat > ${file}.$$ && mv ${file}.$$ ${file}; }`;
		const result = await this.session.exec(command, {stdin: code, timeoutMs, ...(signal ? {signal} : {})});
		if (result.code !== 0) throw new AgentError(`cannot install the deploy agent in ${directory}: ${result.stderr.trim() || `exit ${result.code}`}`);
		const node = await this.session.exec('node --version', {timeoutMs, ...(signal ? {signal} : {})});
		if (node.code !== 0 || !/^v(\d+)/.test(node.stdout.trim()) || Number(/^v(\d+)/.exec(node.stdout.trim())![1]) < 20) {
			throw new AgentError(`this host needs Node 20 or later as \`node\` in PATH (found: ${node.stdout.trim() || node.stderr.trim() || 'none'})`);
		}
	}

	async call<T>(step: string, request: Record<string, unknown>, options: {timeoutMs: number; stdin?: Buffer | NodeJS.ReadableStream; signal?: AbortSignal}): Promise<T> {
		let result: T | undefined;
		let error: string | undefined;
		let answered = false;
		const outcome = await this.session.exec(`node ${shellQuote(this.agentPath)} ${step} ${shellQuote(JSON.stringify({root: this.root, ...request}))}`, {
			timeoutMs: options.timeoutMs,
			...(options.stdin ? {stdin: options.stdin} : {}),
			...(options.signal ? {signal: options.signal} : {}),
			onStdoutLine: text => {
				let message: {line?: string; result?: T; error?: string};
				try {
					message = JSON.parse(text) as typeof message;
				} catch {
					this.onLine(text, 'out');
					return;
				}
				if (message.line !== undefined) this.onLine(message.line, 'out');
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
}
