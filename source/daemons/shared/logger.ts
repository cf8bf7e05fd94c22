/** One line per event on stdout (info, debug) or stderr (warn, error): `time level daemon message`. */
export interface Logger {
	debug(message: string): void;
	info(message: string): void;
	warn(message: string): void;
	error(message: string): void;
}

export interface LoggerOptions {
	debug?: boolean;
	/** Where lines go; the process streams unless a test captures them. */
	out?: (line: string) => void;
	err?: (line: string) => void;
}

export function createLogger(daemon: string, options: LoggerOptions = {}): Logger {
	const out = options.out ?? ((line: string) => writeLine(process.stdout, line));
	const err = options.err ?? ((line: string) => writeLine(process.stderr, line));
	const line = (level: string, message: string): string =>
		`${new Date().toISOString()} ${level} ${daemon}: ${message.replace(/\n/g, '\n  ')}\n`;
	return {
		debug: message => {
			if (options.debug) out(line('debug', message));
		},
		info: message => out(line('info', message)),
		warn: message => err(line('warn', message)),
		error: message => err(line('error', message)),
	};
}

/** A logger that drops everything: for the benchmark and tests that do not read logs. */
export const silentLogger: Logger = {debug() {}, info() {}, warn() {}, error() {}};

/**
 * stdout and stderr are the daemon's log file (the supervisor opens it for appending): a write
 * that fails there (a full disk) loses the line, never the request that logged it.
 */
function writeLine(stream: NodeJS.WriteStream, line: string): void {
	if (stream.listenerCount('error') === 0) stream.on('error', () => {});
	try {
		stream.write(line);
	} catch {
		// The supervisor says the disk is full; the line is lost.
	}
}
