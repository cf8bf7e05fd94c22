import {linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {isAlive, processStat} from '../../services/system/proc.js';

/**
 * One /24 under 10.199.0.0/16 per SSH test harness, claimed with a lock file so concurrent test
 * files (or checkouts) never share names or addresses. The claim records what the harness makes,
 * so a harness whose process died can be cleaned up by the next one.
 */
export const claimsDirectory = '/run/ampzero-test-nets';

export interface SubnetClaim {
	/** Third octet: the harness owns 10.199.<subnet>.0/24. */
	subnet: number;
	pid: number;
	/** /proc start time of `pid`, so a reused pid is not mistaken for the holder. */
	startTime: string;
	namespaces: string[];
	links: string[];
	directories: string[];
}

function claimPath(subnet: number): string {
	return path.join(claimsDirectory, `10.199.${subnet}`);
}

function readClaim(file: string): SubnetClaim | undefined {
	try {
		return JSON.parse(readFileSync(file, 'utf8')) as SubnetClaim;
	} catch {
		return undefined;
	}
}

function holderAlive(claim: SubnetClaim): boolean {
	return isAlive(claim.pid) && processStat(claim.pid)?.startTime === claim.startTime;
}

/**
 * Claims the first free subnet: the claim is written to a private file, then hard-linked to its
 * final name, which fails atomically when another harness holds it. `describe(subnet)` names what
 * the harness will make there.
 */
export function claimSubnet(describe: (subnet: number) => Pick<SubnetClaim, 'namespaces' | 'links' | 'directories'>): SubnetClaim {
	mkdirSync(claimsDirectory, {recursive: true, mode: 0o700});
	const startTime = processStat(process.pid)?.startTime ?? '';
	for (let subnet = 1; subnet <= 254; subnet++) {
		const claim: SubnetClaim = {subnet, pid: process.pid, startTime, ...describe(subnet)};
		const draft = path.join(claimsDirectory, `.draft-${process.pid}-${subnet}`);
		writeFileSync(draft, JSON.stringify(claim));
		try {
			linkSync(draft, claimPath(subnet));
			return claim;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		} finally {
			unlinkSync(draft);
		}
	}
	throw new Error(`every subnet under 10.199.0.0/16 is claimed: see ${claimsDirectory}`);
}

export function releaseSubnet(claim: SubnetClaim): void {
	const current = readClaim(claimPath(claim.subnet));
	if (current?.pid === claim.pid && current.startTime === claim.startTime) rmSync(claimPath(claim.subnet), {force: true});
}

/**
 * Claims whose holder is gone, each taken over by this process (its claim file atomically replaced by
 * ours) so no new harness claims the subnet while its leftovers are being removed. The caller removes
 * what `stale` names, then calls `releaseSubnet(mine)`.
 */
export function takeOverStaleClaims(): {stale: SubnetClaim; mine: SubnetClaim}[] {
	let entries: string[];
	try {
		entries = readdirSync(claimsDirectory);
	} catch {
		return [];
	}
	const startTime = processStat(process.pid)?.startTime ?? '';
	const taken: {stale: SubnetClaim; mine: SubnetClaim}[] = [];
	for (const entry of entries) {
		if (!/^10\.199\.\d+$/.test(entry)) continue;
		const stale = readClaim(path.join(claimsDirectory, entry));
		if (!stale || holderAlive(stale)) continue;
		const mine: SubnetClaim = {...stale, pid: process.pid, startTime};
		const draft = path.join(claimsDirectory, `.draft-${process.pid}-${stale.subnet}`);
		writeFileSync(draft, JSON.stringify(mine));
		renameSync(draft, claimPath(stale.subnet));
		taken.push({stale, mine});
	}
	return taken;
}
