import type {InstanceConfig} from '../../config/amprun.js';

const escapeHtml = (text: string): string =>
	text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en">
<head>
	<meta charset="utf-8">
	<meta name="viewport" content="width=device-width, initial-scale=1">
	<title>${title}</title>
	<style>
		body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #222; }
	</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** `nginx/www/index.html`: a static file nginx serves as it is (the page at / comes from ampnode). */
export function wwwIndex(config: InstanceConfig): string {
	const title = escapeHtml(config.title);
	return page(title, `	<h1>${title}</h1>\n	<p>nginx serves the files in <code>nginx/www/</code> as they are; every other path goes to ampnode.</p>`);
}

/** `nginx/www/upgrading.html`: what every request gets (503) while a deploy switches releases. */
export function upgradingPage(config: InstanceConfig): string {
	const title = escapeHtml(config.title);
	return page(
		`${title}: being upgraded`,
		`	<h1>${title} is being upgraded</h1>\n	<p>This takes a minute or so. Please try again shortly.</p>\n	<script>setTimeout(() => location.reload(), 15000);</script>`,
	);
}
