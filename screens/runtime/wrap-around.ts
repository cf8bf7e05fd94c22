/** Where a selection at `index` in a list of `count` lands after moving `delta`: past either end it comes round to the other. */
export function wrapAround(index: number, delta: number, count: number): number {
	return (((index + delta) % count) + count) % count;
}
