/**
 * The deploy's hands on a host. `ampzero deploy` copies this module's bundle (one file that the build
 * makes of it and the few project modules it imports, which use only Node's own modules, so a bare
 * host with Node 20 runs it: bin/bundle.mjs) to `<root>/var/deploy/agent-<hash>.mjs` and
 * runs `node agent.mjs <step> '<json>'` over the SSH exec channel for every remote step. Each run
 * prints JSON lines: `{"line": …}` for output worth showing, and one `{"result": …}` or
 * `{"error": …}` last. The steps are the modules of agent/, one job each (agent/dispatcher.ts runs
 * them by name), and are tested locally against a temp root.
 */
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {runAgentStep} from './agent/dispatcher.js';
import type {Say} from './agent/run-program.js';

/**
 * `node agent.mjs <step> '<json>'` runs one step; `node agent.mjs serve` runs the steps that come
 * as JSON lines on stdin (`{"id", "step", "request", "input"?}`), one at a time, so a deploy pays for one SSH
 * channel and one Node start per host instead of one per step; `input` is the step's data in base64 (a
 * small file sent, a manifest), which a step run on its own reads on its stdin. Answers are JSON lines tagged by id.
 */
export async function agentMain(argv: string[], input: NodeJS.ReadableStream = process.stdin): Promise<number> {
	const [step, json] = argv;
	if (step === 'serve') return serve(input);
	const say: Say = line => process.stdout.write(`${JSON.stringify({line})}\n`);
	try {
		const result = await runAgentStep(step ?? '', JSON.parse(json ?? '{}') as Record<string, unknown>, say, input);
		process.stdout.write(`${JSON.stringify({result: result ?? null})}\n`);
		return 0;
	} catch (error) {
		process.stdout.write(`${JSON.stringify({error: error instanceof Error ? error.message : String(error)})}\n`);
		return 1;
	}
}

async function serve(input: NodeJS.ReadableStream): Promise<number> {
	const {createInterface} = await import('node:readline');
	const {Readable} = await import('node:stream');
	process.stdout.write(`${JSON.stringify({ready: true})}\n`);
	for await (const text of createInterface({input, crlfDelay: Infinity})) {
		if (text.trim() === '') continue;
		let id: unknown;
		try {
			const message = JSON.parse(text) as {id: unknown; step: string; request: Record<string, unknown>; input?: string};
			id = message.id;
			const say: Say = line => process.stdout.write(`${JSON.stringify({id, line})}\n`);
			const data = typeof message.input === 'string' ? [Buffer.from(message.input, 'base64')] : [];
			const result = await runAgentStep(message.step, message.request, say, Readable.from(data));
			process.stdout.write(`${JSON.stringify({id, result: result ?? null})}\n`);
		} catch (error) {
			process.stdout.write(`${JSON.stringify({id, error: error instanceof Error ? error.message : String(error)})}\n`);
		}
	}
	return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	void agentMain(process.argv.slice(2)).then(code => {
		process.exitCode = code;
	});
}

