/** A frame's worth of events with this many log lines is a flood: the log pane is then redrawn less often, leaving the CPU to keys. */
const floodLines = 1000;
const floodFrameMs = 100;

/** How long to gather events after a batch that held `lines` log lines. */
export function frameAfter(lines: number, frameMs: number): number {
	return lines >= floodLines ? floodFrameMs : frameMs;
}
