import type {PortMap} from '../../services/config/ports.js';
import type {InitAnswers} from '../../services/instance/types.js';
import type {TypedPorts} from '../../services/instance/validate.js';

type FieldKind = 'text' | 'port' | 'ports' | 'choice';

export interface FieldSpec {
	/** The AnswerErrors key of the field: `title`, `ports.frontend`, … */
	id: string;
	label: string;
	kind: FieldKind;
	/** Shown under the list while the field has the focus. */
	hint: string;
	choices?: readonly string[];
}

const port = (role: keyof PortMap, label: string, hint: string): FieldSpec => ({id: `ports.${role}`, label, kind: 'port', hint});

/** Every question of `ampzero init`, in the order the form asks them. */
export const fieldSpecs: readonly FieldSpec[] = [
	{id: 'title', label: 'Title', kind: 'text', hint: 'the title of the instance, shown on its pages'},
	{id: 'userName', label: 'User name', kind: 'text', hint: 'your name; the hub gives this user an id'},
	{id: 'userEmail', label: 'User email', kind: 'text', hint: 'your email address'},
	{id: 'hostName', label: 'Host name', kind: 'text', hint: 'the name this machine is reached by'},
	port('frontend', 'Frontend HTTPS port', 'nginx serves the instance over HTTPS here'),
	port('http', 'HTTP port', 'nginx redirects plain HTTP from here to HTTPS'),
	port('keyspaceClient', 'Keyspace client port', 'etcd: where ampnode talks to the keyspace'),
	port('keyspacePeer', 'Keyspace peer port', 'etcd: where keyspace members talk to each other'),
	port('redisLive', 'Redis live port', 'redis for sessions and pub/sub (no persistence)'),
	port('redisData', 'Redis data port', 'redis for data (append-only file)'),
	port('logstore', 'Logstore port', 'the log store HTTP API'),
	port('zerodata', 'Zerodata port', 'the data store HTTP API'),
	{id: 'ports.ampnode', label: 'Ampnode port(s)', kind: 'ports', hint: 'one ampnode per port, comma-separated: 8048,8049'},
	{id: 'amprunRoot', label: 'Amprun root', kind: 'text', hint: 'amprun_root_directory: pid, log and data files'},
	{id: 'hub', label: 'Hub', kind: 'text', hint: '"embedded" (state on this machine) or a hub URL like http://127.0.0.1:8050'},
	{id: 'setup', label: 'Setup', kind: 'choice', choices: ['single', 'server'], hint: 'single machine, or server (redis, ampnode and nginx only)'},
];

/** What the form edits: every field as the text typed in it. */
export type FieldValues = Readonly<Record<string, string>>;

const portRole = (id: string): keyof PortMap | undefined => (id.startsWith('ports.') ? (id.slice('ports.'.length) as keyof PortMap) : undefined);

export function valuesFromAnswers(answers: InitAnswers): FieldValues {
	const values: Record<string, string> = {};
	for (const spec of fieldSpecs) {
		const role = portRole(spec.id);
		if (role) {
			const value = answers.ports[role];
			values[spec.id] = Array.isArray(value) ? value.join(',') : String(value);
		} else {
			values[spec.id] = String(answers[spec.id as keyof Omit<InitAnswers, 'ports'>]);
		}
	}
	return values;
}

/** A port as typed: digits only, else NaN (which validation reports as not a number, naming the text). */
function parsePort(text: string): number {
	const trimmed = text.trim();
	return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

function parsePortList(text: string): number[] {
	return text
		.split(',')
		.map(part => part.trim())
		.filter(part => part !== '')
		.map(parsePort);
}

/** The text of each single-port field, so that one that is not a number is named by it. */
export function typedPorts(values: FieldValues): TypedPorts {
	const typed: Record<string, string> = {};
	for (const spec of fieldSpecs) {
		const role = portRole(spec.id);
		if (spec.kind === 'port' && role) typed[role] = values[spec.id] ?? '';
	}
	return typed;
}

export function answersFromValues(values: FieldValues): InitAnswers {
	const text = (id: string): string => values[id] ?? '';
	const portOf = (role: Exclude<keyof PortMap, 'ampnode'>): number => parsePort(text(`ports.${role}`));
	return {
		title: text('title'),
		userName: text('userName'),
		userEmail: text('userEmail'),
		hostName: text('hostName'),
		ports: {
			frontend: portOf('frontend'),
			http: portOf('http'),
			keyspaceClient: portOf('keyspaceClient'),
			keyspacePeer: portOf('keyspacePeer'),
			redisLive: portOf('redisLive'),
			redisData: portOf('redisData'),
			logstore: portOf('logstore'),
			zerodata: portOf('zerodata'),
			ampnode: parsePortList(text('ports.ampnode')),
		},
		amprunRoot: text('amprunRoot'),
		hub: text('hub'),
		setup: text('setup') === 'server' ? 'server' : 'single',
	};
}
