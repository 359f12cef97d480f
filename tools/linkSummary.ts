// The link summary of the offline plan: each link, its tunnels with inside addresses and the IDC
// gateway that carries each, both ASNs, the suite, the prefixes each end announces and routes, and
// a note on every link that crosses the border of mainland China. Pure: the plan in, text out.
import { cenArea, LinksPlan, PlannedCenEdge, PlannedLink, PlannedTunnel } from "../components/links/plan";

const CROSS_BORDER: Record<string, string> = {
    cen: "Alibaba CEN cross-border bandwidth (a licensed product)",
    "carrier-line": "a licensed carrier's cross-border line (ordered out of band)",
};

const end = (site: string, inside: string, gateway?: string, ifId?: number) => `${site} ${inside}${gateway ? ` (${gateway}, if_id ${ifId})` : ""}`;

function linkLines(l: PlannedLink): string[] {
    const lines = [`  ${l.a.name} (${l.a.kind}, AS ${l.a.asn}) <-> ${l.b.name} (${l.b.kind}, AS ${l.b.asn}): ${l.kind}`];
    if (l.crossBorder) {
        lines.push(
            `    CROSS-BORDER: ${l.a.name} (${l.a.region}) and ${l.b.name} (${l.b.region}) are on two sides of the border of mainland China: carried on ${CROSS_BORDER[l.crossBorder]}, not plain internet IPsec`,
        );
        if (l.cen)
            lines.push(
                `    CEN: ${l.cen.bandwidthMbps} Mbit/s from ${l.cen.anchor}'s transit router to ${l.cen.region} (${cenArea(l.cen.region)}), out of the China <-> ${cenArea(l.cen.region)} bandwidth package`,
            );
        if (l.cenEdge && l.cen) {
            const [eks, other] = l.a.kind === "eks" ? [l.a, l.b] : [l.b, l.a];
            const start =
                other.kind === "idc"
                    ? `${other.name} -> ${l.anchorPath ?? "?"} -> ${l.cen.anchor}'s transit router`
                    : `${other.name}'s VPC -> its transit router`;
            lines.push(
                `    PATH: ${start} -> CEN ${l.cen.region} -> edge gateway ${l.cenEdge}-edge -> IPsec (tunnels of ${eks.name}-${l.cenEdge}) -> ${eks.name}'s Transit Gateway; no tunnel crosses the border`,
            );
        }
        // An ipsec-vpn link on cen that rides no edge is refused by the spec (stacks/spec/links.ts): no other path to print.
    }
    if (l.tunnels.length > 0) {
        lines.push(`    IKEv2 ${l.crypto.strongswan.ike}, ESP ${l.crypto.strongswan.esp}; BGP over ${l.tunnels.length} tunnels:`);
        for (const t of l.tunnels)
            lines.push(
                `      ${t.name.padEnd(34)} ${t.insideCidr.padEnd(18)} ${end(t.a.site, t.a.inside, t.a.gateway, t.a.ifId)} <-> ${end(t.b.site, t.b.inside, t.b.gateway, t.b.ifId)}${rotated(t)}`,
            );
    }
    if (l.directConnect) {
        const d = l.directConnect;
        lines.push(
            `    Direct Connect ${d.connectionId} VLAN ${d.vlan}: AWS ${d.amazonAddress} (DX gateway AS ${d.amazonSideAsn}) <-> ${l.b.name} router ${d.customerAddress} (AS ${l.b.asn})`,
        );
    }
    if (l.expressConnect) {
        const e = l.expressConnect;
        lines.push(
            `    Express Connect ${e.physicalConnectionId} VLAN ${e.vlan}: VBR ${e.localGatewayIp} (AS ${l.a.asn}) <-> ${l.b.name} router ${e.peerGatewayIp} (AS ${l.b.asn}), mask ${e.peeringSubnetMask}`,
        );
    }
    lines.push(`    ${l.a.name} announces ${l.a.announce.join(", ")}; routes ${l.routesTo.a.join(", ")} over the link`);
    lines.push(`    ${l.b.name} announces ${l.b.announce.join(", ")}; routes ${l.routesTo.b.join(", ")} over the link`);
    return lines;
}

function edgeLines(e: PlannedCenEdge): string[] {
    const lines = [
        `  ${e.name}-edge: ${e.anchor.name}'s gateway in ${e.region} (AS ${e.anchor.asn}), VPC ${e.vpcCidr} in ${e.zones.join(", ")}, attached to the CEN transit router there`,
        `    transit router routes to the edge VPC: ${e.awsPrefixes.join(", ") || "none"}`,
    ];
    if (e.anchorVpcPrefixes.length > 0)
        lines.push(`    ${e.anchor.name}'s transit router routes to its VPC (IDC behind its VPN gateway): ${e.anchorVpcPrefixes.join(", ")}`);
    for (const c of e.crossings) {
        lines.push(`    ${c.eks.name} (AS ${c.eks.asn}) <-> edge, carrying ${c.links.join(", ")}; BGP over ${c.tunnels.length} tunnels:`);
        for (const t of c.tunnels)
            lines.push(`      ${t.name.padEnd(40)} ${t.insideCidr.padEnd(18)} ${end(t.a.site, t.a.inside)} <-> edge ${t.b.inside}${rotated(t)}`);
    }
    return lines;
}

/** A tunnel whose PSK was rotated says how often (the spec's count), so a plan shows which key changes. */
const rotated = (t: PlannedTunnel) => (t.pskRotation ? `  PSK rotated ${t.pskRotation}x` : "");

export function renderLinkSummary(plan: LinksPlan): string {
    if (plan.links.length === 0) return "links: none";
    const edges = plan.cenEdges.length > 0 ? [`CEN edges (${plan.cenEdges.length}):`, ...plan.cenEdges.flatMap(edgeLines)] : [];
    return [`links (${plan.links.length}):`, ...plan.links.flatMap(linkLines), ...edges].join("\n");
}
