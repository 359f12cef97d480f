// Mock outputs for command resources (see tools/mocks/index.ts): a remote command ran and printed
// nothing; a copy has no computed outputs.
import type { CallMock, OutputsMock } from "./types";

export const outputs: Record<string, OutputsMock> = {
    "command:remote:Command": () => ({ stdout: "", stderr: "" }),
};
export const calls: Record<string, CallMock> = {};
