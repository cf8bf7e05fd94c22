import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {homedir, tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {expandPath, resolveHost} from '../../services/ssh/ssh-config.js';
import {jumpHosts} from '../../services/ssh/session.js';
import {parseSshTarget} from '../../services/ssh/target.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'ampzero-ssh-config-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
const config = path.join(scratch, 'config');
writeFileSync(
	config,
	[
		'Host web-*',
		'  HostName %h.internal.example.org',
		'  User deploy',
		'  Port 2200',
		'  IdentityFile ~/.ssh/deploy_%r',
		'  ProxyJump jump@bastion.example.org:2222,inner',
		'Host db',
		'  Hostname 10.1.2.3',
		'  identityfile /keys/db',
		'  ProxyJump none',
		'Host *',
		'  User fallback',
		'  IdentityFile %d/.ssh/id_shared',
		'',
	].join('\n'),
);

describe('resolveHost with ~/.ssh/config', () => {
	it('applies HostName, User, Port, IdentityFile and ProxyJump of the first matching Host', () => {
		expect(resolveHost(parseSshTarget('web-1', 'me'), config)).toMatchObject({
			hostName: 'web-1.internal.example.org',
			user: 'deploy',
			port: 2200,
			identityFiles: [path.join(homedir(), '.ssh/deploy_deploy'), path.join(homedir(), '.ssh/id_shared')],
			jumps: ['jump@bastion.example.org:2222', 'inner'],
		});
		expect(resolveHost(parseSshTarget('db', 'me'), config)).toMatchObject({hostName: '10.1.2.3', user: 'fallback', port: 22, identityFiles: ['/keys/db', path.join(homedir(), '.ssh/id_shared')], jumps: []});
	});

	it('keeps what the user wrote over the config', () => {
		expect(resolveHost(parseSshTarget('root@web-1:22'), config)).toMatchObject({user: 'root', port: 22, hostName: 'web-1.internal.example.org'});
	});

	it('works without a config file', () => {
		expect(resolveHost(parseSshTarget('root@10.0.0.5'), path.join(scratch, 'missing'))).toEqual({
			target: {user: 'root', host: '10.0.0.5', port: 22, label: 'root@10.0.0.5', defaulted: ['port']},
			hostName: '10.0.0.5',
			port: 22,
			user: 'root',
			identityFiles: [],
			jumps: [],
		});
	});

	it('expands ~ and tokens in paths', () => {
		expect(expandPath('~/.ssh/%h_%r%%', {host: 'h', remoteUser: 'r'})).toBe(path.join(homedir(), '.ssh/h_r%'));
		expect(expandPath('/abs/key', {host: 'h', remoteUser: 'r'})).toBe('/abs/key');
	});
});

describe('jump hosts', () => {
	it('go through the first jump\'s own ProxyJump first, then each listed hop', () => {
		const file = path.join(scratch, 'jumps');
		writeFileSync(
			file,
			['Host target', '  ProxyJump a,b', 'Host a', '  ProxyJump outer', 'Host b', '  ProxyJump ignored', 'Host outer', '  HostName 10.0.0.1', 'Host loop', '  ProxyJump loop', ''].join('\n'),
		);
		const chain = jumpHosts(resolveHost(parseSshTarget('root@target'), file), file);
		expect(chain.map(hop => hop.hostName)).toEqual(['10.0.0.1', 'a', 'b']);
		expect(() => jumpHosts(resolveHost(parseSshTarget('root@loop'), file), file)).toThrow(/nests more than 8 deep at loop: is there a loop\?/);
	});
});
