import {describe, expect, it} from 'vitest';
import {UsageError} from '../../services/errors.js';
import {hostKeyName, parseSshTarget} from '../../services/ssh/target.js';

describe('parseSshTarget', () => {
	it('reads user@host and user@host:port', () => {
		expect(parseSshTarget('root@web1.example.com')).toEqual({user: 'root', host: 'web1.example.com', port: 22, label: 'root@web1.example.com', defaulted: ['port']});
		expect(parseSshTarget('deploy@10.0.0.5:2222')).toEqual({user: 'deploy', host: '10.0.0.5', port: 2222, label: 'deploy@10.0.0.5:2222'});
		expect(parseSshTarget(' admin@[2001:db8::1]:2200 ')).toEqual({user: 'admin', host: '2001:db8::1', port: 2200, label: 'admin@[2001:db8::1]:2200'});
		expect(parseSshTarget('admin@[::1]')).toMatchObject({host: '::1', port: 22});
	});

	it('leaves a missing user or port to ~/.ssh/config, with ssh\'s defaults meanwhile', () => {
		expect(parseSshTarget('web-two', 'alice')).toEqual({user: 'alice', host: 'web-two', port: 22, label: 'web-two', defaulted: ['user', 'port']});
		expect(parseSshTarget('web-two:2022', 'alice')).toEqual({user: 'alice', host: 'web-two', port: 2022, label: 'web-two:2022', defaulted: ['user']});
	});

	it.each([
		['', /it is empty/],
		['root@', /no host name/],
		['root@host:0', /"0" is not a port/],
		['root@host:65536', /"65536" is not a port/],
		['root@host:ssh', /"ssh" is not a port/],
		['root@::1', /IPv6 address in brackets/],
		['root@[::1', /without "\]"/],
		['root@[::1]x', /unexpected "x"/],
		['bad user@host', /"bad user" is not a user name/],
		['root@host name', /"host name" is not a host name/],
		['root@-oProxyCommand=x', /is not a host name/],
	])('refuses %j', (text, message) => {
		expect(() => parseSshTarget(text)).toThrow(UsageError);
		expect(() => parseSshTarget(text)).toThrow(message);
	});

	it('names hosts as known_hosts does', () => {
		expect(hostKeyName('10.0.0.5', 22)).toBe('10.0.0.5');
		expect(hostKeyName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
	});
});
