// Mock outputs for random resources (see tools/mocks/index.ts): fresh random values of the shape
// and alphabet the real provider produces, so secret-scanning tests look for real-looking values.
import { randomBytes, randomInt } from "crypto";
import type { CallMock, OutputsMock } from "./types";

function randomText(inputs: Record<string, any>): string {
    const sets: string[] = [];
    if (inputs.lower !== false) sets.push("abcdefghijklmnopqrstuvwxyz");
    if (inputs.upper !== false) sets.push("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (inputs.numeric !== false) sets.push("0123456789");
    if (inputs.special !== false) sets.push(inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?");
    const alphabet = sets.join("");
    return Array.from({ length: Number(inputs.length) }, () => alphabet[randomInt(alphabet.length)]).join("");
}

export const outputs: Record<string, OutputsMock> = {
    "random:index/randomPassword:RandomPassword": (a) => ({ result: randomText(a.inputs) }),
    "random:index/randomString:RandomString": (a) => ({ result: randomText(a.inputs) }),
    "random:index/randomBytes:RandomBytes": (a) => {
        const bytes = randomBytes(Number(a.inputs.length));
        return { hex: bytes.toString("hex"), base64: bytes.toString("base64") };
    },
};
export const calls: Record<string, CallMock> = {};
