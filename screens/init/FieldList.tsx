import {Box, Text} from 'ink';
import {useRef} from 'react';
import {fieldSpecs} from './fields.js';
import {FieldRow, fieldRows, type FieldEvents} from './FieldRow.js';
import {scrollTop, visibleCount, type InitFormState} from './init-form-reducer.js';

/**
 * The fields that fit in `height` rows, scrolled so the focused one shows. One row above and one
 * below say how many fields are out of sight.
 */
export function FieldList({state, height, columns, events}: {state: InitFormState; height: number; columns: number; events: FieldEvents}) {
	const previousTop = useRef(0);
	const heights = fieldSpecs.map((spec, index) => fieldRows(spec, index === state.focus, state.values[spec.id] ?? '', state.errors[spec.id], columns));
	const listHeight = Math.max(1, height - 2);
	// The list scrolls from where the last render left it, as little as keeps the focus in view.
	// eslint-disable-next-line react-hooks/refs -- where the last render scrolled to, not state: it changes with the render itself
	const top = scrollTop(heights, state.focus, listHeight, previousTop.current);
	// eslint-disable-next-line react-hooks/refs -- as above
	previousTop.current = top;
	const count = visibleCount(heights, top, listHeight);
	const above = top;
	const below = fieldSpecs.length - top - count;
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			<Text dimColor>{above > 0 ? `  ↑ ${above} more` : ' '}</Text>
			<Box flexDirection="column" height={listHeight} overflow="hidden">
				{fieldSpecs.slice(top, top + count).map((spec, offset) => {
					const index = top + offset;
					return (
						<FieldRow
							key={spec.id}
							spec={spec}
							value={state.values[spec.id] ?? ''}
							focused={index === state.focus}
							error={state.errors[spec.id]}
							events={events}
						/>
					);
				})}
			</Box>
			<Text dimColor>{below > 0 ? `  ↓ ${below} more` : ' '}</Text>
		</Box>
	);
}
