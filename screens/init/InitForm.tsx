import {Box, Text} from 'ink';
import type {FieldEvents} from './FieldRow.js';
import {FieldList} from './FieldList.js';
import {errorCount, focusedField, type InitFormState} from './init-form-reducer.js';

function StatusLine({state}: {state: InitFormState}) {
	const problems = errorCount(state);
	if (problems > 0) {
		const what = problems === 1 ? '1 field needs fixing' : `${problems} fields need fixing`;
		return <Text color="red">{state.refusedSubmits > 0 ? `✗ Not created: ${what} (shown in red)` : `${what} before Enter can create the instance`}</Text>;
	}
	return <Text dimColor>{focusedField(state).hint}</Text>;
}

/** Every question of init with its current answer; the focused one is editable. */
export function InitForm({state, height, columns, events}: {state: InitFormState; height: number; columns: number; events: FieldEvents}) {
	return (
		<Box flexDirection="column" height={height}>
			<FieldList state={state} height={Math.max(3, height - 1)} columns={columns} events={events} />
			<StatusLine state={state} />
		</Box>
	);
}
