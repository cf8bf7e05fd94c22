import {AmpError} from '../../services/errors.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';

export async function runCommand(name: string, _action: string | undefined, _daemon: string | undefined, _options: Record<string, unknown>): Promise<number> {
	resolveInstanceDirectory(name);
	throw new AmpError('not built yet');
}
