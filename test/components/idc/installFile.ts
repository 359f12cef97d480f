// The one file the install-step renderer tests install: a CA key staged under the SSH user's
// directory, with its mode and hash. A helper, not a test file: the renderers' unit tests
// (files.test.ts) and the one that hands the rendered step to bash (test/integration/idc-files.test.ts)
// share it.
import { stagedPath } from "../../../components/idc/renderers/node";

export const HASH = "a".repeat(64);
export const ok = {
    staged: stagedPath("admin", "/etc/kubernetes/pki/ca.key"),
    target: "/etc/kubernetes/pki/ca.key",
    group: "root",
    mode: "0600" as const,
    sha256: HASH,
};
