import type {InstanceConfig} from '../../config/amprun.js';
import {keyFileName} from '../../keys/identity.js';

/** The instance's own `README.md`. */
export function instanceReadme(config: InstanceConfig): string {
	const user = (part: 'public' | 'private' | 'control'): string => keyFileName('user', config.userId, part);
	const host = (part: 'public' | 'private' | 'control'): string => keyFileName('host', config.hostId, part);
	return `# ${config.title}

The Ampify Zero instance \`${config.name}\`, made by \`ampzero init\`. User id ${config.userId}
(${config.userName} <${config.userEmail}>), host id ${config.hostId}, hub: ${config.hub}.

    ampzero run ${config.name}          # start every daemon, open the dashboard
    ampzero run ${config.name} stop     # stop them (from any shell)
    ampzero deploy ${config.name}       # ship to the hosts of deployment.yaml

Then open https://localhost:${config.ports.frontend}/ (the certificate in \`nginx/\` is self-signed).

## Files

    amprun.yaml          every answer given to init: ports, amprun root, hub, extra daemons
    deployment.yaml      the hosts \`deploy\` ships to (a commented example until you edit it)
    ampnode/
        ampnode.yaml     the service modules ampnode loads, and its templates directory
        redis.conf       shared by the live and data redis servers
        services/        your services; hello.js is an example
        templates/       the pages ampnode renders (home.html is the page at /)
        hub.public.key   the key of the hub that signed the public keys below
        ${user('public')}, ${user('private')}, ${user('control')}
        ${host('public')}, ${host('private')}, ${host('control')}
    keyspace/            etcd configuration: keyspace-single.conf, and keyspace-0/1/2.conf for a cluster
    logstore/            logstore.yaml; lib links to the daemon's code in the ampzero checkout
    zerodata/            zerodata.yaml; lib links to the daemon's code in the ampzero checkout
    nginx/               nginx.conf, server.cert and server.key, www/ (static files, the "being upgraded" page)
    tls/                 the instance's own CA (ca.key is a secret, kept 0600) and, under hosts/, a certificate per host

To run this instance over several hosts, list them under \`hosts:\` in amprun.yaml (the commented example
there shows three) and run \`ampzero init --clobber\`: it writes the keyspace cluster's configs with their
addresses and signs a certificate per host. Each host's \`ampzero run\` then starts what its entry says.

Runtime files (logs, pids, data) live under \`${config.amprunRoot}/${config.name}/\`.

## Keys

\`*.public.key\` hold a public key, its id and the hub's signature; share them freely.
\`*.private.key\` sign what this user and host send; \`*.control.key\` are the only way to replace a
key at the hub (\`ampzero hub update ${config.name} --identity host|user\`). Control keys, the user's
private key (\`${user('private')}\`, which signs \`ampnode/members.json\`: who may use this instance) and
the CA key (\`tls/ca.key\`, which signs each host's certificate) are listed in \`.gitignore\` and never
committed, so they stay on the machine that ran init and \`deploy\` never ships them: **back them up yourself**, somewhere safe, and change the members (\`ampzero members\`)
on this machine. The host's private key is committed so that \`deploy\` can ship it; keep this
repository private.

## Writing a service

A service is an ES module in \`ampnode/services/\`, listed under \`services:\` in \`ampnode/ampnode.yaml\`.
It exports one function, which ampnode calls once at start with \`app\`:

\`\`\`js
export default function register(app) {
	app.get('/hello', (request, context) => ({
		status: 200,
		headers: {'content-type': 'text/plain'},
		body: \`Hello from host \${context.hostId}\`,
	}));
}
\`\`\`

- \`app.get(path, handler)\` and \`app.post(path, handler)\` route requests for the exact \`path\`.
- \`request\`: \`{method, path, query, headers, body}\`: \`query\` maps each query parameter to its (first)
  value, \`headers\` has lower-case names, \`body\` is the request body as text (empty for GET).
- \`context\`: \`{hostId, userId, user, title, instance, data, log}\`: \`user\` is the signed-in user's name
  (undefined when nobody is signed in), \`data\` is the zerodata store (requests signed with the host key),
  \`log(message, level?)\` writes to ampnode's log (and logstore's error log for \`'error'\`).
- The handler returns (or resolves to) \`{status, headers?, body}\`; a string or bytes \`body\` is sent as it
  is, anything else as JSON. A handler that throws answers 500 and the error goes to logstore.

Pages in \`ampnode/templates/\` are HTML with \`{{name}}\` placeholders (\`{{title}}\`, \`{{user}}\`, \`{{hostId}}\`).

After editing, \`ampzero run ${config.name}\` again (or restart ampnode from the dashboard). To pick up newer
generated files from ampzero itself, run \`ampzero init ${config.name} --clobber\`: it rewrites every generated
file, keeps the six key files and leaves your own files alone.
`;
}

/** `.gitignore`: control keys, the user's private key and the CA key never enter the repository. */
export function gitignore(): string {
	return `# Control keys can replace this instance's keys at the hub: never commit them; back them up separately.
*.control.key
# The user's private key signs who may use the instance (ampnode/members.json): it stays on the
# machine that ran init, so no host the instance is deployed to can sign a members file.
user-*.private.key
.user-*.private.key.rotating
# The instance CA's key signs every host's certificate: it stays on this machine too.
tls/ca.key
# Half-written files from an interrupted write.
.*.tmp
`;
}
