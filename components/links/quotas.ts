// AWS's default quotas the links' prefix lists count against, and the warnings the plan prints when a
// fleet outgrows them. Amazon VPC quotas: a referenced prefix list counts as its maximum number of
// entries ("Prefix lists": "if you reference a prefix list with 20 maximum entries in a security group
// rule, this counts as 20 security group rules"); "Routes per route table" 50 and "Inbound rules per
// security group" 60 by default, both adjustable on request. Alibaba Cloud's (ECS "Limits", security
// groups: 200 inbound and outbound rules per security group; ECS "Prefix lists" limits: 200 entries
// per prefix list, not adjustable, and a rule that references a list counts as its maximum entries,
// as on EC2; VPN Gateway "Configure BGP dynamic routing": a VPN gateway's BGP route table takes 50
// routes by default). Pure: the links plan in, text out.
import type { IngressNeed } from "./ingress";
import { ingressPorts } from "./ingress";
import type { EndKind, LinksPlan } from "./plan";

export const AWS_DEFAULT_QUOTAS = { routesPerRouteTable: 50, inboundRulesPerSecurityGroup: 60 } as const;
export const ALICLOUD_DEFAULT_QUOTAS = { rulesPerSecurityGroup: 200, entriesPerPrefixList: 200, vpnGatewayBgpRoutes: 50 } as const;

/** A private route table's own routes besides the links' list: the VPC's local route and the NAT default route. */
const OWN_ROUTES = 2;

/** Every prefix a site reaches over its links (deduplicated: through a transit site two links may lead to one prefix). */
export function remotePrefixesOf(plan: LinksPlan, site: string): string[] {
    return [...new Set(plan.links.flatMap((l) => (l.a.name === site ? l.routesTo.a : l.b.name === site ? l.routesTo.b : [])))];
}

/** The sites of one kind that end a link, by name. */
function linkedSites(plan: LinksPlan, kind: EndKind): string[] {
    return [...new Set(plan.links.flatMap((l) => [l.a, l.b]).flatMap((s) => (s.kind === kind ? [s.name] : [])))].sort();
}

/** The rules a security group's links ingress counts: each port's prefix list as its entries. */
const countedRules = (ports: { sources: unknown[] }[]) => ports.reduce((n, p) => n + p.sources.length, 0);

/** One line per EKS site whose links exceed an AWS default quota: raise the quota before `pulumi up`. */
export function awsQuotaWarnings(plan: LinksPlan, ingress: IngressNeed[]): string[] {
    const out: string[] = [];
    for (const site of linkedSites(plan, "eks")) {
        const routes = remotePrefixesOf(plan, site).length + OWN_ROUTES;
        if (routes > AWS_DEFAULT_QUOTAS.routesPerRouteTable)
            out.push(
                `${site}: each private route table holds ${routes} routes (its prefix list of remote prefixes counts as its entries), over AWS's default of ${AWS_DEFAULT_QUOTAS.routesPerRouteTable} routes per route table: raise the quota first`,
            );
        const rules = countedRules(ingressPorts(ingress, site));
        if (rules > AWS_DEFAULT_QUOTAS.inboundRulesPerSecurityGroup)
            out.push(
                `${site}: the links let other sites in with ${rules} inbound rules on the cluster security group (each port's prefix list counts as its entries), over AWS's default of ${AWS_DEFAULT_QUOTAS.inboundRulesPerSecurityGroup}: raise the quota first`,
            );
    }
    return out;
}

/**
 * One line per ACK site (and CEN edge) whose links exceed an Alibaba Cloud default: the rules the
 * links add to its cluster security group (each port's prefix list counts as its entries), a port
 * whose prefix list would hold more entries than a list can (a hard limit: the program cannot
 * declare it), and the routes a VPN gateway learns over BGP (the other ends' prefixes).
 */
export function alicloudQuotaWarnings(plan: LinksPlan, ingress: IngressNeed[]): string[] {
    const out: string[] = [];
    const q = ALICLOUD_DEFAULT_QUOTAS;
    for (const site of linkedSites(plan, "ack")) {
        const ports = ingressPorts(ingress, site);
        const rules = countedRules(ports);
        if (rules > q.rulesPerSecurityGroup)
            out.push(
                `${site}: the links let other sites in with ${rules} rules on the cluster security group (each port's prefix list counts as its entries), over Alibaba Cloud's default of ${q.rulesPerSecurityGroup} rules per security group: raise the quota first`,
            );
        for (const p of ports)
            if (p.sources.length > q.entriesPerPrefixList)
                out.push(
                    `${site}: port ${p.port}'s prefix list needs ${p.sources.length} entries, over Alibaba Cloud's limit of ${q.entriesPerPrefixList} entries per prefix list (not adjustable): fewer, wider source prefixes are needed`,
                );
        // The site's VPN gateway learns, over its IPsec links' BGP sessions, what the other ends route to it.
        const learned = new Set(
            plan.links
                .filter((l) => l.kind === "ipsec-vpn" && !l.cenEdge && (l.a.name === site || l.b.name === site))
                .flatMap((l) => (l.a.name === site ? l.routesTo.a : l.routesTo.b)),
        );
        if (learned.size > q.vpnGatewayBgpRoutes)
            out.push(
                `${site}: its VPN gateway learns ${learned.size} routes over BGP, over Alibaba Cloud's default of ${q.vpnGatewayBgpRoutes} routes in a VPN gateway's BGP route table: raise the quota first`,
            );
    }
    for (const e of plan.cenEdges)
        if (e.awsPrefixes.length > q.vpnGatewayBgpRoutes)
            out.push(
                `${e.name}-edge: its VPN gateway learns ${e.awsPrefixes.length} routes from AWS over BGP, over Alibaba Cloud's default of ${q.vpnGatewayBgpRoutes} routes in a VPN gateway's BGP route table: raise the quota first`,
            );
    return out;
}
