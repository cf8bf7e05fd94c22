import {defaultPorts} from './ports.js';
import type {InitAnswers} from './amprun.js';

export function defaultAnswers(): InitAnswers {
	return {
		title: 'My Ampify Zero instance',
		userName: defaultUser(),
		userEmail: `${defaultUser()}@localhost`,
		hostName: 'localhost',
		ports: {...defaultPorts, ampnode: [...defaultPorts.ampnode]},
		amprunRoot: '/opt/ampzero/var',
		hub: 'embedded',
		setup: 'single',
	};
}


function defaultUser(): string {
	return process.env['USER'] || process.env['LOGNAME'] || 'admin';
}
