import {act, type Outcome} from '../runtime/use-screen.js';

/** Both init screens keep whether their help is shown as a flag, which this action sets. */
export type InitHelpAction = {type: 'help'; shown: boolean};

/** `help` shows the help, `close-help` hides it. */
export function toggleHelp(command: 'help' | 'close-help'): Outcome<InitHelpAction, never> {
	return act({type: 'help', shown: command === 'help'});
}
