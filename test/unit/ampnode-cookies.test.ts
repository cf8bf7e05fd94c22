import {describe, expect, it} from 'vitest';
import {clearedSessionCookie, readCookie, sessionCookie, sessionCookieName, sessionTtlSeconds} from '../../source/daemons/ampnode/sessions.js';

describe('ampnode session cookies', () => {
	it('reads its cookie among others, with spaces and percent-encoding', () => {
		expect(readCookie(`theme=dark; ${sessionCookieName}=abc123; other=x`, sessionCookieName)).toBe('abc123');
		expect(readCookie(`  ${sessionCookieName} = a%20b ;x=y`, sessionCookieName)).toBe('a b');
		expect(readCookie(`x_${sessionCookieName}=nope; ${sessionCookieName}=yes`, sessionCookieName)).toBe('yes');
	});

	it('has no session without the cookie, with an empty one, or without a header', () => {
		expect(readCookie(undefined, sessionCookieName)).toBeUndefined();
		expect(readCookie('', sessionCookieName)).toBeUndefined();
		expect(readCookie('theme=dark', sessionCookieName)).toBeUndefined();
		expect(readCookie(`${sessionCookieName}=`, sessionCookieName)).toBeUndefined();
		expect(readCookie('garbage without equals', sessionCookieName)).toBeUndefined();
	});

	it('sets the session cookie HttpOnly, Secure, SameSite=Lax for the whole site, and clears it', () => {
		const set = sessionCookie('abc123');
		expect(set).toMatch(new RegExp(`^${sessionCookieName}=abc123; `));
		for (const attribute of [`Max-Age=${sessionTtlSeconds}`, 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']) expect(set).toContain(attribute);
		expect(clearedSessionCookie).toMatch(new RegExp(`^${sessionCookieName}=; `));
		expect(clearedSessionCookie).toContain('Max-Age=0');
		expect(readCookie(set.split(';')[0], sessionCookieName)).toBe('abc123');
	});
});
