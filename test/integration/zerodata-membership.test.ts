import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {keyFileName, newKeyPair} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {startInstanceDaemons, type RunningDaemons} from '../helpers/daemons.js';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance} from '../helpers/run-processes.js';

/**
 * The instance's zerodata and logstore, run as `ampzero run` runs them, against hosts that are
 * not its members: an anonymous registration at its hub, and the host of another instance on the
 * same hub. Then `ampzero members` as the README says, with the daemons left running.
 */
describe('who may use an instance: its members', () => {
	let site: TestInstance;
	let daemons: RunningDaemons | undefined;
	let otherHostId = 0;
	let otherSecretKey = '';
	const clients: Array<{close(): void}> = [];

	beforeAll(async () => {
		site = await makeTestInstance({name: 'site'});
		// Another instance made on the same machine: the same embedded hub signed its host key.
		const other = path.join(site.root, 'other');
		const made = await runAmpzero(['init', other, '--batch', '--json', '--amprun-root', path.join(site.root, 'var')], {home: site.home});
		if (made.code !== 0) throw new Error(`init of the other instance failed: ${made.stderr}`);
		const summary = made.stdout.trim().split('\n').map(line => JSON.parse(line) as {hostId?: number}).find(record => record.hostId !== undefined);
		otherHostId = summary?.hostId ?? 0;
		otherSecretKey = (await readPrivateKeyFile(path.join(other, 'ampnode', keyFileName('host', otherHostId, 'private')))).secretKey;
		daemons = await startInstanceDaemons(site.config, site.directory, {only: ['logstore', 'zerodata'], env: {AMPZERO_HOME: site.home}});
	}, 90_000);

	afterAll(async () => {
		for (const client of clients) client.close();
		await daemons?.stopAll();
		await endInstance(site);
	}, 60_000);

	const zerodata = (hostId: number, secretKey: string): ZerodataClient => {
		const client = new ZerodataClient({url: site.config.zerodataUrl, hostId, secretKey, instance: site.config.name, coalesce: false});
		clients.push(client);
		return client;
	};
	const logstore = (hostId: number, secretKey: string): LogstoreClient => {
		const client = new LogstoreClient({url: site.config.logstoreUrl, hostId, secretKey, instance: site.config.name});
		clients.push(client);
		return client;
	};
	const ownKey = async (): Promise<string> =>
		(await readPrivateKeyFile(path.join(site.directory, 'ampnode', keyFileName('host', site.config.hostId, 'private')))).secretKey;

	it('refuses an anonymous registration at its hub: put, get, append and query answer 403 naming membership', async () => {
		const pair = newKeyPair();
		const {id} = await new DirectoryHub(path.join(site.home, 'hub')).register('host', pair.publicKey, newKeyPair().publicKey);
		const notMember = new RegExp(`not a member: host ${id} is not a member of instance "site".*\\(status 403\\)|status 403`);
		await expect(zerodata(id, pair.secretKey).put('note', 1, {text: 'intruder'})).rejects.toThrow(/not a member: host \d+ is not a member of instance "site"/);
		await expect(zerodata(id, pair.secretKey).get('note', 1)).rejects.toThrow(/not a member/);
		await expect(logstore(id, pair.secretKey).append([{time: 1, kind: 'access', host: 'x', data: {}}])).rejects.toThrow(notMember);
		await expect(logstore(id, pair.secretKey).query({})).rejects.toThrow(notMember);
	});

	it('refuses the host of another instance on the same hub', async () => {
		await expect(zerodata(otherHostId, otherSecretKey).get('note', 1)).rejects.toThrow(`not a member: host ${otherHostId} is not a member of instance "site"`);
		await expect(logstore(otherHostId, otherSecretKey).query({})).rejects.toThrow(/not a member.*status 403/);
	});

	it('serves its own host, and a log record carries the host that signed it, not the one it claims', async () => {
		const own = zerodata(site.config.hostId, await ownKey());
		await own.put('note', 1, {text: 'mine'});
		expect(await own.get('note', 1)).toEqual({kind: 'note', id: 1, properties: {text: 'mine'}});
		const logs = logstore(site.config.hostId, await ownKey());
		await logs.append([{time: 5, kind: 'error', host: `host-${otherHostId}`, data: {message: 'forged'}}]);
		expect((await logs.query({kind: 'error'})).records).toEqual([{time: 5, kind: 'error', host: `host-${site.config.hostId}`, source: `host-${otherHostId}`, data: {message: 'forged'}}]);
	});

	it('`ampzero members add` admits a host without restarting the daemons; `remove` refuses it again', async () => {
		const pids = [...daemons!.daemons.values()].map(daemon => daemon.pid);
		const added = await runAmpzero(['members', site.directory, 'add', String(otherHostId), '--name', 'other', '--batch'], {home: site.home});
		expect(added.code, added.stderr).toBe(0);
		expect(added.stdout).toMatch(new RegExp(`✓ host-${otherHostId} is a member of site: ampnode/members.json signed with user-${site.config.userId}'s key, committed [0-9a-f]+`));
		await new Promise(resolve => setTimeout(resolve, 1_500));
		const guest = zerodata(otherHostId, otherSecretKey);
		expect(await guest.get('note', 1)).toEqual({kind: 'note', id: 1, properties: {text: 'mine'}});
		await logstore(otherHostId, otherSecretKey).append([{time: 6, kind: 'access', host: 'guest', data: {}}]);

		const listed = await runAmpzero(['members', site.directory, '--batch', '--json'], {home: site.home});
		expect(listed.stdout.trim().split('\n').map(line => JSON.parse(line) as unknown)).toEqual([
			{type: 'member', hostId: site.config.hostId, name: 'localhost', own: true},
			{type: 'member', hostId: otherHostId, name: 'other', own: false},
		]);

		const removed = await runAmpzero(['members', site.directory, 'remove', String(otherHostId), '--batch'], {home: site.home});
		expect(removed.code, removed.stderr).toBe(0);
		await new Promise(resolve => setTimeout(resolve, 1_500));
		await expect(zerodata(otherHostId, otherSecretKey).get('note', 1)).rejects.toThrow(/not a member/);
		expect([...daemons!.daemons.values()].map(daemon => daemon.pid)).toEqual(pids);
		for (const daemon of daemons!.daemons.values()) expect(daemon.child.exitCode).toBeNull();

		const own = await runAmpzero(['members', site.directory, 'remove', String(site.config.hostId), '--batch'], {home: site.home});
		expect(own.code).toBe(1);
		expect(own.stderr).toMatch(/is this instance's own host key/);
	}, 30_000);
});
