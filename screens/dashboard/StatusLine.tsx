import {Text} from 'ink';
import {selectedLog, visibleWindow, type DashboardState} from './dashboard-reducer.js';

/** The line above the footer: the search being typed, a question, or the latest notice. */
export function StatusLine({state, mode, logRows, color}: {state: DashboardState; mode: string; logRows: number; color: boolean}) {
	const name = state.info?.instance ?? 'the instance';
	const warn = color ? 'yellow' : undefined;
	if (state.search.phase === 'typing') {
		return (
			<Text wrap="truncate-end">
				<Text bold>/</Text>
				{state.search.text}
				<Text inverse> </Text>
				<Text dimColor>{'  Enter finds, Esc leaves'}</Text>
			</Text>
		);
	}
	if (mode === 'confirm-quit-all') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{` Force-quit every daemon of ${name} (SIGKILL)? y / n `}
			</Text>
		);
	}
	if (mode === 'confirm-leave') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{' Leave: stop everything (s), detach and leave it running (d), or cancel (Esc)? '}
			</Text>
		);
	}
	if (mode === 'confirm-stop') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{` Leave: stop every daemon of ${name} (s), or cancel (Esc)? `}
			</Text>
		);
	}
	if (state.notice) return <Text wrap="truncate-end">{state.notice}</Text>;
	if (state.search.phase === 'active') {
		const where = state.search.match === undefined ? 'no match' : `match on line ${state.search.match + 1}`;
		return (
			<Text wrap="truncate-end" dimColor>
				{`search “${state.search.pattern}”: ${where} · n older, N newer, Esc leaves`}
			</Text>
		);
	}
	if (!state.follow) {
		const {start, end} = visibleWindow(state, logRows);
		return (
			<Text wrap="truncate-end" dimColor>
				{`scrolled back: lines ${start + 1}–${end} of ${selectedLog(state).total} · PgDn/End follow again`}
			</Text>
		);
	}
	return <Text> </Text>;
}
