// Mock outputs for kubernetes resources and invokes (see tools/mocks/index.ts).
import type { CallMock, OutputsMock } from "./index";

export const outputs: Record<string, OutputsMock> = {
    // A LoadBalancer Service gets an address from its site; a deterministic stand-in here.
    "kubernetes:core/v1:Service": (a) =>
        a.inputs.spec?.type === "LoadBalancer" ? { status: { loadBalancer: { ingress: [{ hostname: `${a.name}.lb.mock.invalid` }] } } } : {},
};
export const calls: Record<string, CallMock> = {};
