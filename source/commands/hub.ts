import {AmpError} from '../../services/errors.js';

export async function hubServeCommand(_options: Record<string, unknown>): Promise<number> {
	throw new AmpError('not built yet');
}

export async function hubUpdateCommand(_name: string, _options: Record<string, unknown>): Promise<number> {
	throw new AmpError('not built yet');
}
