/*
 * `npm run bench:deploy`: on SSH hosts in network namespaces (test/helpers/ssh-hosts.ts), each
 * running a whole instance,
 * 1. a first deploy to 3 hosts and a one-file change: wall time and bytes sent;
 * 2. during the change, a client requesting each host's front page every 20 ms: answers by status
 *    (200 and the placeholder's 503 are fine; a connection error or a 502 is an error), how long
 *    each host served the placeholder, and the skew between the hosts' switch times;
 * 3. anchors on the same hosts and the same change: `pm2 deploy` of the instance repository
 *    (fetch + reset + post-deploy `true`: less work than ours, no restart), three times under the
 *    same client (their median is the target's comparison) and once more with no client, beside one change of ours with none, and
 *    `rsync -az --stats` of the unpacked releases (bytes sent);
 * 4. the same for an instance spread over three hosts (`trio`: hosts: with keyspace-0/1/2, logstore and
 *    zerodata on one, two server hosts), with its own anchors; the one-file change keeps the daemons
 *    that keep state running (counted from the deploy's output);
 * 5. the same first deploy and change to 10 hosts.
 * `DEPLOY_BENCH_CHANGES=10` deploys that many one-file changes in a row (default 1), the client asking throughout.
 * Targets: change ≤ 1.0× pm2; 0 errors and 0 placeholder pages for a change that restarts nothing that keeps state; patch bytes ≤ rsync's and ≤ 2% of the full tarball; skew ≤ 200 ms;
 * placeholder ≤ 2 s per host; 0 client errors.
 */
import {execFile} from 'node:child_process';
import {cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {changeInstanceFile, deploy, makeDeployFixture, makeTrioFixture, whyDeployFailed, type DeployFixture, type DeployResult} from '../test/helpers/deploy-fixture.js';
import {startSshHosts, type SshTestHosts} from '../test/helpers/ssh-hosts.js';
import {peakRssMb, procStat} from './proc-stats.js';

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface PollCounts {
	byStatus: Map<string, number>;
	/** Every answer's time, in ms. */
	latencies: number[];
	errors: number;
	firstPlaceholder?: number;
	lastPlaceholder?: number;
}

/** Requests https://host/index.html every 20 ms (one at a time per host) until stopped. */
function pollHosts(addresses: string[], port: number): {stop(): Promise<Map<string, PollCounts>>} {
	let running = true;
	const counts = new Map<string, PollCounts>(addresses.map(address => [address, {byStatus: new Map(), latencies: [], errors: 0}]));
	const loops = addresses.map(async address => {
		const mine = counts.get(address)!;
		while (running) {
			const began = Date.now();
			const status = await new Promise<string>(resolve => {
				const request = https.get({host: address, port, path: '/index.html', rejectUnauthorized: false, agent: false, timeout: 5000}, response => {
					response.resume();
					response.on('end', () => resolve(String(response.statusCode)));
					// A body cut short still ends the wait (a promise resolves once; later calls do nothing).
					response.on('close', () => resolve(response.complete ? String(response.statusCode) : `error body cut (${response.statusCode})`));
				});
				request.on('timeout', () => request.destroy(new Error('timeout')));
				request.on('error', error => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
			});
			mine.byStatus.set(status, (mine.byStatus.get(status) ?? 0) + 1);
			mine.latencies.push(Date.now() - began);
			if (status.startsWith('error') || status === '502') mine.errors++;
			if (status === '503') {
				mine.firstPlaceholder ??= began;
				mine.lastPlaceholder = Date.now();
			}
			await new Promise(resolve => setTimeout(resolve, Math.max(0, 20 - (Date.now() - began))));
		}
	});
	return {
		stop: async () => {
			running = false;
			await Promise.all(loops);
			return counts;
		},
	};
}

function stepTimes(result: DeployResult, step: string): Map<string, {start: number; end: number}> {
	const starts = new Map<string, number>();
	const times = new Map<string, {start: number; end: number}>();
	for (const event of result.events) {
		if (event.type === 'step-start' && event.step === step) starts.set(event.host, event.at);
		if (event.type === 'step-end' && event.step === step) times.set(event.host, {start: starts.get(event.host)!, end: starts.get(event.host)! + event.ms});
	}
	return times;
}

function bytesSent(result: DeployResult): number {
	return result.events.filter(event => event.type === 'step-end' && (event.step === 'transfer' || event.step === 'verify-transfer')).reduce((sum, event) => sum + (event.bytes ?? 0), 0);
}

/** What the deploying process cost: peak RSS and CPU (its own and its children's), read from /proc while it runs. */
interface DeployerCost {
	peakRssMb: number;
	cpuSeconds: number;
}

/** Watches the deploying process from its first event until it exits, every 100 ms (the last tenth of a second is not seen). */
function watchDeployer(): {onEvent: (event: Record<string, unknown>, child: {pid?: number}) => void; stop(): DeployerCost} {
	const cost: DeployerCost = {peakRssMb: 0, cpuSeconds: 0};
	let timer: NodeJS.Timeout | undefined;
	const sample = (pid: number): void => {
		try {
			const rss = peakRssMb(pid);
			// An exiting process has no VmHWM line any more.
			if (Number.isFinite(rss)) cost.peakRssMb = Math.max(cost.peakRssMb, rss);
			const stat = procStat(pid);
			if (stat) cost.cpuSeconds = stat.cpu + stat.childrenCpu;
		} catch {
			// Gone between two samples.
		}
	};
	return {
		onEvent: (_event, child) => {
			if (timer !== undefined || child.pid === undefined) return;
			const pid = child.pid;
			sample(pid);
			timer = setInterval(() => sample(pid), 100);
		},
		stop: () => {
			clearInterval(timer);
			return cost;
		},
	};
}

function percentile(values: number[], fraction: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

const changesInARow = Number(process.env['DEPLOY_BENCH_CHANGES'] ?? 1);

/**
 * The first deploy goes to at most this many hosts at once (`--host` for each, the first hosts, which run
 * the keyspace and the shared daemons, in the first wave); one-file changes go to every host at once,
 * `--parallel DEPLOY_BENCH_PARALLEL` if set. On this benchmark every host is a namespace of one machine:
 * thirty instances starting at once on its cores miss their readiness timeouts, which hosts of their own do not.
 */
const firstWave = Number(process.env['DEPLOY_BENCH_WAVE'] ?? 10);
const changeParallel = process.env['DEPLOY_BENCH_PARALLEL'];

async function timed(fixture: DeployFixture, args: string[] = []): Promise<{result: DeployResult; ms: number; cost: DeployerCost; began: number}> {
	const began = Date.now();
	const watch = watchDeployer();
	const result = await deploy(fixture, args, {}, 900_000, watch.onEvent);
	const cost = watch.stop();
	if (result.code !== 0) throw new Error(`deploy ${args.join(' ')} failed: ${whyDeployFailed(result)}`);
	return {result, ms: Date.now() - began, cost, began};
}

/**
 * Each step's median and slowest time over the hosts, in the order the steps ran, after what comes
 * before any host is reached: the command's start until its first event, and the local build
 * (instance and ampify releases, patches), which the deploying machine does alone.
 */
function stepCosts(result: DeployResult, began: number): Array<{step: string; medianMs: number; maxMs: number}> {
	const byStep = new Map<string, number[]>();
	const firstAt = result.events.map(event => Number(event['at'])).find(at => Number.isFinite(at));
	if (firstAt !== undefined) byStep.set('(command start)', [firstAt - began]);
	// From the first build step's start to the last one's end: they overlap each other and the connects.
	const builds = result.events.filter(event => event.type === 'build' && event['state'] === 'ok');
	const built = builds.length === 0 ? 0 : Math.max(...builds.map(event => Number(event['at']) + Number(event['ms']))) - Math.min(...builds.map(event => Number(event['at'])));
	byStep.set('(local build, beside connect)', [built]);
	for (const event of result.events) {
		if (event.type !== 'step-end') continue;
		const times = byStep.get(event.step) ?? [];
		times.push(event.ms);
		byStep.set(event.step, times);
	}
	return [...byStep].map(([step, times]) => {
		const sorted = [...times].sort((a, b) => a - b);
		return {step, medianMs: sorted[Math.floor((sorted.length - 1) / 2)]!, maxMs: sorted[sorted.length - 1]!};
	});
}

function run(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<{code: number; stdout: string; stderr: string; ms: number}> {
	const began = Date.now();
	return new Promise(resolve => {
		execFile(command, args, {cwd: options.cwd, env: {...process.env, ...options.env}, maxBuffer: 64 * 1024 * 1024, timeout: 600_000}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, ms: Date.now() - began});
		});
	});
}

function sshOptions(harness: SshTestHosts): string[] {
	return ['-i', harness.identityFile, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${harness.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-F', '/dev/null'];
}

/** rsync -az --stats of the new unpacked releases onto a copy of the old ones on the host: bytes sent. */
async function rsyncBytes(harness: SshTestHosts, fixture: DeployFixture, oldReleases: string[], newReleases: string[]): Promise<number> {
	const host = harness.hosts[0]!;
	const staging = path.join(fixture.root, 'rsync-new');
	mkdirSync(staging, {recursive: true});
	let total = 0;
	for (const [index, release] of newReleases.entries()) {
		const local = path.join(staging, release);
		mkdirSync(local, {recursive: true});
		const tar = await run('tar', ['-xf', path.join(fixture.home, 'deploy-cache', `${release}.tar`), '-C', local]);
		if (tar.code !== 0) throw new Error(tar.stderr);
		const remote = `/opt/rsync-anchor/${release.split('-')[0]}`;
		const copy = await host.exec(['sh', '-c', `rm -rf ${remote} && mkdir -p /opt/rsync-anchor && cp -a /opt/ampzero/dist/${oldReleases[index]} ${remote}`]);
		if (copy.code !== 0) throw new Error(copy.stderr);
		const rsync = await run('rsync', ['-az', '--stats', '--delete', '-e', `ssh ${sshOptions(harness).join(' ')} -p ${host.port}`, `${local}/`, `root@${host.address}:${remote}/`]);
		if (rsync.code !== 0) throw new Error(rsync.stderr);
		total += Number(/Total bytes sent: ([\d,]+)/.exec(rsync.stdout)?.[1]?.replaceAll(',', '') ?? 'NaN');
	}
	return total;
}

/**
 * pm2 deploy of the instance repository to the same hosts: setup once, then the timed update, with
 * the same client asking each host's front page every 20 ms as during our changes (its TLS
 * handshakes cost the hosts' CPU, which on this machine is the deploys' CPU too).
 */
async function pm2Anchor(harness: SshTestHosts, fixture: DeployFixture, text: string): Promise<{polledMs: number; quietMs: number}> {
	const ecosystem = path.join(fixture.root, 'ecosystem.config.cjs');
	const branch = (await run('git', ['-C', fixture.instance.directory, 'rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim();
	writeFileSync(
		ecosystem,
		`module.exports = {deploy: {production: {
	user: 'root',
	host: ${JSON.stringify(harness.hosts.map(host => host.address))},
	key: ${JSON.stringify(harness.identityFile)},
	ssh_options: ['IdentitiesOnly=yes', 'UserKnownHostsFile=${harness.knownHostsFile}', 'StrictHostKeyChecking=yes', 'BatchMode=yes'],
	ref: 'origin/${branch}',
	repo: ${JSON.stringify(fixture.instance.directory)},
	path: '/opt/pm2-anchor',
	'post-deploy': 'true',
}}};
`,
	);
	const pm2 = path.join(checkout, 'node_modules', '.bin', 'pm2');
	const env = {PM2_HOME: path.join(fixture.root, 'pm2-home')};
	const setup = await run(pm2, ['deploy', ecosystem, 'production', 'setup'], {cwd: fixture.root, env});
	if (setup.code !== 0) throw new Error(`pm2 deploy setup failed: ${setup.stdout}${setup.stderr}`);
	const first = await run(pm2, ['deploy', ecosystem, 'production', '--force'], {cwd: fixture.root, env});
	if (first.code !== 0) throw new Error(`pm2 deploy failed: ${first.stdout}${first.stderr}`);
	// Its time varies from one update to the next as much as ours: the median of three, as ours is of several.
	const polled: number[] = [];
	for (let index = 0; index < 3; index++) {
		changeInstanceFile(fixture, `${text} ${index + 1}`);
		const poller = pollHosts(harness.hosts.map(host => host.address), fixture.instance.config.ports.frontend);
		await new Promise(resolve => setTimeout(resolve, 300));
		const update = await run(pm2, ['deploy', ecosystem, 'production', '--force'], {cwd: fixture.root, env});
		await poller.stop();
		if (update.code !== 0) throw new Error(`pm2 deploy failed: ${update.stdout}${update.stderr}`);
		polled.push(update.ms);
	}
	// And once with nobody asking, beside our own quiet change.
	changeInstanceFile(fixture, `${text}, quiet`);
	const quiet = await run(pm2, ['deploy', ecosystem, 'production', '--force'], {cwd: fixture.root, env});
	if (quiet.code !== 0) throw new Error(`pm2 deploy failed: ${quiet.stdout}${quiet.stderr}`);
	await run(pm2, ['kill'], {env});
	return {polledMs: polled.sort((a, b) => a - b)[1]!, quietMs: quiet.ms};
}

interface Round {
	/** `single`: every host runs a whole single-machine instance; `spread`: one instance over the hosts (three keyspace members, the rest server hosts). */
	kind: 'single' | 'spread';
	hosts: number;
	/** The change's daemon records: daemons that keep state kept running, and restarted. */
	kept: number;
	restarted: number;
	firstMs: number;
	firstBytes: number;
	changeMs: number;
	changeBytes: number;
	fullBytes: number;
	placeholderMs: number[];
	clientPlaceholderMs: number[];
	switchSkewMs: number;
	reloadSkewMs: number;
	changesInARow: number;
	/** Over every change in a row: answers that were errors, and placeholder pages. */
	changeErrors: number;
	changePlaceholders: number;
	latencyP99: {idle: number; during: number};
	counts: Map<string, PollCounts>;
	pm2Ms?: number;
	/** With no client asking: one more change of ours, and pm2's. */
	quietChangeMs?: number;
	pm2QuietMs?: number;
	rsyncBytes?: number;
	changeSteps: Array<{step: string; medianMs: number; maxMs: number}>;
	firstCost: DeployerCost;
	changeCost: DeployerCost;
}

/** The first deploy, in waves of `firstWave` hosts when there are more: the waves' times and costs added up, the last wave's events. */
async function firstDeploy(fixture: DeployFixture, harness: SshTestHosts): Promise<Awaited<ReturnType<typeof timed>> & {bytes: number}> {
	const waves: string[][] = [];
	if (harness.hosts.length <= firstWave) waves.push([]);
	else for (let from = 0; from < harness.hosts.length; from += firstWave) waves.push(harness.hosts.slice(from, from + firstWave).flatMap(host => ['--host', host.target]));
	const done: Array<Awaited<ReturnType<typeof timed>>> = [];
	for (const args of waves) done.push(await timed(fixture, args));
	const sum = (of: (wave: Awaited<ReturnType<typeof timed>>) => number): number => done.reduce((total, wave) => total + of(wave), 0);
	return {
		result: done.at(-1)!.result,
		began: done[0]!.began,
		ms: sum(wave => wave.ms),
		bytes: sum(wave => bytesSent(wave.result)),
		cost: {peakRssMb: Math.max(...done.map(wave => wave.cost.peakRssMb)), cpuSeconds: sum(wave => wave.cost.cpuSeconds)},
	};
}

async function round(kind: 'single' | 'spread', count: number, anchors: boolean): Promise<Round> {
	const harness = await startSshHosts(count);
	let fixture: DeployFixture | undefined;
	try {
		fixture = kind === 'spread' ? await makeTrioFixture(harness) : await makeDeployFixture(harness);
		const first = await firstDeploy(fixture, harness);
		// The releases the last change went from (the hosts keep only those and the new ones): rsync's anchor starts there.
		let fromPlan = first.result.events.find(event => event.type === 'plan')!;
		const addresses = harness.hosts.map(host => host.address);
		const port = fixture.instance.config.ports.frontend;
		const idlePoller = pollHosts(addresses, port);
		await new Promise(resolve => setTimeout(resolve, 3000));
		const idle = [...(await idlePoller.stop()).values()].flatMap(each => each.latencies);
		// DEPLOY_BENCH_CHANGES one-file changes in a row, a client asking each host every 20 ms through each.
		const changes: Array<{ms: number; counts: Map<string, PollCounts>}> = [];
		let change!: Awaited<ReturnType<typeof timed>>;
		for (let index = 0; index < changesInARow; index++) {
			if (index > 0) fromPlan = change.result.events.find(event => event.type === 'plan')!;
			changeInstanceFile(fixture, `change ${index + 1} for ${count} hosts`);
			const poller = pollHosts(addresses, port);
			await new Promise(resolve => setTimeout(resolve, 300));
			change = await timed(fixture, changeParallel === undefined ? [] : ['--parallel', changeParallel]);
			await new Promise(resolve => setTimeout(resolve, 300));
			changes.push({ms: change.ms, counts: await poller.stop()});
		}
		const counts = changes.at(-1)!.counts;
		const during = changes.flatMap(each => [...each.counts.values()].flatMap(host => host.latencies));
		const changeTimes = changes.map(each => each.ms).sort((a, b) => a - b);
		const changePlan = change.result.events.find(event => event.type === 'plan')!;
		const on = stepTimes(change.result, 'placeholder-on');
		const off = stepTimes(change.result, 'placeholder-off');
		const switches = [...stepTimes(change.result, 'switch').values()].map(time => time.end);
		// In a hand-over the clients move at nginx's reload, early in nginx-upgrade, which starts on every host at once.
		const reloads = [...stepTimes(change.result, 'nginx-upgrade').values()].map(time => time.start);
		const fullInstance = JSON.parse(readFileSync(path.join(fixture.home, 'deploy-cache', `${changePlan.instanceRelease}.json`), 'utf8')) as {fullBytes: number};
		const fullAmpify = JSON.parse(readFileSync(path.join(fixture.home, 'deploy-cache', `${changePlan.ampifyRelease}.json`), 'utf8')) as {fullBytes: number};
		const fates = change.result.events.filter(event => event.type === 'daemon').map(event => String(event['state']));
		const result: Round = {
			kind,
			hosts: count,
			kept: fates.filter(fate => fate === 'kept').length,
			restarted: fates.filter(fate => fate === 'restarted' || fate === 'restarted-in-turn').length,
			firstMs: first.ms,
			firstBytes: first.bytes,
			changeMs: changeTimes[Math.floor((changeTimes.length - 1) / 2)]!,
			changesInARow: changes.length,
			changeErrors: changes.reduce((sum, each) => sum + [...each.counts.values()].reduce((hosts, host) => hosts + host.errors, 0), 0),
			changePlaceholders: changes.reduce((sum, each) => sum + [...each.counts.values()].reduce((hosts, host) => hosts + (host.byStatus.get('503') ?? 0), 0), 0),
			latencyP99: {idle: percentile(idle, 0.99), during: percentile(during, 0.99)},
			changeBytes: bytesSent(change.result),
			fullBytes: fullInstance.fullBytes + fullAmpify.fullBytes,
			placeholderMs: harness.hosts.map(host => off.get(host.target)!.end - on.get(host.target)!.start),
			clientPlaceholderMs: harness.hosts.map(host => {
				const seen = counts.get(host.address)!;
				return seen.firstPlaceholder === undefined ? 0 : seen.lastPlaceholder! - seen.firstPlaceholder;
			}),
			switchSkewMs: Math.max(...switches) - Math.min(...switches),
			reloadSkewMs: Math.max(...reloads) - Math.min(...reloads),
			counts,
			changeSteps: stepCosts(change.result, change.began),
			changeCost: change.cost,
			firstCost: first.cost,
		};
		if (anchors) {
			result.rsyncBytes = await rsyncBytes(harness, fixture, [fromPlan.ampifyRelease, fromPlan.instanceRelease], [changePlan.ampifyRelease, changePlan.instanceRelease]);
			changeInstanceFile(fixture, `quiet change for ${count} hosts`);
			result.quietChangeMs = (await timed(fixture)).ms;
			const pm2 = await pm2Anchor(harness, fixture, 'pm2 change');
			result.pm2Ms = pm2.polledMs;
			result.pm2QuietMs = pm2.quietMs;
		}
		return result;
	} catch (error) {
		keepHostLogs(harness);
		throw error;
	} finally {
		await harness.cleanup();
		await fixture?.cleanup();
	}
}

/** Every host's run logs and pid files, copied out before the hosts are removed: what a failed round leaves to read. */
function keepHostLogs(harness: SshTestHosts): void {
	const into = path.join(checkout, 'test-artifacts', 'bench-deploy-failure');
	rmSync(into, {recursive: true, force: true});
	for (const host of harness.hosts) {
		const runs = path.join(host.optDirectory, 'ampzero', 'var');
		if (!existsSync(runs)) continue;
		cpSync(runs, path.join(into, host.address), {recursive: true, filter: source => {
			const stat = lstatSync(source);
			return path.basename(source) !== 'data' && (stat.isDirectory() || stat.isFile());
		}});
	}
	process.stderr.write(`each host's logs: ${into}\n`);
}

function title(round: Round): string {
	return round.kind === 'spread' ? `one instance over ${round.hosts} hosts` : `${round.hosts} hosts, each a whole instance`;
}

function print(rounds: Round[]): void {
	const lines: string[] = [];
	const row = (what: string, value: string, target = '', ok?: boolean): void => {
		lines.push(`${what.padEnd(46)} ${value.padStart(16)}   ${target}${ok === undefined ? '' : ok ? '  ok' : '  MISSED'}`);
	};
	const detailed = rounds.filter(each => each.pm2Ms !== undefined);
	for (const three of detailed) {
		lines.push(`deploy benchmark: ${title(three)} (each host in its own network namespace)`);
		row('first deploy: time', `${three.firstMs} ms`, `pm2 deploy of the same change: ${three.pm2Ms} ms`);
		row('first deploy: bytes sent (all hosts)', `${three.firstBytes}`);
		row(`one-file change: time (median of ${three.changesInARow})`, `${three.changeMs} ms`, `≤ 1.0 × pm2 under the same client (median of 3: ${three.pm2Ms} ms); ${(three.changeMs / three.pm2Ms!).toFixed(2)}×`, three.changeMs <= three.pm2Ms!);
		if (three.quietChangeMs !== undefined && three.pm2QuietMs !== undefined) {
			row('one-file change with no client asking (one)', `${three.quietChangeMs} ms`, `pm2 with no client: ${three.pm2QuietMs} ms; ${(three.quietChangeMs / three.pm2QuietMs).toFixed(2)}×`);
		}
		row('one-file change: bytes sent per host', `${Math.round(three.changeBytes / three.hosts)}`, `≤ rsync (${three.rsyncBytes}) and ≤ 2% of full (${three.fullBytes})`, three.rsyncBytes !== undefined ? three.changeBytes / three.hosts <= three.rsyncBytes && three.changeBytes / three.hosts <= 0.02 * three.fullBytes : undefined);
		row('placeholder-on → placeholder-off per host (engine)', three.placeholderMs.map(ms => `${ms}`).join(' / ') + ' ms');
		row('placeholder seen by the client per host (first → last 503)', three.clientPlaceholderMs.map(ms => `${ms}`).join(' / ') + ' ms', '≤ 2000 ms (none for this change)', three.clientPlaceholderMs.every(ms => ms <= 2000));
		row('switch skew between hosts (links, nginx reload)', `${three.switchSkewMs} / ${three.reloadSkewMs} ms`, '≤ 200 ms', Math.max(three.switchSkewMs, three.reloadSkewMs) <= 200);
		row('daemons that keep state: kept / restarted', `${three.kept} / ${three.restarted}`, 'one-file change: none restarted', three.restarted === 0);
		row(`${three.changesInARow} change(s) in a row: client errors, placeholder pages`, `${three.changeErrors} / ${three.changePlaceholders}`, '0 / 0', three.changeErrors === 0 && three.changePlaceholders === 0);
		row('client p99 latency: idle / during the changes', `${three.latencyP99.idle} / ${three.latencyP99.during} ms`);
		for (const [address, counts] of three.counts) row(`  client answers from ${address}`, [...counts.byStatus].map(([status, n]) => `${status}×${n}`).join(' '));
	}
	for (const each of rounds) {
		lines.push(`${title(each)}: one-file change, each step's median / slowest host (ms)`);
		if (each.hosts > firstWave) row('  first deploy in waves of (--host), change --parallel', `${firstWave} / ${changeParallel ?? 'default'}`);
		for (const {step, medianMs, maxMs} of each.changeSteps) row(`  ${step}`, `${medianMs} / ${maxMs}`);
		const slowest = [...each.changeSteps].sort((a, b) => b.maxMs - a.maxMs)[0];
		if (slowest) row('  slowest step', `${slowest.step} ${slowest.maxMs} ms`);
		row('  deploying process: peak RSS, CPU (first / change)', `${each.firstCost.peakRssMb.toFixed(0)} / ${each.changeCost.peakRssMb.toFixed(0)} MB`, `CPU ${each.firstCost.cpuSeconds.toFixed(1)} / ${each.changeCost.cpuSeconds.toFixed(1)} s`);
		row('  per host: RSS, CPU (change)', `${(each.changeCost.peakRssMb / each.hosts).toFixed(1)} MB`, `${((each.changeCost.cpuSeconds / each.hosts) * 1000).toFixed(0)} ms CPU`);
	}
	const trio = rounds.find(each => each.kind === 'spread' && each.hosts === 3);
	for (const wide of rounds.filter(each => each.kind === 'spread' && each.hosts > 3)) {
		if (trio) row(`${title(wide)}: change vs over 3 hosts`, `${wide.changeMs} / ${trio.changeMs} ms`, `≤ 2× (${(wide.changeMs / trio.changeMs).toFixed(2)}×)`, wide.changeMs <= 2 * trio.changeMs);
	}
	const base = detailed.find(each => each.kind === 'single') ?? rounds[0]!;
	for (const more of rounds.filter(each => each.pm2Ms === undefined)) {
		row(`${title(more)}: first deploy / change`, `${more.firstMs} / ${more.changeMs} ms`, `${title(base)}: ${base.firstMs} / ${base.changeMs} ms`);
		row(`${title(more)}: switch skew, placeholder seen max`, `${more.switchSkewMs} / ${Math.max(...more.clientPlaceholderMs)} ms`);
		const moreErrors = [...more.counts.values()].reduce((sum, counts) => sum + counts.errors, 0);
		row(`${title(more)}: client errors`, `${moreErrors}`, '0', moreErrors === 0);
	}
	process.stdout.write(`${lines.join('\n')}\n`);
}

// DEPLOY_BENCH_HOSTS picks the rounds (default "3,trio,10"): a number of hosts each running a whole
// instance, `trio` for one instance over three hosts, or `spreadN` for one instance over N hosts (three
// keyspace members, N − 3 more server hosts: the scale round, e.g. spread10,spread30). Anchors (pm2 deploy, rsync) run with the first
// round and with trio (DEPLOY_BENCH_ANCHORS=0: none). Each round's figures are printed as soon as they are in.
const wanted = (process.env['DEPLOY_BENCH_HOSTS'] ?? '3,trio,10').split(',').map(entry => entry.trim()).filter(Boolean);
const rounds: Round[] = [];
for (const [index, entry] of wanted.entries()) {
	const spread = /^(?:trio|spread(\d+))$/.exec(entry);
	const count = spread ? Number(spread[1] ?? 3) : Number(entry);
	if (!(count > 0) || (spread && count < 3)) throw new Error(`DEPLOY_BENCH_HOSTS: "${entry}" is neither a number of hosts, trio nor spreadN (N ≥ 3)`);
	rounds.push(await round(spread ? 'spread' : 'single', count, process.env['DEPLOY_BENCH_ANCHORS'] !== '0' && (index === 0 || entry === 'trio')));
	print(rounds);
}
