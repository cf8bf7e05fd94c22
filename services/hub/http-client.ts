import {AmpError, errorMessage} from '../errors.js';
import type {HubPublicKeyRecord, IdentityKind} from '../keys/identity.js';
import {HubRefusal, type HostAnnouncement, type Hub, type HubRecord} from './types.js';
import {deadlineSignal} from '../deadline-signal.js';

/** How long to wait for a hub before saying it cannot be reached. */
const hubTimeoutMs = 3000;

/** A hub served by `ampzero hub serve` at `url`. */
export class HttpHub implements Hub {
	constructor(readonly location: string) {}

	async publicKey(signal?: AbortSignal): Promise<HubPublicKeyRecord> {
		const answer = await this.request<{publicKey: string}>('GET', '/v1/hub-key', undefined, signal);
		return {hub: this.location, publicKey: answer.publicKey};
	}

	register(kind: IdentityKind, publicKey: string, controlPublicKey: string, signal?: AbortSignal): Promise<{id: number; hubSignature: string}> {
		return this.request('POST', '/v1/register', {kind, publicKey, controlPublicKey}, signal);
	}

	update(kind: IdentityKind, id: number, newPublicKey: string, signature: string): Promise<{hubSignature: string; version: number}> {
		return this.request('POST', '/v1/update', {kind, id, newPublicKey, signature});
	}

	async announce(announcement: HostAnnouncement, signal?: AbortSignal): Promise<void> {
		await this.request('POST', '/v1/announce', announcement, signal);
	}

	lookup(kind: IdentityKind, id: number): Promise<HubRecord> {
		return this.request('GET', `/v1/records/${kind}/${id}`);
	}

	private async request<T>(method: 'GET' | 'POST', route: string, body?: unknown, signal?: AbortSignal): Promise<T> {
		const url = new URL(route.slice(1), this.location.endsWith('/') ? this.location : `${this.location}/`);
		let response: Response;
		try {
			response = await fetch(url, {
				method,
				headers: body === undefined ? {} : {'content-type': 'application/json'},
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: deadlineSignal(hubTimeoutMs, signal),
			});
		} catch (error) {
			if (signal?.aborted) throw signal.reason;
			const code = (error as {cause?: {code?: string}}).cause?.code ?? '';
			if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
				throw new AmpError(
					`the hub at ${this.location} has a TLS certificate this machine does not trust (${code}); if it is the hub's self-signed one, compare its SHA-256 fingerprint with the one \`hub serve\` printed and trust it with NODE_EXTRA_CA_CERTS=hub.cert`,
				);
			}
			throw new AmpError(
				`the hub at ${this.location} cannot be reached (${why(error)}); start it with \`ampzero hub serve\`, fix the URL, or use --hub embedded`,
			);
		}
		const text = await response.text();
		let answer: unknown;
		try {
			answer = JSON.parse(text);
		} catch {
			throw new AmpError(`the hub at ${this.location} answered ${response.status} with something that is not JSON; is it an ampzero hub?`);
		}
		if (!response.ok) {
			const message = (answer as {error?: unknown}).error;
			const status = response.status;
			const text = typeof message === 'string' ? message : `the hub at ${this.location} answered ${status}`;
			if (status === 429) {
				const retryAfter = Number(response.headers.get('retry-after') ?? '60');
				throw new HubRefusal(`${text} (the hub at ${this.location} limits registrations; try again in ${retryAfter} s)`, 429, retryAfter);
			}
			if (status === 400 || status === 403 || status === 404 || status === 409) throw new HubRefusal(text, status);
			throw new AmpError(text);
		}
		return answer as T;
	}
}

function why(error: unknown): string {
	if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer in ${hubTimeoutMs / 1000} s`;
	const cause = (error as {cause?: {code?: string; message?: string}}).cause;
	return cause?.code ?? cause?.message ?? errorMessage(error);
}
