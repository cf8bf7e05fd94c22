import {collapseCarriageReturns} from '../../services/supervisor/log-lines.js';

// CSI and OSC sequences, and the other C0 controls except tab; tabs become spaces below.
const controlSequences = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[@-Z\\-_]|[\u0000-\u0008\u000B-\u001F\u007F]/g;

/**
 * What a terminal would show for one line: after a carriage return the line starts over (progress
 * bars), escape sequences are dropped (the pane draws its own colours), tabs become spaces.
 */
export function cleanLine(raw: string, maxLength: number): string {
	let line = collapseCarriageReturns(raw);
	if (line.length > maxLength * 2) line = line.slice(0, maxLength * 2);
	if (/[\u0000-\u001F\u007F]/.test(line)) line = line.replace(/\t/g, '    ').replace(controlSequences, '');
	return line.length > maxLength ? line.slice(0, maxLength) : line;
}
