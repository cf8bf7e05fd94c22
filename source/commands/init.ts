import {AmpError} from '../../services/errors.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';

export async function initCommand(name: string, _options: Record<string, unknown>): Promise<number> {
	resolveInstanceDirectory(name);
	throw new AmpError('not built yet');
}
