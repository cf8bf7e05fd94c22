import {useEffect, useState} from 'react';

export interface Clock {
	now(): number;
}

/** The clock's time, refreshed every `intervalMs` (uptimes tick once a second). */
export function useNow(clock: Clock, intervalMs = 1000): number {
	const [now, setNow] = useState(() => clock.now());
	useEffect(() => {
		const timer = setInterval(() => setNow(clock.now()), intervalMs);
		return () => clearInterval(timer);
	}, [clock, intervalMs]);
	return now;
}
