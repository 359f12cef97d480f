// Kubernetes helpers every add-on shares: a rendered custom resource declared as-is, and a Helm
// release from a pinned chart that rolls back a failed upgrade.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** A rendered custom resource: what the pure renderers hand back. */
export interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: pulumi.Input<Record<string, unknown>>;
    spec: unknown;
}

/** Declares a rendered custom resource unchanged (the component picks the name and the options). */
export function customResource(name: string, m: Manifest, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec }, opts);
}

/** A chart at a pinned version, from a Helm repository (`repo`) or an OCI reference in `chart`. */
export interface PinnedChart {
    chart: string;
    version: string;
    namespace: string;
    repo?: string;
}

/**
 * A Helm release of a pinned chart. `atomic`: roll back a failed upgrade instead of leaving half an
 * add-on, and purge a first install that times out so the next `pulumi up` retries it whole (Helm
 * docs, "--atomic").
 */
export function pinnedRelease(
    name: string,
    a: { release: string; chart: PinnedChart; timeoutSeconds: number } & Omit<
        k8s.helm.v3.ReleaseArgs,
        "name" | "chart" | "version" | "namespace" | "repositoryOpts" | "atomic" | "timeout"
    >,
    opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    const { release, chart, timeoutSeconds, ...rest } = a;
    return new k8s.helm.v3.Release(
        name,
        {
            name: release,
            chart: chart.chart,
            version: chart.version,
            namespace: chart.namespace,
            ...(chart.repo ? { repositoryOpts: { repo: chart.repo } } : {}),
            ...rest,
            atomic: true,
            timeout: timeoutSeconds,
        },
        opts,
    );
}
