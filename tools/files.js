// Files another process may read while this one writes them (bundles and their stamps, cached
// transforms and validators). Plain JavaScript: tools/build.js and tools/register.js run before
// anything is compiled.
"use strict";
const fs = require("fs");
const path = require("path");

/** Writes `file` under a temporary name and renames it: a reader sees the old content or the new, whole, never part of it. */
function writeAtomically(file, data) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
}

module.exports = { writeAtomically };
