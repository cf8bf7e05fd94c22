/*
 * `npm run bench:nat` (as root: it makes network namespaces): on a fresh instance from `init --batch`,
 * 1. in a namespace with no gateway, alternating runs with and without `--no-nat-bypass`: all-ready
 *    as the supervisor counts it (`--no-daemon`) and `run --batch` wall time (daemonised), their
 *    ratios, and how soon the "no gateway" notice came;
 * 2. behind Debian's miniupnpd, how soon `run` has the frontend port mapped.
 * Targets: the notice within 5 s; all-ready with NAT bypass / without ≤ 1.1 (the search runs beside start-up).
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {runInForeground} from '../test/helpers/foreground-run.js';
import {letDaemonUserIn} from '../test/helpers/instance.js';
import {freePorts} from '../test/helpers/ports.js';
import {startNatLab} from '../test/helpers/nat-gateway.js';
import {execFile} from 'node:child_process';

const rounds = Number(process.env['RUN_ROUNDS'] ?? 3);
const ampzeroBin = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'), 'bin', 'ampzero');

function ampzero(home: string, args: string[], namespace?: string): Promise<{code: number; stdout: string; stderr: string}> {
	const [command, prefix] = namespace ? ['ip', ['netns', 'exec', namespace, process.execPath]] : [process.execPath, []];
	return new Promise(resolve => {
		execFile(command, [...prefix, ampzeroBin, ...args], {env: {...process.env, AMPZERO_HOME: home, CI: '1'}, timeout: 60_000}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
	const root = await mkdtemp(path.join(tmpdir(), 'ampzero-bench-nat-'));
	await letDaemonUserIn(root);
	const directory = path.join(root, 'benchnat');
	const home = path.join(root, 'home');
	const ports = (await freePorts(9)).map(String);
	const names = ['--frontend-port', '--http-port', '--keyspace-client-port', '--keyspace-peer-port', '--redis-live-port', '--redis-data-port', '--logstore-port', '--zerodata-port', '--ampnode-ports'];
	const init = await ampzero(home, ['init', directory, '--batch', '--amprun-root', path.join(root, 'var'), ...names.flatMap((name, index) => [name, ports[index]!])]);
	if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
	const bare = await startNatLab({gateway: false});
	try {
		await runInForeground(bare.client, directory, home, ['--no-hub', '--no-nat-bypass'], false, ampzeroBin);
		const withNat: number[] = [];
		const without: number[] = [];
		const notices: number[] = [];
		for (let round = 0; round < rounds; round++) {
			without.push((await runInForeground(bare.client, directory, home, ['--no-hub', '--no-nat-bypass'], false, ampzeroBin)).readyMs);
			const run = await runInForeground(bare.client, directory, home, ['--no-hub'], true, ampzeroBin);
			withNat.push(run.readyMs);
			notices.push(run.natNoticeAfterMs ?? Number.NaN);
		}
		console.log(`no gateway, ${rounds} rounds: all-ready median ${median(withNat)} ms with NAT bypass, ${median(without)} ms without (ratio ${(median(withNat) / median(without)).toFixed(2)}; target ≤ 1.1)`);
		const daemonised = {with: [] as number[], without: [] as number[]};
		for (let round = 0; round < rounds; round++) {
			for (const [key, flags] of [['without', ['--no-nat-bypass']], ['with', []]] as const) {
				const began = Date.now();
				const run = await ampzero(home, ['run', directory, '--batch', '--no-hub', ...flags], bare.client);
				if (run.code !== 0) throw new Error(`run failed: ${run.stderr}`);
				daemonised[key].push(Date.now() - began);
				await ampzero(home, ['run', directory, 'stop'], bare.client);
			}
		}
		console.log(
			`no gateway, daemonised: \`run --batch\` to all ready, median ${median(daemonised.with)} ms with NAT bypass, ${median(daemonised.without)} ms without (ratio ${(median(daemonised.with) / median(daemonised.without)).toFixed(2)}; target ≤ 1.1)`,
		);
		console.log(`no gateway: the NAT notice came ${median(notices)} ms after run started (median; worst ${Math.max(...notices)} ms; target < 5000)`);
	} finally {
		bare.cleanup();
	}
	const lab = await startNatLab({gateway: true});
	try {
		const began = Date.now();
		const run = await ampzero(home, ['run', directory, '--batch', '--no-hub'], lab.client);
		if (run.code !== 0) throw new Error(`run failed: ${run.stderr}`);
		const readyAt = Date.now() - began;
		while (!lab.leases().some(line => line.startsWith(`TCP:${ports[0]}:`)) && Date.now() - began < 20_000) await new Promise(resolve => setTimeout(resolve, 20));
		console.log(`behind miniupnpd: run --batch all ready after ${readyAt} ms; port ${ports[0]} mapped after ${Date.now() - began} ms`);
		await ampzero(home, ['run', directory, 'stop'], lab.client);
	} finally {
		lab.cleanup();
		await rm(root, {recursive: true, force: true});
	}
}

await main();
