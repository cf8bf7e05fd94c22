import type {Page} from 'playwright-core';

/**
 * `page.goto`, again when Chromium aborts a navigation because the machine's network changed: other
 * tests add and remove network namespaces and veths while this one runs, and Chromium's watcher
 * treats that as a new network. `url` may be a function, for a one-time link that must be fetched anew.
 */
export async function gotoSteadily(page: Page, url: string | (() => Promise<string>), attempts = 3): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			await page.goto(typeof url === 'string' ? url : await url());
			return;
		} catch (error) {
			if (attempt >= attempts || !String(error).includes('ERR_NETWORK_CHANGED')) throw error;
		}
	}
}
