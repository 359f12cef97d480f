// Building one component alone on the mock engine: no fleet, no site, only the args it declares.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ClusterAccess } from "../../components/core/contract";
import type { AckClusterShape } from "../../components/ack/types";
import type { EksClusterShape } from "../../components/eks/types";
import type { IdcClusterShape } from "../../components/idc/types";
import type { AwsContext } from "../../components/eks/render";
import { Inventory, loadStackSpec, RegisteredResource, runProgram } from "../harness";

const under = (inventory: Inventory, r: RegisteredResource, types: string[]) =>
    types.includes(r.type) || inventory.ancestors(r).some((a) => types.includes(a.type));

export interface Built {
    inventory: Inventory;
    component: RegisteredResource;
    /** Everything the component declared: its descendants. */
    declared: RegisteredResource[];
}

/**
 * Runs `program` (which builds one component of `type`, plus the test's own providers, stand-ins
 * and the `inputs`: components of these types it takes as args, e.g. a ClusterPki) and checks
 * that the component is alone and owns what it declares: every other resource is under it, and
 * every descendant's name starts with the component's name.
 */
export async function buildAlone(type: string, program: () => unknown, stack: "prod" | "dev" = "prod", inputs: string[] = []): Promise<Built> {
    const inventory = await runProgram(program, stack);
    const components = inventory.ofType(type);
    assert.strictEqual(components.length, 1, `expected one ${type}, got ${components.length}`);
    const component = components[0];
    const declared = inventory.resources.filter((r) => inventory.ancestors(r).some((a) => a.urn === component.urn));
    assert.ok(declared.length > 0, `${type} declared nothing`);
    const outside = inventory.resources.filter(
        (r) => r !== component && !declared.includes(r) && !r.type.startsWith("pulumi:providers:") && !under(inventory, r, [TEST_RESOURCE, ...inputs]),
    );
    assert.deepStrictEqual(
        outside.map((r) => r.urn),
        [],
        "resources outside the component (a child without { parent: this }?)",
    );
    const misnamed = declared.filter((r) => !r.name.startsWith(component.name)).map((r) => `${r.type} ${r.name}`);
    assert.deepStrictEqual(misnamed, [], `children of ${component.name} must start with its name`);
    return { inventory, component, declared };
}

/**
 * A stand-in for something a component waits for (`dependsOn`, `after`): a component with one
 * custom resource (`<name>-id`), since a dependency on a component is one on its custom resources.
 */
export const TEST_RESOURCE = "test:alone:Before";
export function before(name: string): pulumi.ComponentResource {
    const stub = new pulumi.ComponentResource(TEST_RESOURCE, name, {}, {});
    new random.RandomId(`${name}-id`, { byteLength: 4 }, { parent: stub });
    return stub;
}
/** The URN a dependency on `before(name)` shows up as. */
export const beforeUrn = (inventory: Inventory, name: string) => inventory.named("random:index/randomId:RandomId", `${name}-id`).urn;

/** A cluster's access for a component built alone: its own provider, an API endpoint, one thing to wait for. */
export function aloneAccess(cluster: string): ClusterAccess {
    return {
        provider: new k8s.Provider(`${cluster}-k8s`, { kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n") }),
        kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n"),
        apiServer: { host: "10.20.0.10", port: 6443 },
        ready: [before(`${cluster}-ready`)],
    };
}

export const AWS: AwsContext = { partition: "aws", accountId: "123456789012", region: "eu-west-1", dnsSuffix: "amazonaws.com" };

// The checked-in stacks' clusters, as the components' own types (the spec is assignable to them).
export const idcCluster = (stack: "prod" | "dev"): IdcClusterShape => loadStackSpec(stack).clusters.find((c) => c.provider === "idc")!;
export const eksCluster = (stack: "prod" | "dev"): EksClusterShape => loadStackSpec(stack).clusters.find((c) => c.provider === "eks")!;
export const ackCluster = (stack: "prod" | "dev"): AckClusterShape => loadStackSpec(stack).clusters.find((c) => c.provider === "ack")!;

/** The provider reference of a resource is this cluster's `<cluster>-k8s`. */
export function assertThroughProvider(inventory: Inventory, resources: RegisteredResource[], cluster: string): void {
    const wrong = resources.filter((r) => inventory.providerOf(r)?.name !== `${cluster}-k8s`).map((r) => `${r.type} ${r.name}`);
    assert.deepStrictEqual(wrong, []);
}

/** The stack's IDC cluster with another LoadBalancer range, or none. */
export const withLoadBalancerCidr = (stack: "prod" | "dev", lb: string | undefined): IdcClusterShape => {
    const spec = structuredClone(idcCluster(stack));
    spec.network.loadBalancerCidr = lb;
    return spec;
};
