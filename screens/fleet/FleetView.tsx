import {Box} from 'ink';
import {selectedDaemon, selectedLog, visibleWindow} from '../dashboard/dashboard-reducer.js';
import {emptyLogBuffer} from '../dashboard/log-buffer.js';
import {LogPane} from '../dashboard/LogPane.js';
import {ChoiceDialog} from '../runtime/ChoiceDialog.js';
import {TwoPaneFrame} from '../runtime/TwoPaneFrame.js';
import {fleetKeymap, type FleetCommand, type FleetMode} from './fleet-keymap.js';
import type {FleetLayout} from './fleet-layout.js';
import {selectedHost, type FleetState} from './fleet-reducer.js';
import {FleetHeader} from './FleetHeader.js';
import {FleetList} from './FleetList.js';
import {FleetStatusLine} from './FleetStatusLine.js';
import {HostLine} from './HostLine.js';

export interface FleetViewProps {
	state: FleetState;
	mode: FleetMode;
	layout: FleetLayout;
	now: number;
	color: boolean;
	onAnswer?(command: FleetCommand): void;
}

const ignore = (): void => undefined;

function answersIn(mode: FleetMode): FleetCommand[] {
	return mode === 'confirm-stop-all' ? ['stop-host', 'stop-everywhere', 'confirm-cancel'] : ['confirm-cancel', 'confirm-yes'];
}

/** The whole fleet view for one state: header, hosts and daemons beside the selected log, status line, footer. */
export function FleetView({state, mode, layout, now, color, onAnswer = ignore}: FleetViewProps) {
	const host = selectedHost(state);
	const board = host?.board;
	const window = board ? visibleWindow(board, layout.logRows) : {start: 0, end: 0};
	const search = board?.search.phase === 'active' ? board.search : undefined;
	const daemon = board && board.daemons.length > 0 ? selectedDaemon(board) : undefined;
	return (
		<TwoPaneFrame
			keymap={fleetKeymap}
			mode={mode}
			layout={layout}
			title={<FleetHeader state={state} color={color} />}
			helpMode="list"
			helpTitle="Keys of the fleet view"
			status={<FleetStatusLine state={state} mode={mode} logRows={layout.logRows} color={color} />}
		>
			<Box height={layout.paneHeight}>
				<FleetList state={state} columns={layout.list} width={layout.listWidth} height={layout.paneHeight} color={color} />
				<Box flexDirection="column" width={layout.logWidth} height={layout.paneHeight}>
					<HostLine host={host} now={now} color={color} />
					{mode === 'confirm-stop-all' || mode === 'confirm-quit-host' ? (
						<ChoiceDialog keymap={fleetKeymap} mode={mode} answers={answersIn(mode)} onAnswer={onAnswer} width={layout.logWidth} height={layout.paneHeight - 1} />
					) : (
						<LogPane
							daemon={daemon}
							buffer={board ? selectedLog(board) : emptyLogBuffer}
							start={window.start}
							end={window.end}
							follow={board?.follow ?? true}
							pattern={search?.pattern}
							match={search?.match}
							width={layout.logWidth}
							height={layout.paneHeight - 1}
							lineColumns={layout.logColumns}
							color={color}
							raw={board?.raw ?? false}
						/>
					)}
				</Box>
			</Box>
		</TwoPaneFrame>
	);
}
