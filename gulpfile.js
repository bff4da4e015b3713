const path = require('path');
const { task, src, dest } = require('gulp');

// tsc emits only JavaScript; n8n loads each node's icon from beside its compiled file.
task('build:icons', copyIcons);

function copyIcons() {
	const nodeIcons = src(path.resolve('nodes', '**', '*.{png,svg}'), { encoding: false }).pipe(
		dest(path.resolve('dist', 'nodes')),
	);
	const sharedIcons = src(path.resolve('icons', '*.{png,svg}'), { encoding: false });
	sharedIcons.pipe(dest(path.resolve('dist', 'icons')));
	return nodeIcons;
}
