import {readFile} from 'node:fs/promises';
import path from 'node:path';

const escapes: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, character => escapes[character] ?? character);
}

/** Fills `{{name}}` placeholders with HTML-escaped values; unknown names become empty. */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
	return template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g, (_match, name: string) => {
		const value = values[name];
		return value === undefined ? '' : escapeHtml(String(value));
	});
}

/** A template file's text, or undefined when the instance has no such template. Read on each use, so edits show at once. */
export async function readTemplate(templatesDirectory: string, name: string): Promise<string | undefined> {
	try {
		return await readFile(path.join(templatesDirectory, path.basename(name)), 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}
