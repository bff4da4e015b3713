/**
 * Process environment for the in-process n8n engine. Imported for its side effects, and
 * first, by `runtime.ts`: n8n-core's DI container reads these variables when it first
 * instantiates `InstanceSettings`, `BinaryDataConfig` and `SecurityConfig`, so they must be
 * in place before anything asks the container for those.
 *
 * Every module registry (each jest test file, or one demo-script process) gets its own
 * temporary root, which `shutdownEngine()` removes again:
 *
 *   <root>/.n8n/            n8n's user folder (settings file with a throwaway encryption key)
 *   <root>/.n8n/storage/    binary data in filesystem mode (workflows/<id>/executions/<id>/...)
 *   <root>/files/           a folder the Read/Write Files node may write to (see below)
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prefix of every engine temp root; `globalTeardown.ts` sweeps leftovers by it. */
export const ENGINE_TMP_PREFIX = 'n8n-engine-';

export const engineRoot = mkdtempSync(join(tmpdir(), `${ENGINE_TMP_PREFIX}${process.pid}-`));
export const engineFilesDir = join(engineRoot, 'files');
mkdirSync(engineFilesDir, { recursive: true });

// n8n's user folder: never the developer's real ~/.n8n.
process.env.N8N_USER_FOLDER = engineRoot;
// Binary data in memory: n8n 1.x's default, and the harshest mode for a node that hands n8n a
// stream (a 'data' listener reads it, which resumes no paused stream). binaryModes.ts switches to
// filesystem, database or S3 at run time; test/files/binaryModes.test.ts runs every download in each.
process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'default';
// n8n 2.x only lets file nodes touch ~/.n8n-files by default. Tests and the demo write
// under the temp root or the OS temp dir instead; set N8N_RESTRICT_FILE_ACCESS_TO before
// the first workflow that writes a file to choose other folders.
process.env.N8N_RESTRICT_FILE_ACCESS_TO ??= [engineFilesDir, tmpdir()].join(';');
// No telemetry, diagnostics or version checks from an embedded engine.
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
