import { clock } from '../../nodes/shared/clock';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

/** The simulator at `timeScale`, with the package's clock running at the same speed. */
export async function startScaledSimulator(timeScale: number, seed: number): Promise<Simulator> {
	const sim = await startSimulator({ timeScale, seed });
	clock.follow(timeScale, sim.simNow());
	return sim;
}

export async function stopScaledSimulator(sim: Simulator): Promise<void> {
	clock.follow(1, Date.now());
	await sim.close();
}
