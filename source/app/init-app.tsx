import type {ReactElement} from 'react';
// First: it must run before Ink (and chalk) load.
import {renderFullscreen} from './fullscreen.js';
import {AmpError, errorMessage} from '../../services/errors.js';
import {checkAmprunRoot, runSudoCommands} from '../../services/instance/amprun-root.js';
import type {AmprunRootProblem, InitAnswers} from '../../services/instance/types.js';
import {CreateScreen, type CreateResult} from '../../screens/init/CreateScreen.js';
import {frontendUrl} from '../../services/config/urls.js';
import {instanceArgument} from '../../services/instance/locate.js';
import {InitFormScreen, type FormResult} from '../../screens/init/InitFormScreen.js';
import type {CreateFunction} from '../../screens/init/use-create-instance.js';
import {createInstance} from '../../services/instance/create.js';

const say = (text: string): void => void process.stdout.write(`${text}\n`);
const complain = (text: string): void => void process.stderr.write(`${text}\n`);

/** Runs one full-screen app until it reports how it ended. */
async function session<T>(build: (report: (result: T) => void) => ReactElement): Promise<T> {
	let result: T | undefined;
	const app = renderFullscreen(build(value => (result = value)));
	await app.waitUntilExit();
	if (result === undefined) throw new Error('the screen closed without a result');
	return result;
}

function printRootProblem(problem: AmprunRootProblem): void {
	complain(`ampzero: the amprun root cannot be used: ${problem.why}`);
	if (problem.sudoCommands.length > 0) {
		complain('Run these, then try again:');
		for (const command of problem.sudoCommands) complain(`  ${command}`);
	}
}

/**
 * The interactive `ampzero init`: the form, the amprun root (with sudo if the user agrees), then
 * the creation screen. Returns the exit code: 0 created, 1 cancelled or failed.
 */
export async function runInitApp(directory: string, initial: InitAnswers, options: {clobber: boolean; hubKeyPin?: string}): Promise<number> {
	const {clobber, hubKeyPin} = options;
	const create: CreateFunction | undefined = hubKeyPin === undefined ? undefined : (target, answers, createOptions) => createInstance(target, answers, {...createOptions, hubKeyPin});
	const form = await session<FormResult>(report => <InitFormScreen directory={directory} initial={initial} clobber={clobber} onResult={report} />);
	let answers: InitAnswers;
	switch (form.type) {
		case 'cancelled':
			complain('ampzero: cancelled, nothing written');
			return 1;
		case 'declined-sudo':
			printRootProblem(form.problem);
			return 1;
		case 'submitted':
			answers = form.answers;
			break;
		case 'run-sudo': {
			answers = form.answers;
			try {
				for (const command of form.problem.sudoCommands) say(`$ ${command}`);
				await runSudoCommands(form.problem.sudoCommands);
			} catch (error) {
				complain(`ampzero: ${errorMessage(error)}`);
				if (error instanceof AmpError) for (const detail of error.details) complain(`  ${detail}`);
				return 1;
			}
			const still = await checkAmprunRoot(answers.amprunRoot);
			if (still) {
				printRootProblem(still);
				return 1;
			}
			break;
		}
	}

	const created = await session<CreateResult>(report => <CreateScreen directory={directory} answers={answers} clobber={clobber} onResult={report} {...(create ? {create} : {})} />);
	switch (created.type) {
		case 'done': {
			const {summary} = created;
			say(`Created ${summary.path} (user ${summary.userId}, host ${summary.hostId}); frontend ${frontendUrl({hostName: answers.hostName, ports: summary.ports})}`);
			say(`next: ampzero run ${instanceArgument(summary.path)}`);
			return 0;
		}
		case 'aborted':
			complain('ampzero: cancelled, nothing written');
			return 1;
		case 'failed':
			complain(`ampzero: ${created.error}`);
			return 1;
	}
}
