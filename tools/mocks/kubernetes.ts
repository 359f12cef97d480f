// Mock outputs for kubernetes resources and invokes (see tools/mocks/index.ts).
import { createHash } from "crypto";
import type { CallMock, OutputsMock } from "./types";

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A stable UUID-shaped id derived from a name, like the uid the API server assigns. */
function uidFor(name: string): string {
    const h = createHash("sha256").update(name).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const outputs: Record<string, OutputsMock> = {
    // What the API server fills in and the program reads: a namespace's uid (Karmada's cluster id).
    "kubernetes:core/v1:Namespace": (a) => ({
        metadata: { ...(a.inputs.metadata ?? {}), name: a.inputs.metadata?.name ?? a.id ?? a.name, uid: uidFor(a.id || a.name) },
    }),
    // The token controller fills a service-account-token Secret with a token and the cluster's CA
    // (Kubernetes docs, "Manually create a long-lived API token for a ServiceAccount"); the
    // provider waits for it (pulumi-kubernetes' service-account-token awaiter). Stand-ins,
    // deterministic per resource name.
    "kubernetes:core/v1:Secret": (a) => {
        if (a.inputs.type !== "kubernetes.io/service-account-token") return {};
        const digest = createHash("sha256").update(a.name).digest("base64url");
        const ca = `-----BEGIN CERTIFICATE-----\n${b64(JSON.stringify({ mock: `${a.name}/ca.crt` }))}\n-----END CERTIFICATE-----\n`;
        return {
            data: {
                ...(a.inputs.data ?? {}),
                token: b64(`mock-token.${digest}`),
                "ca.crt": b64(ca),
                namespace: b64(String(a.inputs.metadata?.namespace ?? "default")),
            },
        };
    },
    // A LoadBalancer Service gets an address from its site; a deterministic stand-in here.
    "kubernetes:core/v1:Service": (a) =>
        a.inputs.spec?.type === "LoadBalancer" ? { status: { loadBalancer: { ingress: [{ hostname: `${a.name}.lb.mock.invalid` }] } } } : {},
};
export const calls: Record<string, CallMock> = {};
