// Mock outputs for command resources (see tools/mocks/index.ts): a remote command ran and printed
// nothing, except `kubeadm token create`, which prints a bootstrap token (derived from the resource
// name, so plans stay reproducible); a copy has no computed outputs.
import { createHash } from "crypto";
import type { CallMock, OutputsMock } from "./types";

/** A well-formed kubeadm token ([a-z0-9]{6}.[a-z0-9]{16}) derived from `name`. */
function mockToken(name: string): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const chars = [...createHash("sha256").update(`mock-token:${name}`).digest()].map((b) => alphabet[b % alphabet.length]).join("");
    return `${chars.slice(0, 6)}.${chars.slice(6, 22)}`;
}

export const outputs: Record<string, OutputsMock> = {
    "command:remote:Command": (args) => ({
        stdout: typeof args.inputs.stdin === "string" && /^kubeadm token create /m.test(args.inputs.stdin) ? `${mockToken(args.name)}\n` : "",
        stderr: "",
    }),
};
export const calls: Record<string, CallMock> = {};
