import {Box, Text} from 'ink';
import {colorWanted} from '../colour.js';
import type {FieldSpec} from './fields.js';

export const labelWidth = 22;
const errorIndent = 4;

/** Rows a field takes at this width: its line, plus its error wrapped under it. */
export function fieldRows(error: string | undefined, columns: number): number {
	if (error === undefined) return 1;
	const width = Math.max(1, columns - errorIndent);
	return 1 + Math.ceil((error.length + 2) / width);
}

function TextValue({value, cursor, focused}: {value: string; cursor: number; focused: boolean}) {
	if (!focused) return <Text>{value}</Text>;
	// Without styles an inverse cell is invisible: mark the cursor with a bar instead.
	if (!colorWanted()) return <Text>{`${value.slice(0, cursor)}│${value.slice(cursor)}`}</Text>;
	const at = value[cursor] ?? ' ';
	return (
		<Text>
			{value.slice(0, cursor)}
			<Text inverse>{at}</Text>
			{value.slice(cursor + 1)}
		</Text>
	);
}

function ChoiceValue({spec, value, focused}: {spec: FieldSpec; value: string; focused: boolean}) {
	return (
		<Text>
			{(spec.choices ?? []).map((choice, index) => (
				<Text key={choice}>
					{index > 0 ? '  ' : ''}
					<Text bold={choice === value} inverse={focused && choice === value}>
						{choice === value ? '◉' : '○'} {choice}
					</Text>
				</Text>
			))}
		</Text>
	);
}

export function FieldRow({spec, value, cursor, focused, error}: {spec: FieldSpec; value: string; cursor: number; focused: boolean; error: string | undefined}) {
	return (
		<Box flexDirection="column">
			<Box>
				<Box width={2} flexShrink={0}>
					<Text color="cyan">{focused ? '❯' : ' '}</Text>
				</Box>
				<Box width={labelWidth} flexShrink={0}>
					<Text bold={focused} color={error === undefined ? undefined : 'red'}>
						{spec.label}
					</Text>
				</Box>
				<Box flexGrow={1}>
					{spec.kind === 'choice' ? (
						<ChoiceValue spec={spec} value={value} focused={focused} />
					) : (
						<TextValue value={value} cursor={cursor} focused={focused} />
					)}
				</Box>
			</Box>
			{error === undefined ? null : (
				<Box paddingLeft={errorIndent}>
					<Text color="red">✗ {error}</Text>
				</Box>
			)}
		</Box>
	);
}
