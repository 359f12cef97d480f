// The top component of one cluster's site (`hybrid:<provider>:Site`): every resource of the
// cluster, its add-ons included, is parented under it. The fleet completes it once everything
// for the cluster has been declared, so its outputs show in `pulumi stack` and in previews.
import * as pulumi from "@pulumi/pulumi";
import type { SiteKind } from "./contract";

export class Site extends pulumi.ComponentResource {
    constructor(kind: SiteKind, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(`hybrid:${kind}:Site`, name, {}, opts);
    }

    /** Records the site's outputs; called by buildFleet after the cluster's add-ons. */
    complete(outputs: Record<string, pulumi.Input<unknown>>): void {
        this.registerOutputs(outputs);
    }
}
