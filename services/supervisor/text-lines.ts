import {StringDecoder} from 'node:string_decoder';

/**
 * The one newline framing of byte streams (daemon output, JSON lines on the control socket, a
 * followed log file). Bytes are decoded as a stream, so a UTF-8 character split between two chunks
 * arrives whole; a line split between chunks waits for its newline.
 */
export class TextLines {
	private decoder = new StringDecoder('utf8');
	/** The unfinished last line. */
	pending = '';

	/** The lines a chunk completes, without their newlines. */
	push(chunk: Buffer | string): string[] {
		const parts = (this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))).split('\n');
		this.pending = parts.pop() ?? '';
		return parts;
	}

	/** The rest when the stream ends: the unfinished line, or '' when there is none. */
	end(): string {
		const rest = this.pending + this.decoder.end();
		this.pending = '';
		return rest;
	}

	/** Forgets everything pending (the followed file was replaced). */
	reset(): void {
		this.decoder = new StringDecoder('utf8');
		this.pending = '';
	}
}
