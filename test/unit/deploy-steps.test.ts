import {describe, expect, it} from 'vitest';
import type {DeployContext} from '../../services/deploy/deploy-context.js';
import {stepNames, stepTable, undoOrder, type StepTable} from '../../services/deploy/deploy-steps.js';
import {deploySteps} from '../../services/deploy/events.js';
import {discardSent, liftPlaceholder, releaseLock, restartOld, switchBack} from '../../services/deploy/rollback.js';

/** The table only: building it runs nothing, so a context with the options it reads will do. */
function tableOf(rollback: boolean): StepTable {
	return stepTable({options: {rollback}, config: {}} as unknown as DeployContext);
}

describe('the deploy step table', () => {
	it('gives every step of a deploy, in the order the screen and the plan show them', () => {
		expect(stepNames(tableOf(false))).toEqual([...deploySteps]);
	});

	it('gives a rollback to the previous release no sending, set-up or scripts', () => {
		expect(stepNames(tableOf(true))).toEqual(['connect', 'lock', 'placeholder-on', 'stop-old', 'switch', 'start-new', 'nginx-upgrade', 'health-check', 'placeholder-off', 'unlock']);
	});

	it('undoes the last step first, each undo once; a rollback to the previous release has nothing sent to discard', () => {
		expect(undoOrder(tableOf(false))).toEqual([switchBack, restartOld, liftPlaceholder, discardSent, releaseLock]);
		expect(undoOrder(tableOf(true))).toEqual([switchBack, restartOld, liftPlaceholder, releaseLock]);
	});
});
