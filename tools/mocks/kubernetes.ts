// Mock outputs for kubernetes resources and invokes (see tools/mocks/index.ts): what the API
// server fills in and the program reads (a namespace's uid, a service account token Secret's data).
import { createHash } from "crypto";
import type { CallMock, OutputsMock } from "./index";

/** A stable UUID-shaped id derived from a name, like the uid the API server assigns. */
function uidFor(name: string): string {
    const h = createHash("sha256").update(name).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const outputs: Record<string, OutputsMock> = {
    "kubernetes:core/v1:Namespace": (a) => ({ metadata: { ...(a.inputs.metadata ?? {}), name: a.inputs.metadata?.name ?? a.id ?? a.name, uid: uidFor(a.id || a.name) } }),
    // The token controller fills a service-account-token Secret (the provider awaits it).
    "kubernetes:core/v1:Secret": (a) =>
        a.inputs.type === "kubernetes.io/service-account-token"
            ? { data: { token: Buffer.from(`mock-token-${a.name}`).toString("base64"), "ca.crt": Buffer.from(`mock-ca-${a.name}`).toString("base64") } }
            : {},
};
export const calls: Record<string, CallMock> = {};
