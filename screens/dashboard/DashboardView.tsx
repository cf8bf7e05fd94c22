import {Box} from 'ink';
import type {DaemonUsage} from '../../services/supervisor/usage.js';
import {ChoiceDialog} from '../runtime/ChoiceDialog.js';
import {TwoPaneFrame} from '../runtime/TwoPaneFrame.js';
import {dashboardKeymap, type DashboardCommand, type DashboardMode} from './dashboard-keymap.js';
import {selectedDaemon, selectedLog, visibleWindow, type DashboardState} from './dashboard-reducer.js';
import {DaemonList} from './DaemonList.js';
import {Header} from './Header.js';
import type {DashboardLayout} from './layout.js';
import {LogPane} from './LogPane.js';
import {StatusLine} from './StatusLine.js';

export interface DashboardViewProps {
	state: DashboardState;
	mode: DashboardMode;
	layout: DashboardLayout;
	now: number;
	ownsSupervisor: boolean;
	color: boolean;
	usage?: ReadonlyMap<string, DaemonUsage>;
	/** An answer picked from the leave question's list (the same command as its direct key). */
	onAnswer?(command: DashboardCommand): void;
}

const ignore = (): void => undefined;

/** The answers of the question asked in this mode: with --no-daemon there is nothing to detach from; cancel comes first where the answer is SIGKILL. */
function answersIn(mode: DashboardMode): DashboardCommand[] {
	if (mode === 'confirm-quit-all') return ['confirm-cancel', 'confirm-yes'];
	return mode === 'confirm-leave' ? ['leave-stop', 'leave-detach', 'confirm-cancel'] : ['leave-stop', 'confirm-cancel'];
}

function questionIn(mode: DashboardMode, instance: string): string {
	if (mode === 'confirm-quit-all') return `Force-quit: SIGKILL every daemon of ${instance}`;
	return mode === 'confirm-leave' ? `Leave ${instance}:` : `Leave: every daemon of ${instance} stops`;
}

/** The whole screen for one state: header, daemon list beside the log pane, status line, footer. */
export function DashboardView({state, mode, layout, now, ownsSupervisor, color, usage, onAnswer = ignore}: DashboardViewProps) {
	const window = visibleWindow(state, layout.logRows);
	const search = state.search.phase === 'active' ? state.search : undefined;
	return (
		<TwoPaneFrame
			keymap={dashboardKeymap}
			mode={mode}
			layout={layout}
			title={<Header state={state} color={color} />}
			helpMode={ownsSupervisor ? 'list-foreground' : 'list'}
			helpTitle="Keys of the dashboard"
			status={<StatusLine state={state} mode={mode} logRows={layout.logRows} color={color} />}
		>
			<Box height={layout.paneHeight}>
				<DaemonList
					daemons={state.daemons}
					selected={state.selected}
					now={now}
					columns={layout.list}
					width={layout.listWidth}
					height={layout.paneHeight}
					color={color}
					usage={usage}
					{...(state.info?.remote ? {remote: state.info.remote} : {})}
				/>
				{mode === 'confirm-leave' || mode === 'confirm-stop' || mode === 'confirm-quit-all' ? (
					<ChoiceDialog
						keymap={dashboardKeymap}
						mode={mode}
						question={questionIn(mode, state.info?.instance ?? 'the instance')}
						answers={answersIn(mode)}
						onAnswer={onAnswer}
						width={layout.logWidth}
						height={layout.paneHeight}
					/>
				) : (
					<LogPane
						daemon={selectedDaemon(state)}
						buffer={selectedLog(state)}
						start={window.start}
						end={window.end}
						follow={state.follow}
						pattern={search?.pattern}
						match={search?.match}
						width={layout.logWidth}
						height={layout.paneHeight}
						lineColumns={layout.logColumns}
						color={color}
						raw={state.raw}
					/>
				)}
			</Box>
		</TwoPaneFrame>
	);
}
