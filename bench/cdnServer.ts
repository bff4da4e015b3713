/**
 * The simulator in a child process, for the download benchmark: memory is measured per
 * process, so the server's own buffers must not count against the client's RSS.
 * Prints its CDN URL as one JSON line, then serves until killed.
 */
import { startSimulator } from '../test/simulator';

startSimulator().then((sim) => {
	process.stdout.write(`${JSON.stringify({ cdnUrl: sim.cdnUrl })}\n`);
});
