import {describe, expect, it} from 'vitest';
import {fromYaml, toYaml, type InstanceConfig} from '../../services/config/amprun.js';
import {newInstanceConfig} from '../../services/instance/instance-config.js';
import {defaultAnswers} from '../../services/config/defaults.js';

const base = (): InstanceConfig => newInstanceConfig('demo', defaultAnswers(), {userId: 1, hostId: 2});

describe('zerodata storage in amprun.yaml', () => {
	it('is SQLite unless the file names another engine, and round-trips', () => {
		const config = base();
		expect(fromYaml(toYaml(config), 'amprun.yaml').zerodataStorage).toBeUndefined();
		const own = {...config, zerodataStorage: {engine: 'postgresql' as const}};
		expect(fromYaml(toYaml(own), 'amprun.yaml').zerodataStorage).toEqual({engine: 'postgresql'});
		const shared = {...config, zerodataStorage: {engine: 'postgresql' as const, postgresqlUrl: 'postgresql://zerodata@db.example/zerodata'}};
		expect(fromYaml(toYaml(shared), 'amprun.yaml').zerodataStorage).toEqual(shared.zerodataStorage);
	});

	it('refuses an unknown engine, a URL that is not postgresql:// and unknown settings, naming the line', () => {
		const text = toYaml(base());
		const line = text.split('\n').length;
		expect(() => fromYaml(`${text}zerodata: {engine: mysql}\n`, 'amprun.yaml')).toThrow(`amprun.yaml:${line}: zerodata engine must be "sqlite" or "postgresql", not "mysql"`);
		expect(() => fromYaml(`${text}zerodata: {engine: postgresql, postgresql_url: "http://x"}\n`, 'amprun.yaml')).toThrow(/zerodata postgresql_url must be a postgresql:\/\/ URL/);
		expect(() => fromYaml(`${text}zerodata: {engine: postgresql, pool: 3}\n`, 'amprun.yaml')).toThrow(/unknown setting pool/);
	});
});
