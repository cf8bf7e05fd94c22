import {existsSync} from 'node:fs';
import path from 'node:path';
import {configFileName, loadInstanceConfig, type InitAnswers} from '../../services/config/amprun.js';
import {defaultAnswers} from '../../services/config/defaults.js';
import type {PortMap} from '../../services/config/ports.js';
import {AmpError} from '../../services/errors.js';
import {readAnswersFile} from '../../services/instance/answers-file.js';
import {createInstance} from '../../services/instance/create.js';
import {answersOf} from '../../services/instance/instance-config.js';
import {instanceArgument, resolveInstanceDirectory} from '../../services/instance/locate.js';
import type {InitEvent, InstanceSummary} from '../../services/instance/types.js';
import {hasErrors, validateAnswers, type TypedPorts} from '../../services/instance/validate.js';
import {isInteractive} from '../interactive.js';
import {onInterrupts} from '../interrupts.js';
import {createBatchOutput, type BatchOutput} from '../output.js';

type IsExplicit = (optionKey: string) => boolean;

/** Each answer's flag (commander's option key and the flag as typed), for overrides and for error lines. */
const textFlags = [
	['title', 'title', '--title'],
	['userName', 'userName', '--user-name'],
	['userEmail', 'userEmail', '--user-email'],
	['hostName', 'hostName', '--host-name'],
	['amprunRoot', 'amprunRoot', '--amprun-root'],
	['hub', 'hub', '--hub'],
	['setup', 'setup', '--setup'],
] as const;

const portFlags: Array<[keyof PortMap, string, string]> = [
	['frontend', 'frontendPort', '--frontend-port'],
	['http', 'httpPort', '--http-port'],
	['keyspaceClient', 'keyspaceClientPort', '--keyspace-client-port'],
	['keyspacePeer', 'keyspacePeerPort', '--keyspace-peer-port'],
	['redisLive', 'redisLivePort', '--redis-live-port'],
	['redisData', 'redisDataPort', '--redis-data-port'],
	['logstore', 'logstorePort', '--logstore-port'],
	['zerodata', 'zerodataPort', '--zerodata-port'],
	['ampnode', 'ampnodePorts', '--ampnode-ports'],
];

export async function initCommand(name: string, options: Record<string, unknown>, isExplicit: IsExplicit = () => true): Promise<number> {
	const directory = resolveInstanceDirectory(name);
	const clobber = Boolean(options['clobber']);
	const hubKeyPin = typeof options['hubKey'] === 'string' ? options['hubKey'] : undefined;
	const answers = await resolveAnswers(directory, clobber, options, isExplicit);
	const errors = validateAnswers(answers, typedPorts(options, isExplicit));
	if (hasErrors(errors)) {
		const output = createBatchOutput();
		output.error(`ampzero: init: the answers have problems:`);
		for (const [field, message] of Object.entries(errors)) if (message !== undefined) output.error(`  ${field}${flagOf(field)}: ${message}`);
		return 2;
	}
	if (isInteractive(options)) {
		const {runInitApp} = await import('../app/init-app.js');
		return runInitApp(directory, answers, {clobber, ...(hubKeyPin === undefined ? {} : {hubKeyPin})});
	}
	return runBatch(directory, answers, clobber, hubKeyPin, createBatchOutput({json: Boolean(options['json'])}));
}

/** defaults (or, with --clobber, the instance's amprun.yaml) < --answers FILE < the flags given. */
async function resolveAnswers(directory: string, clobber: boolean, options: Record<string, unknown>, isExplicit: IsExplicit): Promise<InitAnswers> {
	let answers = clobber && existsSync(path.join(directory, configFileName)) ? answersOf(await loadInstanceConfig(directory)) : defaultAnswers();
	if (typeof options['answers'] === 'string') answers = await readAnswersFile(path.resolve(options['answers']), answers);
	for (const [field, key] of textFlags) {
		if (isExplicit(key) && typeof options[key] === 'string') (answers as unknown as Record<string, string>)[field] = options[key];
	}
	for (const [role, key] of portFlags) {
		const value = options[key];
		if (!isExplicit(key) || typeof value !== 'string') continue;
		if (role === 'ampnode') answers.ports.ampnode = value.split(',').map(port => parsePort(port.trim()));
		else answers.ports[role] = parsePort(value);
	}
	return answers;
}

/** The text of each port flag given, so that one that is not a number is named by it. */
function typedPorts(options: Record<string, unknown>, isExplicit: IsExplicit): TypedPorts {
	const typed: TypedPorts = {};
	for (const [role, key] of portFlags) {
		const value = options[key];
		if (role !== 'ampnode' && isExplicit(key) && typeof value === 'string') typed[role] = value;
	}
	return typed;
}

/** A whole number, or NaN for anything else (validateAnswers reports it against the field). */
function parsePort(text: string): number {
	return /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
}

function flagOf(field: string): string {
	const text = textFlags.find(([name]) => name === field);
	if (text) return ` (${text[2]})`;
	const port = portFlags.find(([role]) => `ports.${role}` === field);
	return port ? ` (${port[2]})` : '';
}

async function runBatch(directory: string, answers: InitAnswers, clobber: boolean, hubKeyPin: string | undefined, output: BatchOutput): Promise<number> {
	const abort = new AbortController();
	const stopListening = onInterrupts({
		first: () => abort.abort(new AmpError('interrupted')),
		// The first one's clean-up is still running: a second signal does not wait for it.
		again: () => process.exit(130),
	});
	let summary: InstanceSummary | undefined;
	let failedStep = false;
	try {
		for await (const event of createInstance(directory, answers, {clobber, signal: abort.signal, ...(hubKeyPin === undefined ? {} : {hubKeyPin})})) {
			printEvent(event, output);
			if (event.type === 'step-failed') failedStep = true;
			if (event.type === 'done') summary = event.summary;
		}
	} catch (error) {
		if (abort.signal.aborted) {
			output.error(`ampzero: init interrupted; ${clobber ? 'each regenerated file is whole' : `nothing was created at ${directory}`}`);
			// A step that never finished (a hung file system) must not keep the process alive.
			setTimeout(() => process.exit(1), 200).unref();
			return 1;
		}
		if (!(error instanceof AmpError)) throw error;
		// A failed step has already printed its message; the details (sudo commands, field problems) follow.
		if (!failedStep) output.error(`ampzero: ${error.message}`);
		for (const detail of error.details) output.error(`  ${detail}`);
		return error.exitCode;
	} finally {
		stopListening();
	}
	if (!summary) return 1;
	output.event({...summary}, `${clobber ? 'Regenerated' : 'Created'} ${summary.path} (user-${summary.userId}, host-${summary.hostId}). Start it with: ampzero run ${instanceArgument(summary.path)}`);
	return 0;
}

function printEvent(event: InitEvent, output: BatchOutput): void {
	switch (event.type) {
		case 'step-start':
			output.event(event);
			break;
		case 'step-done':
			output.event(event, `✓ ${event.step}${event.detail === undefined ? '' : `: ${event.detail}`}`);
			break;
		case 'step-failed':
			output.event(event);
			output.error(`✗ ${event.step}: ${event.error}`);
			break;
		case 'done':
			output.event(event);
			break;
	}
}
