import {escapeHtml, renderTemplate} from './templates.js';

/** Values every page template may use. */
export interface PageValues {
	[name: string]: string | number;
	title: string;
	instance: string;
	hostId: number;
}

/**
 * The home page: the instance's template, filled in. The line saying who is signed in is always
 * shown: where the template has no `{{signedInAs}}`, it goes at the top of the body.
 */
export function renderHome(template: string | undefined, values: PageValues & {signedInAs: string}): string {
	const page = renderTemplate(template ?? fallbackHome, values);
	if (/\{\{\s*signedInAs\s*\}\}/.test(template ?? fallbackHome)) return page;
	const banner = `<p class="signed-in">${escapeHtml(values.signedInAs)} · <form method="post" action="/logout" style="display:inline"><button>sign out</button></form></p>`;
	const body = /<body[^>]*>/i.exec(page);
	return body ? page.slice(0, body.index + body[0].length) + '\n' + banner + page.slice(body.index + body[0].length) : banner + page;
}

const fallbackHome = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{title}}</title></head>
<body><h1>{{title}}</h1><p>{{signedInAs}}</p><form method="post" action="/logout"><button>Sign out</button></form></body></html>
`;

/** A small page of ampnode's own: signed out, bad login link, not found. */
export function simplePage(title: string, paragraphs: string[], pageTitle: string): string {
	return `<!doctype html>
<html lang="en">
<head>
	<meta charset="utf-8">
	<meta name="viewport" content="width=device-width, initial-scale=1">
	<title>${escapeHtml(pageTitle)}</title>
	<style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #222; } code { background: #f3f3f3; padding: 0 .25rem; }</style>
</head>
<body>
	<h1>${escapeHtml(title)}</h1>
${paragraphs.map(paragraph => `\t<p>${paragraph}</p>`).join('\n')}
</body>
</html>
`;
}

/** Where a visitor without a session is sent: how to get a login link. */
export function signedOutPage(instance: string, title: string): string {
	return simplePage(
		'Sign in',
		[
			`You are not signed in to ${escapeHtml(title)}.`,
			`On the machine running this instance, print a one-time login link with <code>ampzero run ${escapeHtml(instance)} login</code> and open it here. A link works once, within 15 minutes.`,
		],
		title,
	);
}

export function badLoginLinkPage(instance: string, title: string): string {
	return simplePage(
		'This login link does not work',
		[
			'It was used already, it has expired (links last 15 minutes), or it was copied incompletely.',
			`Get a new one with <code>ampzero run ${escapeHtml(instance)} login</code>.`,
		],
		title,
	);
}
