import {AmpError} from '../../services/errors.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';

export async function deployCommand(name: string, _action: string | undefined, _options: Record<string, unknown>): Promise<number> {
	resolveInstanceDirectory(name);
	throw new AmpError('deploy is not available in this version of ampzero yet; init and run are');
}
