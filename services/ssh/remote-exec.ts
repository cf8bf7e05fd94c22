import {constants} from 'node:os';
import {StringDecoder} from 'node:string_decoder';
import type {Client, ClientChannel} from 'ssh2';
import {AmpError} from '../errors.js';

export interface ExecResult {
	code: number;
	stdout: string;
	stderr: string;
}

export interface ExecOptions {
	stdin?: Buffer | NodeJS.ReadableStream;
	timeoutMs?: number;
	onStdoutLine?: (line: string) => void;
	onStderrLine?: (line: string) => void;
	signal?: AbortSignal;
}

/** How long a stopped command's channel may take to close before it is dropped. */
const killGraceMs = 3000;

/** How a wrapped command announces its process group, as the first line of its stderr. */
const pidMarker = '@ampzero-exec-pid ';

function shellQuote(text: string): string {
	return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * The command as sent: sh first tells its pid on stderr, then becomes `sh -c COMMAND`. sshd starts
 * each session as a session and process group leader, so that pid names the group of the command
 * and everything it starts; stopping it is `kill -KILL -PID` over a second channel. (An SSH "signal"
 * request would be neater, but sshd refuses it for root logins, which run without privilege separation.)
 */
export function wrapRemoteCommand(command: string): string {
	return `exec sh -c ${shellQuote(`echo "${pidMarker}$$" >&2; exec sh -c "$1"`)} sh ${shellQuote(command)}`;
}

/** Splits a stream of chunks into lines (the last one flushed at the end), keeping multi-byte characters whole. */
function lineSplitter(onLine: ((line: string) => void) | undefined): {push(chunk: Buffer): string; end(): string} {
	const decoder = new StringDecoder('utf8');
	let partial = '';
	const feed = (text: string) => {
		if (!onLine) return text;
		const lines = (partial + text).split('\n');
		partial = lines.pop() ?? '';
		for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
		return text;
	};
	return {
		push: chunk => feed(decoder.write(chunk)),
		end: () => {
			const rest = feed(decoder.end());
			if (onLine && partial !== '') onLine(partial);
			partial = '';
			return rest;
		},
	};
}

function summarize(command: string): string {
	const oneLine = command.replace(/\s+/g, ' ').trim();
	return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

/** Runs one command on an open connection; see SshSession.exec. */
export function execOnClient(client: Client, hostLabel: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
	return new Promise((resolve, reject) => {
		if (options.signal?.aborted) return reject(new AmpError(`'${summarize(command)}' on ${hostLabel} was aborted before it started`));
		client.exec(wrapRemoteCommand(command), (error, channel) => {
			if (error) return reject(new AmpError(`cannot run '${summarize(command)}' on ${hostLabel}: ${error.message}`));
			runChannel(client, channel, hostLabel, command, options).then(resolve, reject);
		});
	});
}

function killGroup(client: Client, pid: number): void {
	client.exec(`kill -KILL -- -${pid}`, (error, channel) => {
		if (!error) channel.resume().end();
	});
}

function runChannel(client: Client, channel: ClientChannel, hostLabel: string, command: string, options: ExecOptions): Promise<ExecResult> {
	return new Promise((resolve, reject) => {
		const stdoutLines = lineSplitter(options.onStdoutLine);
		const stderrLines = lineSplitter(options.onStderrLine);
		let stdout = '';
		let stderr = '';
		let code: number | undefined;
		let groupPid: number | undefined;
		let announcement: Buffer | undefined = Buffer.alloc(0);
		let stopReason: AmpError | undefined;
		let finished = false;
		let timer: NodeJS.Timeout | undefined;
		let graceTimer: NodeJS.Timeout | undefined;

		const stop = (reason: AmpError) => {
			if (stopReason || finished) return;
			stopReason = reason;
			if (groupPid !== undefined) killGroup(client, groupPid);
			else channel.close();
			graceTimer = setTimeout(finish, killGraceMs);
		};
		const onAbort = () => stop(new AmpError(`'${summarize(command)}' on ${hostLabel} was aborted and stopped`));
		options.signal?.addEventListener('abort', onAbort, {once: true});
		if (options.timeoutMs !== undefined) {
			timer = setTimeout(
				() => stop(new AmpError(`'${summarize(command)}' on ${hostLabel} did not finish within ${options.timeoutMs! / 1000}s and was stopped`)),
				options.timeoutMs,
			);
		}

		const onStderr = (chunk: Buffer) => {
			if (announcement !== undefined) {
				// Until the first newline, stderr is the wrapper's pid line.
				announcement = Buffer.concat([announcement, chunk]);
				const newline = announcement.indexOf(0x0a);
				if (newline === -1) return;
				const first = announcement.subarray(0, newline).toString('utf8');
				chunk = announcement.subarray(newline + 1);
				announcement = undefined;
				if (first.startsWith(pidMarker)) groupPid = Number(first.slice(pidMarker.length));
				else chunk = Buffer.concat([Buffer.from(`${first}\n`), chunk]);
				if (stopReason && groupPid !== undefined) killGroup(client, groupPid);
			}
			if (chunk.length > 0) stderr += stderrLines.push(chunk);
		};
		channel.on('data', (chunk: Buffer) => (stdout += stdoutLines.push(chunk)));
		channel.stderr.on('data', onStderr);
		channel.on('exit', (exitCode: number | null, signalName?: string) => {
			const signalNumber = signalName ? constants.signals[`SIG${signalName}` as NodeJS.Signals] : undefined;
			code = exitCode ?? (signalNumber !== undefined ? 128 + signalNumber : 255);
		});
		function finish() {
			if (finished) return;
			finished = true;
			clearTimeout(timer);
			clearTimeout(graceTimer);
			options.signal?.removeEventListener('abort', onAbort);
			if (announcement !== undefined && announcement.length > 0) stderr += stderrLines.push(announcement);
			stdout += stdoutLines.end();
			stderr += stderrLines.end();
			if (stopReason) {
				channel.destroy();
				return reject(stopReason);
			}
			if (code === undefined) return reject(new AmpError(`the connection to ${hostLabel} ended while '${summarize(command)}' ran`));
			resolve({code, stdout, stderr});
		}
		channel.on('close', finish);

		const stdin = options.stdin;
		if (stdin === undefined) channel.end();
		else if (Buffer.isBuffer(stdin)) channel.end(stdin);
		else {
			stdin.on('error', error => stop(new AmpError(`reading the input for '${summarize(command)}' on ${hostLabel} failed: ${error.message}`)));
			stdin.pipe(channel);
		}
	});
}
