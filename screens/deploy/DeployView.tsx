import {Box, Text} from 'ink';
import {ChoiceDialog} from '../runtime/ChoiceDialog.js';
import {ScreenFrame} from '../runtime/ScreenFrame.js';
import {deployKeymap, type DeployCommand, type DeployMode} from './deploy-keymap.js';
import {listWindow, selectedHost, stepsOf, type DeployScreenState} from './deploy-reducer.js';
import type {DeployLayout} from './deploy-layout.js';
import {DeployStatusLine} from './DeployStatusLine.js';
import {SummaryList, StepTimes} from './DeploySummary.js';
import {HostList} from './HostList.js';
import {HostOutput} from './HostOutput.js';
import {PhaseLine} from './PhaseLine.js';

export interface DeployViewProps {
	state: DeployScreenState;
	/** The keymap's mode of this state, and where everything goes: worked out once a render, by the screen. */
	mode: DeployMode;
	layout: DeployLayout;
	now: number;
	color: boolean;
	/** The instance's name as the user typed it, before the plan arrives. */
	instance?: string;
	/** An answer picked from the abort question's list (the same command as its direct key). */
	onAnswer?(command: DeployCommand): void;
}

const ignore = (): void => undefined;

/** The deploy screen for one state: phase on top, the hosts, the selected host's output; the summary at the end. */
export function DeployView({state, mode, layout, now, color, instance, onAnswer = ignore}: DeployViewProps) {
	const {first, end} = listWindow(state, layout.listRows);
	const steps = stepsOf(state);
	return (
		<ScreenFrame keymap={deployKeymap} mode={mode} title={<DeployTitle state={state} instance={instance} color={color} />}>
			<PhaseLine state={state} now={now} color={color} />
			{state.finished ? (
				<SummaryList hosts={state.hosts} selected={state.selected} first={first} end={end} layout={layout} color={color} />
			) : (
				<HostList hosts={state.hosts} selected={state.selected} first={first} end={end} stepCount={steps.length} now={now} layout={layout} color={color} />
			)}
			<DeployStatusLine state={state} mode={mode} color={color} />
			<Box flexDirection="column" height={layout.outputRows + 1} overflow="hidden" flexShrink={0}>
				{mode === 'confirm-abort' ? (
					<ChoiceDialog keymap={deployKeymap} mode={mode} answers={['deploy-abort-no', 'deploy-abort-yes']} onAnswer={onAnswer} framed={false} />
				) : state.finished ? (
					<StepTimes host={selectedHost(state)} steps={steps} rows={layout.outputRows} columns={layout.columns} color={color} />
				) : (
					<HostOutput host={selectedHost(state)} rows={layout.outputRows} columns={layout.columns} color={color} {...(state.hosts.length === 0 ? {building: state.building, now} : {})} />
				)}
			</Box>
		</ScreenFrame>
	);
}

function DeployTitle({state, instance, color}: {state: DeployScreenState; instance?: string; color: boolean}) {
	const plan = state.plan;
	return (
		<Text wrap="truncate-end">
			<Text bold color={color ? 'cyan' : undefined}>
				ampzero deploy
			</Text>{' '}
			{plan?.instance ?? instance ?? ''}
			{plan?.kind === 'rollback' ? ' --rollback' : ''}
			{plan ? <Text dimColor>{`  ${plan.ampifyRelease} ${plan.instanceRelease}  ${plan.hosts.length} host${plan.hosts.length === 1 ? '' : 's'}`}</Text> : <Text dimColor>{'  planning…'}</Text>}
		</Text>
	);
}
