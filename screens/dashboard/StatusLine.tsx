import {Text} from 'ink';
import {keysOf} from '../runtime/keymap.js';
import {dashboardKeymap, type DashboardCommand, type DashboardMode} from './dashboard-keymap.js';
import {selectedLog, visibleWindow, type DashboardState} from './dashboard-reducer.js';

/** A command's keys as the status line names them, from the bindings table. */
const keys = (command: DashboardCommand, mode: DashboardMode): string => keysOf(dashboardKeymap, command, mode);

/** The line above the footer: the search being typed, a question, or the latest notice. */
export function StatusLine({state, mode, logRows, color}: {state: DashboardState; mode: DashboardMode; logRows: number; color: boolean}) {
	const name = state.info?.instance ?? 'the instance';
	const warn = color ? 'yellow' : undefined;
	if (state.search.phase === 'typing') {
		return (
			<Text wrap="truncate-end">
				<Text bold>/</Text>
				{state.search.text}
				<Text inverse> </Text>
				<Text dimColor>{`  ${keys('search-submit', mode)} finds, ${keys('search-cancel', mode)} leaves`}</Text>
			</Text>
		);
	}
	if (mode === 'confirm-quit-all') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{` Force-quit every daemon of ${name} (SIGKILL)? ${keys('confirm-yes', mode)} / ${keys('confirm-cancel', mode)} `}
			</Text>
		);
	}
	if (mode === 'confirm-leave') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{` Leave: stop everything (${keys('leave-stop', mode)}), detach, it keeps running (${keys('leave-detach', mode)}), or cancel (${keys('confirm-cancel', mode)})? `}
			</Text>
		);
	}
	if (mode === 'confirm-stop') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{` Leave: stop every daemon of ${name} (${keys('leave-stop', mode)}), or cancel (${keys('confirm-cancel', mode)})? `}
			</Text>
		);
	}
	if (state.notice) return <Text wrap="truncate-end">{state.notice}</Text>;
	if (state.search.phase === 'active') {
		const where = state.search.match === undefined ? 'no match' : `match on line ${state.search.match + 1}`;
		return (
			<Text wrap="truncate-end" dimColor>
				{`search “${state.search.pattern}”: ${where} · ${keys('search-older', mode)} older, ${keys('search-newer', mode)} newer, ${keys('search-clear', mode)} leaves`}
			</Text>
		);
	}
	if (!state.follow) {
		const {start, end} = visibleWindow(state, logRows);
		return (
			<Text wrap="truncate-end" dimColor>
				{`scrolled back: lines ${start + 1}–${end} of ${selectedLog(state).total} · ${keys('scroll-forward', mode)}/${keys('follow', mode)} follow again`}
			</Text>
		);
	}
	return <Text> </Text>;
}
