import type {InstanceConfig} from '../../config/amprun.js';

/** The example service that `init` puts in `ampnode/services/`, and its module path as `ampnode.yaml` lists it. */
export const exampleServiceModule = 'services/hello.js';

/** `ampnode/ampnode.yaml`: the service modules ampnode loads, in order, and where its page templates are. */
export function ampnodeYaml(config: InstanceConfig): string {
	return `# ampnode.yaml: what the ampnodes of "${config.name}" serve.
#
# services: ESM modules, relative to this directory, loaded in this order. Each exports
#   export default function register(app) { app.get('/path', (request, context) => ({status, headers, body})); }
# (the contract is in the instance README). Add a module here after you create it.
services:
  - ${exampleServiceModule}

# templates: the directory of page templates; {{name}} placeholders are filled in by ampnode.
templates: templates

# The page served at / (a file in templates/).
home: home.html
`;
}

/** `ampnode/services/hello.js`: a working example service. */
export function exampleService(): string {
	return `// An example ampnode service: GET /hello answers with a greeting as JSON.
// A service module exports one function that registers its routes on \`app\`; see the instance README.

export default function register(app) {
	app.get('/hello', (request, context) => {
		const name = request.query.name || context.user || 'world';
		return {
			status: 200,
			headers: {'content-type': 'application/json; charset=utf-8'},
			body: JSON.stringify({hello: name, hostId: context.hostId, title: context.title}),
		};
	});
}
`;
}

/** `ampnode/templates/home.html`: the page at /. */
export function homeTemplate(): string {
	return `<!doctype html>
<html lang="en">
<head>
	<meta charset="utf-8">
	<meta name="viewport" content="width=device-width, initial-scale=1">
	<title>{{title}}</title>
	<style>
		body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #222; }
		h1 { font-weight: 600; }
		.meta { color: #666; font-size: 0.9rem; }
	</style>
</head>
<body>
	<h1>{{title}}</h1>
	<form class="signed-in" method="post" action="/logout">{{signedInAs}} · <button>sign out</button></form>
	<p>Hello, {{user}}.</p>
	<p class="meta">Served by host {{hostId}} of this Ampify Zero instance. Try <a href="/hello">/hello</a>, the example service.</p>
</body>
</html>
`;
}

/** `ampnode/package.json`: makes the service modules ESM on every Node 20 release, not only where syntax detection is on. */
export function ampnodePackageJson(config: InstanceConfig): string {
	return `${JSON.stringify({name: `${config.name}-ampnode`, private: true, type: 'module'}, null, '\t')}\n`;
}
