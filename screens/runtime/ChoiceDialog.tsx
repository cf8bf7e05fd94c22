import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import {useState} from 'react';
import {keysOf, type Keymap} from './keymap.js';
import {useInputHandlersNow} from './use-input-handlers-now.js';

function Answer({label, isSelected = false}: {label: string; isSelected?: boolean}) {
	return (
		<Text wrap="truncate-end" bold={isSelected} inverse={isSelected}>
			{isSelected ? '❯ ' : '  '}
			{label}
		</Text>
	);
}

const noIndicator = () => null;

/**
 * A question with its answers as a list: ↑/↓ (or k/j) choose, Enter or the answer's number gives
 * it. Each answer is a command of the bindings table, shown with its direct key and description.
 */
export function ChoiceDialog<C extends string, M extends string>({keymap, mode, question, answers, onAnswer, width, height, framed = true}: {
	keymap: Keymap<C, M>;
	mode: M;
	/** Absent where the status line already asks it. */
	question?: string;
	answers: readonly C[];
	onAnswer(command: C): void;
	width?: number;
	height?: number;
	framed?: boolean;
}) {
	const keyWidth = Math.max(...answers.map(command => keysOf(keymap, command, mode).length));
	const items = answers.map(command => ({key: command, label: `${keysOf(keymap, command, mode).padEnd(keyWidth)}  ${keymap.descriptions[command]}`, value: command}));
	const [highlighted, setHighlighted] = useState<C | undefined>(answers[0]);
	useInputHandlersNow([highlighted]);
	return (
		<Box flexDirection="column" borderStyle={framed ? 'round' : undefined} paddingX={framed ? 1 : 0} width={width} height={height}>
			{question === undefined ? null : (
				<Text bold wrap="truncate-end">
					{question}
				</Text>
			)}
			<SelectInput items={items} indicatorComponent={noIndicator} itemComponent={Answer} onHighlight={item => setHighlighted(item.value)} onSelect={item => onAnswer(item.value)} />
		</Box>
	);
}
