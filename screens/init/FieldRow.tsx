import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import TextInput from 'ink-text-input';
import {useInputHandlersNow} from '../runtime/use-input-handlers-now.js';
import type {FieldSpec} from './fields.js';

const labelWidth = 22;
const errorIndent = 4;

/**
 * Rows a field takes at this width: its line (a focused choice field lists its choices one per
 * row; a focused text field wraps its whole text, with room for the cursor after it), plus its
 * error wrapped under it. An unfocused field's text is cut to its one line.
 */
export function fieldRows(spec: FieldSpec, focused: boolean, value: string, error: string | undefined, columns: number): number {
	let own = 1;
	if (focused && spec.kind === 'choice') own = Math.max(1, spec.choices?.length ?? 1);
	else if (focused) own = Math.max(1, Math.ceil((value.length + 1) / Math.max(1, columns - 2 - labelWidth)));
	if (error === undefined) return own;
	const width = Math.max(1, columns - errorIndent);
	return own + Math.ceil((error.length + 2) / width);
}

/** What a focused field tells the form: its text was edited, or another choice was picked. */
export interface FieldEvents {
	onEdit(from: string, value: string): void;
	onChoose(value: string): void;
}

function ChoiceItem({label, isSelected = false}: {label: string; isSelected?: boolean}) {
	return (
		<Text bold={isSelected} inverse={isSelected}>
			{isSelected ? '◉' : '○'} {label}
		</Text>
	);
}

const noIndicator = () => null;

/** The focused choice field: ↑/↓ (or k/j, or a digit) pick a choice at once; Enter confirms it. */
function ChoiceList({spec, value, onChoose}: {spec: FieldSpec; value: string; onChoose(value: string): void}) {
	const items = (spec.choices ?? []).map(choice => ({label: choice, value: choice}));
	const pick = (item: {value: string}) => onChoose(item.value);
	useInputHandlersNow([value]);
	return (
		<SelectInput
			items={items}
			initialIndex={Math.max(0, items.findIndex(item => item.value === value))}
			indicatorComponent={noIndicator}
			itemComponent={ChoiceItem}
			onHighlight={pick}
			onSelect={pick}
		/>
	);
}

function ChoiceValue({spec, value}: {spec: FieldSpec; value: string}) {
	return (
		<Text>
			{(spec.choices ?? []).map((choice, index) => (
				<Text key={choice}>
					{index > 0 ? '  ' : ''}
					<Text bold={choice === value}>
						{choice === value ? '◉' : '○'} {choice}
					</Text>
				</Text>
			))}
		</Text>
	);
}

function FocusedTextInput({value, onEdit}: {value: string; onEdit(from: string, value: string): void}) {
	useInputHandlersNow([value]);
	return <TextInput value={value} focus onChange={next => onEdit(value, next)} />;
}

function Value({spec, value, focused, events}: {spec: FieldSpec; value: string; focused: boolean; events: FieldEvents}) {
	if (spec.kind === 'choice') return focused ? <ChoiceList spec={spec} value={value} onChoose={events.onChoose} /> : <ChoiceValue spec={spec} value={value} />;
	if (!focused) return <Text wrap="truncate-end">{value}</Text>;
	// Only the focused field takes keys; the keys the bindings table holds (Tab, ↑/↓, Enter, Esc, ^C) it passes by.
	return <FocusedTextInput value={value} onEdit={events.onEdit} />;
}

export function FieldRow({spec, value, focused, error, events}: {spec: FieldSpec; value: string; focused: boolean; error: string | undefined; events: FieldEvents}) {
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
					<Value spec={spec} value={value} focused={focused} events={events} />
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
