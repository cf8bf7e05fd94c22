/** Where a browser reaches the instance (no trailing slash: paths are appended to it). */
export function frontendUrl(config: {hostName: string; ports: {frontend: number}}): string {
	return `https://${config.hostName || 'localhost'}:${config.ports.frontend}`;
}
