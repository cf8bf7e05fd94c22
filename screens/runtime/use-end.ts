import {useApp} from 'ink';
import {useEffect} from 'react';

/** Once the screen has ended (`ended` is set once): close what it reads, report how it ended, and leave the app. */
export function useEnd<T>(ended: T | undefined, source: {close(): void}, onEnd: (ended: T) => void): void {
	const {exit} = useApp();
	useEffect(() => {
		if (!ended) return;
		source.close();
		onEnd(ended);
		exit();
	}, [ended, source, onEnd, exit]);
}
