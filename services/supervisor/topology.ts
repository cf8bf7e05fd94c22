import {AmpError} from '../errors.js';

interface Node {
	name: string;
	dependsOn: string[];
}

/**
 * Dependency levels: level 0 has no dependencies, level n depends only on levels below n.
 * Stop walks them in reverse. Unknown dependencies and cycles are errors the user fixes in
 * amprun.yaml.
 */
export function dependencyLevels(nodes: readonly Node[]): string[][] {
	const byName = new Map(nodes.map(node => [node.name, node]));
	if (byName.size !== nodes.length) {
		const seen = new Set<string>();
		const duplicate = nodes.find(node => (seen.has(node.name) ? true : (seen.add(node.name), false)));
		throw new AmpError(`two daemons are named "${duplicate?.name}": rename one in amprun.yaml daemons:`);
	}
	for (const node of nodes) {
		for (const dependency of node.dependsOn) {
			if (!byName.has(dependency)) {
				throw new AmpError(`daemon "${node.name}" depends on "${dependency}", which is not part of this run: fix depends_on in amprun.yaml (daemons: ${[...byName.keys()].join(', ')})`);
			}
		}
	}
	const level = new Map<string, number>();
	const visiting = new Set<string>();
	const visit = (name: string, trail: string[]): number => {
		const known = level.get(name);
		if (known !== undefined) return known;
		if (visiting.has(name)) {
			throw new AmpError(`daemons depend on each other in a cycle: ${[...trail.slice(trail.indexOf(name)), name].join(' → ')}; break it in amprun.yaml depends_on`);
		}
		visiting.add(name);
		const node = byName.get(name)!;
		let own = 0;
		for (const dependency of node.dependsOn) own = Math.max(own, visit(dependency, [...trail, name]) + 1);
		visiting.delete(name);
		level.set(name, own);
		return own;
	};
	for (const node of nodes) visit(node.name, []);
	const levels: string[][] = [];
	for (const node of nodes) {
		const index = level.get(node.name)!;
		while (levels.length <= index) levels.push([]);
		levels[index]!.push(node.name);
	}
	return levels;
}

/** One order in which every daemon comes after its dependencies. */
export function topologicalOrder(nodes: readonly Node[]): string[] {
	return dependencyLevels(nodes).flat();
}
