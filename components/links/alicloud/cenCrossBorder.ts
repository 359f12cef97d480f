// The licensed cross-border capacity of the links that leave mainland China on CEN: a cross-border
// bandwidth package between `China` and the other area (CEN "Cross-border bandwidth plans": a
// subscription between two areas, bound to one CEN instance), and per outside region a transit
// router there and an inter-region connection (transit router peer attachment) from the mainland
// site's transit router, whose bandwidth is taken from the package. Both peer ends join their
// transit router's route table. A prepaid package cannot be released before it expires (provider
// docs, alicloud.cen.BandwidthPackage paymentType), so it is kept on delete and renews itself.
import * as alicloud from "../../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { CenHubRef, joinRouteTable } from "./cenHub";

export interface AlicloudCenCrossBorderArgs {
    /** The mainland site's transit router. */
    hub: CenHubRef;
    /** The package's other area (`Asia-Pacific`, `North-America`, `Europe`, `Middle-East`). */
    area: string;
    bandwidthMbps: number;
    /** Per outside region: the inter-region connection's bandwidth, Mbit/s (their sum is the package's). */
    regions: { region: string; bandwidthMbps: number }[];
    tags: Record<string, string>;
}

export class AlicloudCenCrossBorder extends pulumi.ComponentResource {
    readonly bandwidthPackageId: pulumi.Output<string>;
    /** Per outside region: the transit router there. */
    readonly remoteTransitRouterIds: Map<string, pulumi.Output<string>>;
    /** Per outside region: that transit router with its route table, and the provider of that region (for the CEN edge). */
    readonly remotes: Map<string, { hub: CenHubRef; provider: alicloud.Provider }>;

    constructor(name: string, args: AlicloudCenCrossBorderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AlicloudCenCrossBorder", name, {}, opts);
        const pkg = new alicloud.cen.BandwidthPackage(
            `${name}-bwp`,
            {
                cenBandwidthPackageName: `${name}-bwp`,
                description: `${name}: cross-border bandwidth of the links`,
                bandwidth: args.bandwidthMbps,
                geographicRegionAId: "China",
                geographicRegionBId: args.area,
                paymentType: "PrePaid",
                period: 1,
                autoRenew: true,
            },
            { parent: this, retainOnDelete: true },
        );
        const bound = new alicloud.cen.BandwidthPackageAttachment(
            `${name}-bwp-cen`,
            { instanceId: args.hub.cenId, bandwidthPackageId: pkg.id },
            { parent: this },
        );
        this.bandwidthPackageId = pkg.id;
        this.remoteTransitRouterIds = new Map();
        this.remotes = new Map();
        for (const r of args.regions) {
            const at = `${name}-${r.region}`;
            // The outside region's own provider: the transit router lives there.
            const provider = new alicloud.Provider(`${at}-alicloud`, { region: r.region }, { parent: this });
            const remote = new alicloud.cen.TransitRouter(
                `${at}-tr`,
                { cenId: args.hub.cenId, transitRouterName: `${at}-tr`, transitRouterDescription: `${name}: cross-border end`, tags: args.tags },
                { parent: this, provider },
            );
            const remoteTable = new alicloud.cen.TransitRouterRouteTable(
                `${at}-tr-rtb`,
                { transitRouterId: remote.transitRouterId, transitRouterRouteTableName: `${at}-links`, tags: args.tags },
                { parent: this, provider },
            );
            const peer = new alicloud.cen.TransitRouterPeerAttachment(
                `${at}-peer`,
                {
                    cenId: args.hub.cenId,
                    transitRouterId: args.hub.transitRouterId,
                    peerTransitRouterId: remote.transitRouterId,
                    peerTransitRouterRegionId: r.region,
                    transitRouterPeerAttachmentName: `${at}-peer`,
                    bandwidthType: "BandwidthPackage",
                    cenBandwidthPackageId: pkg.id,
                    bandwidth: r.bandwidthMbps,
                    autoPublishRouteEnabled: true,
                    tags: args.tags,
                },
                { parent: this, dependsOn: [bound] },
            );
            joinRouteTable(`${at}-peer`, args.hub, peer.transitRouterAttachmentId, this);
            const remoteRef = { cenId: args.hub.cenId, transitRouterId: remote.transitRouterId, routeTableId: remoteTable.transitRouterRouteTableId };
            // The same connection seen from the outside transit router: joins that router's table, on that region's provider.
            const args2 = { transitRouterAttachmentId: peer.transitRouterAttachmentId, transitRouterRouteTableId: remoteRef.routeTableId };
            new alicloud.cen.TransitRouterRouteTableAssociation(`${at}-peer-remote-assoc`, args2, { parent: this, provider });
            new alicloud.cen.TransitRouterRouteTablePropagation(`${at}-peer-remote-prop`, args2, { parent: this, provider });
            this.remoteTransitRouterIds.set(r.region, remote.transitRouterId);
            this.remotes.set(r.region, { hub: remoteRef, provider });
        }
        this.registerOutputs({ bandwidthPackageId: this.bandwidthPackageId });
    }
}
