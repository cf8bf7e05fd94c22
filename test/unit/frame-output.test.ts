import {Chalk} from 'chalk';
import {describe, expect, it} from 'vitest';
// Ink's own output stage, which the dashboard's bundle replaces: the two must agree byte for byte.
import InkOutput from '../../node_modules/ink/build/output.js';
import FrameOutput, {lastFrameMade} from '../../screens/ink-output/frame-output.js';

type Transformer = (line: string, index: number) => string;
type Step = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: {x1?: number; x2?: number; y1?: number; y2?: number}} | {type: 'unclip'};

interface OutputLike {
	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void;
	clip(clip: {x1?: number; x2?: number; y1?: number; y2?: number}): void;
	unclip(): void;
	get(): {output: string; height: number};
}

function draw(output: OutputLike, steps: Step[]): {output: string; height: number} {
	for (const step of steps) {
		if (step.type === 'write') output.write(step.x, step.y, step.text, {transformers: step.transformers});
		else if (step.type === 'clip') output.clip(step.clip);
		else output.unclip();
	}
	return output.get();
}

function bothDraw(width: number, height: number, steps: Step[]): void {
	const ink = draw(new InkOutput({width, height}), steps);
	const ours = draw(new FrameOutput({width, height}), steps);
	expect(ours).toEqual(ink);
}

/** A small deterministic random source, so a failure can be replayed. */
function randomSource(seed: number): (below: number) => number {
	let state = seed >>> 0;
	return below => {
		state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
		return state % below;
	};
}

const colored = new Chalk({level: 3});
const pieces = ['ready', 'keyspace', '│', '╭─╮', 'ünïcödé', '日本語', '👍', 'flood 0000042 abcdefghi', ' ', '', '\t', 'a\u0301'];
const styles: Array<(text: string) => string> = [
	text => text,
	text => colored.green(text),
	text => colored.bold.red(text),
	text => colored.dim(text),
	text => colored.inverse.yellow(text),
	text => colored.bgBlue.white.underline(text),
	text => colored.hex('#ff8800')(text),
];

function randomText(random: (below: number) => number): string {
	const lines: string[] = [];
	for (let line = 0, count = 1 + random(3); line < count; line++) {
		let text = '';
		for (let piece = 0, many = random(5); piece < many; piece++) text += styles[random(styles.length)]!(pieces[random(pieces.length)]!);
		lines.push(text);
	}
	return lines.join('\n');
}

function randomSteps(random: (below: number) => number, width: number, height: number): Step[] {
	const steps: Step[] = [];
	let open = 0;
	for (let index = 0, count = 5 + random(30); index < count; index++) {
		const choice = random(10);
		if (choice === 0) {
			const x1 = random(width);
			const y1 = random(height);
			const clip = random(4) === 0 ? {y1, y2: y1 + random(height)} : random(4) === 0 ? {x1, x2: x1 + random(width)} : {x1, x2: x1 + random(width), y1, y2: y1 + random(height)};
			steps.push({type: 'clip', clip});
			open++;
		} else if (choice === 1 && open > 0) {
			steps.push({type: 'unclip'});
			open--;
		} else {
			const transformers: Transformer[] = random(3) === 0 ? [(line, row) => colored.cyan(`${row}:${line}`)] : [];
			steps.push({type: 'write', x: random(width + 4) - 2, y: random(height + 2) - 1, text: randomText(random), transformers});
		}
	}
	return steps;
}

describe('the frame output stage', () => {
	it('draws what Ink draws for random writes, styles, wide characters and clips', () => {
		const random = randomSource(20_261_130);
		for (let frame = 0; frame < 400; frame++) {
			const width = 1 + random(40);
			const height = 1 + random(12);
			bothDraw(width, height, randomSteps(random, width, height));
		}
	});

	it('draws what Ink draws when frames repeat with a few rows changed, as key presses do', () => {
		const random = randomSource(7);
		const width = 60;
		const height = 20;
		let steps = randomSteps(random, width, height);
		for (let frame = 0; frame < 200; frame++) {
			bothDraw(width, height, steps);
			// Change or move one write, keep the others: the other rows come from the previous frame.
			const next = [...steps];
			const at = random(next.length);
			const step = next[at]!;
			if (step.type === 'write') next[at] = random(3) === 0 ? {...step, x: step.x + 1 - random(3)} : {...step, text: randomText(random)};
			steps = random(10) === 0 ? randomSteps(random, width, height) : next;
		}
	});

	it('rebuilds rows when the width changes between frames', () => {
		const steps: Step[] = [{type: 'write', x: 0, y: 0, text: `${colored.green('●')} keyspace   ready\n${colored.red('●')} nginx  failed`, transformers: []}];
		for (const width of [40, 20, 8, 40]) bothDraw(width, 3, steps);
	});

	it('keeps the same frame whole when nothing changed', () => {
		const steps: Step[] = [{type: 'write', x: 2, y: 1, text: colored.bold('all 7 ready'), transformers: []}];
		const first = draw(new FrameOutput({width: 30, height: 4}), steps);
		const second = draw(new FrameOutput({width: 30, height: 4}), steps);
		expect(second).toEqual(first);
		expect(first.output.split('\n')[1]).toBe(`  ${colored.bold('all 7 ready')}`);
	});

	it('says which rows differ from the frame it made before: exactly those', () => {
		const random = randomSource(11);
		const width = 50;
		const height = 12;
		let steps = randomSteps(random, width, height);
		let before: readonly string[] | undefined;
		for (let frame = 0; frame < 100; frame++) {
			const {output} = draw(new FrameOutput({width, height}), steps);
			const made = lastFrameMade()!;
			expect(made.output).toBe(output);
			expect(made.rows).toEqual(output.split('\n'));
			if (before) expect(made.changed).toEqual(made.rows.flatMap((row, index) => (row === before![index] ? [] : [index])));
			before = made.rows;
			const next = [...steps];
			const at = random(next.length);
			const step = next[at]!;
			if (step.type === 'write') next[at] = {...step, text: randomText(random)};
			steps = next;
		}
		draw(new FrameOutput({width: width + 1, height}), steps);
		expect(lastFrameMade()!.changed).toBeUndefined();
	});
});
