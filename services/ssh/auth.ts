import {readFileSync} from 'node:fs';
import ssh2, {type AnyAuthMethod, type ParsedKey} from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader gives only its default export.
const {utils} = ssh2;

/** The ways to log in that will be offered, and the keys that had to be left out (and why). */
export interface AuthPlan {
	methods: AnyAuthMethod[];
	/** Each method as a person would name it, for "tried …" in an error. */
	tried: string[];
	/** Identity files that could not be used, with the reason and what to do. */
	skipped: string[];
}

export function planAuth(user: string, identityFiles: readonly string[], agentSocket: string | undefined): AuthPlan {
	const plan: AuthPlan = {methods: [], tried: [], skipped: []};
	if (agentSocket) {
		plan.methods.push({type: 'agent', username: user, agent: agentSocket});
		plan.tried.push(`the keys in ssh-agent (${agentSocket})`);
	}
	for (const file of new Set(identityFiles)) {
		let text: Buffer;
		try {
			text = readFileSync(file);
		} catch (error) {
			plan.skipped.push(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
			continue;
		}
		const parsed = utils.parseKey(text);
		if (parsed instanceof Error) {
			plan.skipped.push(
				/passphrase|encrypted/i.test(parsed.message)
					? `${file} is protected by a passphrase: add it to ssh-agent (ssh-add ${file}) and keep SSH_AUTH_SOCK set`
					: `${file} is not a private key ssh can use (${parsed.message})`,
			);
			continue;
		}
		const key: ParsedKey | undefined = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
		if (!key) continue;
		plan.methods.push({type: 'publickey', username: user, key});
		plan.tried.push(file);
	}
	return plan;
}
