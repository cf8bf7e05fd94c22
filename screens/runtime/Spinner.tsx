import {Text} from 'ink';
import {useEffect, useState} from 'react';

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function Spinner() {
	const [frame, setFrame] = useState(0);
	useEffect(() => {
		const timer = setInterval(() => setFrame(previous => (previous + 1) % frames.length), 100);
		return () => clearInterval(timer);
	}, []);
	return <Text color="cyan">{frames[frame]}</Text>;
}
