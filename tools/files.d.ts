// Types of files.js (plain JavaScript, also used by tools/build.js and tools/register.js).
/** Writes `file` under a temporary name and renames it: a reader sees the old content or the new, whole. */
export declare function writeAtomically(file: string, data: string | Uint8Array): void;
