import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {isRunning} from '../../services/system/proc.js';
import {deploy, git, makeDeployFixture, whyDeployFailed, type DeployFixture, type DeployResult} from '../helpers/deploy-fixture.js';
import {startSshHosts, type SshTestHosts} from '../helpers/ssh-hosts.js';

/*
 * The hand-over: a change that restarts no daemon that keeps state goes out without the placeholder.
 * The new ampnodes start beside the old ones, nginx reloads onto them on every host at once, and the
 * old ones end after their last requests. A client asking every 20 ms sees only 200s: the old
 * release's answers, both while nginx's old workers finish, then only the new release's.
 */

let harness: SshTestHosts | undefined;
let fixture: DeployFixture | undefined;

beforeAll(async () => {
	harness = await startSshHosts(2);
	fixture = await makeDeployFixture(harness);
}, 120_000);

afterAll(async () => {
	await harness?.cleanup();
	await fixture?.cleanup();
}, 60_000);

type Host = SshTestHosts['hosts'][number];

function runDirectory(host: Host): string {
	return path.join(host.optDirectory, 'ampzero', 'var', fixture!.instance.config.name);
}

function pidOf(host: Host, file: string): number {
	return Number(readFileSync(path.join(runDirectory(host), file), 'utf8').split('\n')[0]);
}

/** What `/hello` (the example service, served by ampnode) answered: its status and the `release` field, if any. */
function hello(host: Host): Promise<string> {
	return new Promise(resolve => {
		const request = https.get({host: host.address, port: fixture!.instance.config.ports.frontend, path: '/hello?name=probe', rejectUnauthorized: false, agent: false, timeout: 5000}, response => {
			let body = '';
			response.on('data', chunk => (body += String(chunk)));
			response.on('end', () => {
				let release = 'one';
				try {
					release = (JSON.parse(body) as {release?: string}).release ?? 'one';
				} catch {
					release = 'not json';
				}
				resolve(response.statusCode === 200 ? release : `${response.statusCode}`);
			});
		});
		request.on('timeout', () => request.destroy(new Error('timeout')));
		request.on('error', error => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
	});
}

/**
 * Asks every host every 20 ms while `work` runs, and 300 ms before and after; returns each host's answers
 * while it ran (runs of one answer folded) and those after it.
 */
async function whileAsking<T>(work: () => Promise<T>): Promise<{result: T; during: string[][]; after: string[][]}> {
	let phase: 'during' | 'after' | 'done' = 'during';
	const during = harness!.hosts.map(() => [] as string[]);
	const after = harness!.hosts.map(() => [] as string[]);
	const loops = harness!.hosts.map(async (host, index) => {
		while (phase !== 'done') {
			const seen = phase === 'during' ? during[index]! : after[index]!;
			const answer = await hello(host);
			if (seen.at(-1) !== answer) seen.push(answer);
			await new Promise(resolve => setTimeout(resolve, 20));
		}
	});
	await new Promise(resolve => setTimeout(resolve, 300));
	const result = await work();
	phase = 'after';
	await new Promise(resolve => setTimeout(resolve, 300));
	phase = 'done';
	await Promise.all(loops);
	return {result, during, after};
}

function outputOf(result: DeployResult, step: string): string[] {
	return result.events.filter(event => event.type === 'output' && event.step === step).map(event => String(event['line']));
}

describe('a deploy that needs no daemon restarted hands the frontend over', () => {
	it('old and new ampnodes both answer during the switch, then only the new: no placeholder, no error; the rollback takes the same path', async () => {
		const first = await deploy(fixture!);
		expect(first.code, whyDeployFailed(first)).toBe(0);
		const nginxBefore = harness!.hosts.map(host => pidOf(host, 'nginx/nginx.pid'));
		const ampnodesBefore = harness!.hosts.map(host => pidOf(host, 'pids/ampnode.pid'));

		const service = path.join(fixture!.instance.directory, 'ampnode', 'services', 'hello.js');
		writeFileSync(service, readFileSync(service, 'utf8').replace('body: JSON.stringify({hello: name,', "body: JSON.stringify({release: 'two', hello: name,"));
		git(fixture!.instance.directory, 'commit', '-q', '-am', 'hello says which release it is');

		const change = await whileAsking(() => deploy(fixture!));
		expect(change.result.code, whyDeployFailed(change.result)).toBe(0);
		// Each host: 200 throughout; the old release's answers, then both while nginx's old workers finish, then only the new one's.
		for (const [index, answers] of change.during.entries()) {
			expect(answers.every(answer => answer === 'one' || answer === 'two'), answers.join(' ')).toBe(true);
			expect(answers[0]).toBe('one');
			expect(answers.at(-1)).toBe('two');
			expect(change.after[index]).toEqual(['two']);
		}
		expect(outputOf(change.result, 'placeholder-on').filter(line => line.startsWith('no placeholder'))).toHaveLength(2);
		expect(outputOf(change.result, 'nginx-upgrade').filter(line => line.includes('reloaded onto the new ampnodes'))).toHaveLength(2);
		// The old supervisor was asked over its control socket by the agent, not through a start of ampzero's command line.
		expect(outputOf(change.result, 'stop-old').filter(line => line === 'the supervisor stopped; every daemon goes on running')).toHaveLength(2);
		for (const [index, host] of harness!.hosts.entries()) {
			// nginx reloaded, not restarted; the ampnode is a new process, the old one gone, nothing left outgoing.
			expect(pidOf(host, 'nginx/nginx.pid')).toBe(nginxBefore[index]);
			expect(pidOf(host, 'pids/ampnode.pid')).not.toBe(ampnodesBefore[index]);
			expect(isRunning(ampnodesBefore[index]!)).toBe(false);
			expect(existsSync(path.join(runDirectory(host), 'pids', 'outgoing'))).toBe(false);
		}

		const back = await whileAsking(() => deploy(fixture!, ['--rollback']));
		expect(back.result.code, whyDeployFailed(back.result)).toBe(0);
		for (const [index, answers] of back.during.entries()) {
			expect(answers.every(answer => answer === 'one' || answer === 'two'), answers.join(' ')).toBe(true);
			expect(answers[0]).toBe('two');
			expect(back.after[index]).toEqual(['one']);
		}
		expect(outputOf(back.result, 'placeholder-on').filter(line => line.startsWith('no placeholder'))).toHaveLength(2);
		for (const [index, host] of harness!.hosts.entries()) expect(pidOf(host, 'nginx/nginx.pid')).toBe(nginxBefore[index]);
	}, 400_000);
});
