// Mock outputs for kubernetes resources and invokes (see tools/mocks/index.ts).
import { createHash } from "crypto";
import type { CallMock, OutputsMock } from "./types";

const b64 = (s: string) => Buffer.from(s).toString("base64");

export const outputs: Record<string, OutputsMock> = {
    // The token controller fills a service-account-token Secret with a token and the cluster's CA
    // (Kubernetes docs, "Manually create a long-lived API token for a ServiceAccount"); the
    // provider waits for it (pulumi-kubernetes' service-account-token awaiter). Stand-ins,
    // deterministic per resource name.
    "kubernetes:core/v1:Secret": (a) => {
        if (a.inputs.type !== "kubernetes.io/service-account-token") return {};
        const digest = createHash("sha256").update(a.name).digest("base64url");
        const ca = `-----BEGIN CERTIFICATE-----\n${b64(JSON.stringify({ mock: `${a.name}/ca.crt` }))}\n-----END CERTIFICATE-----\n`;
        return { data: { ...(a.inputs.data ?? {}), token: b64(`mock-token.${digest}`), "ca.crt": b64(ca), namespace: b64(String(a.inputs.metadata?.namespace ?? "default")) } };
    },
};
export const calls: Record<string, CallMock> = {};
