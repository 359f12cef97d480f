// hybrid:mesh:RemoteSecrets: in one cluster (the watcher), one secret per other mesh cluster,
// through which its istiod discovers that cluster's endpoints: `istio-remote-secret-<name>`,
// labelled istio/multiCluster, annotated networking.istio.io/cluster, its one key the cluster's
// name holding a kubeconfig for that cluster's reader token against its HA API endpoint
// (istioctl create-remote-secret, createRemoteServiceAccountSecret). Every kubeconfig is a secret.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { remoteKubeconfig, remoteSecretMetadata, serverUrl } from "./render";

export interface WatchedCluster {
    name: string;
    apiServer: { host: pulumi.Input<string>; port: pulumi.Input<number> };
    /** The watched cluster's API server CA (PEM). */
    caCertificate: pulumi.Input<string>;
    /** Its reader ServiceAccount's token (secret). */
    token: pulumi.Input<string>;
}

/** One watched cluster's secret data `{ <name>: kubeconfig }`, a Pulumi secret: made once, shared by every watcher. */
export interface RemoteSecretSource {
    name: string;
    stringData: pulumi.Output<Record<string, string>>;
}

/**
 * What every watcher's secret for `w` holds. The same value in every member that watches it, so
 * it is built once per watched cluster: n outputs for the n*(n-1) secrets, not one chain per pair.
 */
export function remoteSecretSource(w: WatchedCluster): RemoteSecretSource {
    const kubeconfig = pulumi
        .all([pulumi.output(w.apiServer.host), pulumi.output(w.apiServer.port), pulumi.output(w.caCertificate), pulumi.output(w.token)])
        .apply(([host, port, caPem, token]) => remoteKubeconfig({ cluster: w.name, server: serverUrl(String(host), Number(port)), caPem, token }));
    return { name: w.name, stringData: pulumi.secret(kubeconfig.apply((k) => ({ [w.name]: k }))) };
}

export interface RemoteSecretsArgs {
    provider: k8s.Provider;
    /** The watcher's istio-system namespace (and anything else that must exist first). */
    after: pulumi.Resource[];
    watched: RemoteSecretSource[];
}

export class RemoteSecrets extends pulumi.ComponentResource {
    readonly secrets: k8s.core.v1.Secret[];

    constructor(name: string, args: RemoteSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:mesh:RemoteSecrets", name, {}, opts);
        this.secrets = args.watched.map(
            (w) =>
                new k8s.core.v1.Secret(
                    `${name}-${w.name}`,
                    { metadata: remoteSecretMetadata(w.name), type: "Opaque", stringData: w.stringData },
                    { parent: this, provider: args.provider, dependsOn: args.after },
                ),
        );
        this.registerOutputs({});
    }
}
