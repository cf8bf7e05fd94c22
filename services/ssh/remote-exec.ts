import {constants} from 'node:os';
import {StringDecoder} from 'node:string_decoder';
import type {Client, ClientChannel} from 'ssh2';
import {AmpError} from '../errors.js';
import {TextLines} from '../supervisor/text-lines.js';

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
	/** A stream that runs for days: its lines go to onStdoutLine only, and the result's stdout stays empty (else it holds every byte). */
	stdoutToLinesOnly?: boolean;
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
function wrapRemoteCommand(command: string): string {
	return `exec sh -c ${shellQuote(`echo "${pidMarker}$$" >&2; exec sh -c "$1"`)} sh ${shellQuote(command)}`;
}

/**
 * Decodes a stream of chunks (multi-byte characters kept whole) and, given `onLine`, frames it into
 * lines with the one framer (the last one flushed at the end, a trailing CR dropped).
 */
function lineSplitter(onLine: ((line: string) => void) | undefined): {push(chunk: Buffer): string; end(): string} {
	const decoder = new StringDecoder('utf8');
	const lines = new TextLines();
	const give = (line: string): void => onLine?.(line.endsWith('\r') ? line.slice(0, -1) : line);
	const feed = (text: string): string => {
		if (onLine) for (const line of lines.push(text)) give(line);
		return text;
	};
	return {
		push: chunk => feed(decoder.write(chunk)),
		end: () => {
			const rest = feed(decoder.end());
			const last = lines.end();
			if (last !== '') give(last);
			return rest;
		},
	};
}

function summarize(command: string): string {
	const oneLine = command.replace(/\s+/g, ' ').trim();
	return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

/**
 * sshd frees a finished session's slot a moment after its channel closes, so with the slots nearly
 * all in use a new channel can be refused ("open failed"): it is asked for again, a few times.
 */
const channelOpenAttempts = 10;
const refusedChannel = Symbol('refused channel');

/** Opens the channel and runs the command on it; the channel's events are listened to from the start. */
function tryExec(client: Client, hostLabel: string, command: string, options: ExecOptions, lostReason: () => string | undefined, lastAttempt: boolean): Promise<ExecResult | typeof refusedChannel> {
	return new Promise((resolve, reject) => {
		client.exec(wrapRemoteCommand(command), (error, channel) => {
			if (error && /open failed/i.test(error.message) && !lastAttempt) return resolve(refusedChannel);
			if (error) return reject(new AmpError(`cannot run '${summarize(command)}' on ${hostLabel}: ${error.message}`));
			runChannel(client, channel, hostLabel, command, options, lostReason).then(resolve, reject);
		});
	});
}

/** Runs one command on an open connection; see SshSession.exec. */
export async function execOnClient(client: Client, hostLabel: string, command: string, options: ExecOptions = {}, lostReason: () => string | undefined = () => undefined): Promise<ExecResult> {
	for (let attempt = 1; ; attempt++) {
		if (options.signal?.aborted) throw new AmpError(`'${summarize(command)}' on ${hostLabel} was aborted before it started`);
		const result = await tryExec(client, hostLabel, command, options, lostReason, attempt === channelOpenAttempts);
		if (result !== refusedChannel) return result;
		await new Promise(resolve => setTimeout(resolve, 25 * attempt));
	}
}

function killGroup(client: Client, pid: number): void {
	client.exec(`kill -KILL -- -${pid}`, (error, channel) => {
		if (!error) channel.resume().end();
	});
}

function runChannel(client: Client, channel: ClientChannel, hostLabel: string, command: string, options: ExecOptions, lostReason: () => string | undefined): Promise<ExecResult> {
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
				// Until the wrapper's pid line is seen, stderr is held back; whatever a login script
				// printed before it is passed on. A stream that never shows it is passed on whole.
				announcement = Buffer.concat([announcement, chunk]);
				const at = announcement.indexOf(pidMarker);
				const lineEnd = at === -1 ? -1 : announcement.indexOf(0x0a, at);
				if (lineEnd === -1 && announcement.length < 65_536) return;
				if (lineEnd === -1) {
					chunk = announcement;
				} else {
					groupPid = Number(announcement.subarray(at + pidMarker.length, lineEnd).toString('latin1'));
					chunk = Buffer.concat([announcement.subarray(0, at), announcement.subarray(lineEnd + 1)]);
					if (stopReason) killGroup(client, groupPid);
				}
				announcement = undefined;
			}
			if (chunk.length > 0) stderr += stderrLines.push(chunk);
		};
		channel.on('data', (chunk: Buffer) => {
			const text = stdoutLines.push(chunk);
			if (!options.stdoutToLinesOnly) stdout += text;
		});
		channel.stderr.on('data', onStderr);
		const onExit = (exitCode: number | null, signalName?: string) => {
			const signalNumber = signalName ? constants.signals[`SIG${signalName}` as NodeJS.Signals] : undefined;
			code = exitCode ?? (signalNumber !== undefined ? 128 + signalNumber : 255);
		};
		channel.on('exit', onExit);
		function finish() {
			if (finished) return;
			finished = true;
			clearTimeout(timer);
			clearTimeout(graceTimer);
			options.signal?.removeEventListener('abort', onAbort);
			if (announcement !== undefined && announcement.length > 0) stderr += stderrLines.push(announcement);
			const rest = stdoutLines.end();
			if (!options.stdoutToLinesOnly) stdout += rest;
			stderr += stderrLines.end();
			if (stopReason) {
				channel.destroy();
				return reject(stopReason);
			}
			if (code === undefined) {
				const why = lostReason();
				return reject(new AmpError(`the connection to ${hostLabel} ended while '${summarize(command)}' ran${why ? ` (${why})` : ''}`));
			}
			resolve({code, stdout, stderr});
		}
		channel.on('close', (exitCode?: number | null, signalName?: string) => {
			// ssh2 repeats the exit status with 'close'.
			if (code === undefined && (typeof exitCode === 'number' || signalName)) onExit(exitCode ?? null, signalName);
			finish();
		});
		// Writing stdin to a channel the far side closed: the command's own exit tells the rest.
		channel.on('error', () => undefined);

		const stdin = options.stdin;
		if (stdin === undefined) channel.end();
		else if (Buffer.isBuffer(stdin)) channel.end(stdin);
		else {
			stdin.on('error', (error: Error) => stop(new AmpError(`reading the input for '${summarize(command)}' on ${hostLabel} failed: ${error.message}`)));
			stdin.pipe(channel);
		}
	});
}
